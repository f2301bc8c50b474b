package dev.gt.core.internal.server;

import dev.gt.api.PortRange;
import java.util.BitSet;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;

/** The server's pool of ports for TCP services; a port is taken while a client holds it. */
final class PortPool {
    private final List<PortRange> ranges;
    private final BitSet taken = new BitSet(65536);
    private final int size;

    PortPool(List<PortRange> ranges) {
        this.ranges = List.copyOf(ranges);
        BitSet all = new BitSet(65536);
        for (PortRange r : ranges) {
            all.set(r.min(), r.max() + 1);
        }
        this.size = all.cardinality();
    }

    List<PortRange> ranges() {
        return ranges;
    }

    /** Ports taken now. */
    synchronized int takenCount() {
        return taken.cardinality();
    }

    boolean isEmpty() {
        return size == 0;
    }

    boolean contains(int port) {
        for (PortRange r : ranges) {
            if (r.contains(port)) {
                return true;
            }
        }
        return false;
    }

    /** Takes {@code port} if it is in the pool and free. */
    synchronized boolean take(int port) {
        if (!contains(port) || taken.get(port)) {
            return false;
        }
        taken.set(port);
        return true;
    }

    /** Takes a random free port, or returns -1 when none was found. */
    synchronized int takeRandom() {
        if (size == 0) {
            return -1;
        }
        ThreadLocalRandom rnd = ThreadLocalRandom.current();
        for (int attempt = 0; attempt < 64; attempt++) {
            PortRange r = ranges.get(rnd.nextInt(ranges.size()));
            int p = r.min() + rnd.nextInt(r.size());
            if (!taken.get(p)) {
                taken.set(p);
                return p;
            }
        }
        // A nearly full pool: fall back to a scan.
        for (PortRange r : ranges) {
            int p = taken.nextClearBit(r.min());
            if (p <= r.max()) {
                taken.set(p);
                return p;
            }
        }
        return -1;
    }

    synchronized void release(int port) {
        taken.clear(port);
    }

    @Override
    public String toString() {
        return ranges.toString();
    }
}

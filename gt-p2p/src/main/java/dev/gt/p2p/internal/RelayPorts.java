package dev.gt.p2p.internal;

import java.util.BitSet;
import java.util.concurrent.ThreadLocalRandom;

/**
 * The relay ports in use, from the configured range. A port is taken before its socket is bound
 * and given back when the socket has closed; a port some other program holds fails to bind and
 * the caller takes another. Random starting points make relay ports hard to guess.
 */
public final class RelayPorts {
    private final int low;
    private final int high;
    private final BitSet used;

    public RelayPorts(int low, int high) {
        this.low = low;
        this.high = high;
        this.used = new BitSet(high - low + 1);
    }

    /** Takes a free port (an even one when asked), or returns -1 when none is left. */
    public synchronized int take(boolean even) {
        int size = high - low + 1;
        int start = ThreadLocalRandom.current().nextInt(size);
        for (int i = 0; i < size; i++) {
            int idx = (start + i) % size;
            int port = low + idx;
            if (used.get(idx) || (even && (port & 1) != 0)) {
                continue;
            }
            used.set(idx);
            return port;
        }
        return -1;
    }

    /**
     * Takes an even port and the odd one after it (RFC 5766 §6.2, EVEN-PORT with the R bit), or
     * returns -1 when no such pair is free.
     */
    public synchronized int takePair() {
        int size = high - low + 1;
        int start = ThreadLocalRandom.current().nextInt(size);
        for (int i = 0; i < size; i++) {
            int idx = (start + i) % size;
            int port = low + idx;
            if ((port & 1) != 0 || port + 1 > high || used.get(idx) || used.get(idx + 1)) {
                continue;
            }
            used.set(idx);
            used.set(idx + 1);
            return port;
        }
        return -1;
    }

    /** Gives a port back. */
    public synchronized void release(int port) {
        if (port >= low && port <= high) {
            used.clear(port - low);
        }
    }

    /** Ports taken now. */
    public synchronized int inUse() {
        return used.cardinality();
    }
}

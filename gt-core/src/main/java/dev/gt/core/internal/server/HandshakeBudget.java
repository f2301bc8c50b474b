package dev.gt.core.internal.server;

import java.util.concurrent.atomic.AtomicLong;

/**
 * The bytes the server holds for peers it has not routed or admitted yet (request heads being
 * sniffed, tunnel hellos being read), over all connections. Each connection is bounded on its own
 * (16 KiB of head, 64 KiB of hello), but thousands of them could still fill the direct memory and
 * stop every event loop; past this budget a connection that wants to hold more is closed instead.
 * A sixteenth of the heap limit (the default direct-memory limit too), between 4 and 64 MiB.
 */
final class HandshakeBudget {
    private final long limit;
    private final AtomicLong held = new AtomicLong();

    HandshakeBudget(long limit) {
        this.limit = limit;
    }

    static HandshakeBudget forThisJvm() {
        long sixteenth = Runtime.getRuntime().maxMemory() / 16;
        return new HandshakeBudget(Math.max(4L << 20, Math.min(64L << 20, sixteenth)));
    }

    /** Takes {@code n} more bytes; false (and nothing taken) when that would pass the budget. */
    boolean take(long n) {
        long now = held.addAndGet(n);
        if (now > limit) {
            held.addAndGet(-n);
            return false;
        }
        return true;
    }

    void giveBack(long n) {
        if (n > 0) {
            held.addAndGet(-n);
        }
    }

    long held() {
        return held.get();
    }

    long limit() {
        return limit;
    }
}

package dev.gt.core.internal;

import java.util.function.LongSupplier;

/**
 * Lets through at most one log line per period for an event that can repeat in a tight loop
 * (failed accepts, refused handshakes) and counts what it held back, so the line that gets
 * through can say how many there were. Thread-safe.
 */
public final class LogThrottle {
    private final long periodNanos;
    private final LongSupplier ticker;
    private boolean started;
    private long next;
    private long held;

    /**
     * @param periodNanos the shortest time between two lines
     * @param ticker a {@link System#nanoTime()}-like clock
     */
    public LogThrottle(long periodNanos, LongSupplier ticker) {
        this.periodNanos = periodNanos;
        this.ticker = ticker;
    }

    /**
     * Counts one event. Returns -1 when its line should be held back, else how many events were
     * held back since the last line that got through (0 or more).
     */
    public synchronized long tryAcquire() {
        long now = ticker.getAsLong();
        if (started && now - next < 0) {
            held++;
            return -1;
        }
        started = true;
        next = now + periodNanos;
        long h = held;
        held = 0;
        return h;
    }

    /** Events held back since the last line that got through; resets the count. */
    public synchronized long drainHeld() {
        long h = held;
        held = 0;
        return h;
    }
}

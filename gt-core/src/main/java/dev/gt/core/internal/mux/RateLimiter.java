package dev.gt.core.internal.mux;

import java.util.function.LongSupplier;

/**
 * A bytes-per-second speed limit shared by all streams of one user, possibly on different event
 * loops: a token bucket that may go into debt.
 *
 * <p>A reader calls {@link #take} with the size of each chunk it has read and, if the answer is
 * positive, pauses reading for that many nanoseconds (by scheduling a resume, never by sleeping).
 * Taking always succeeds, even beyond the balance: the bytes are already read, and refusing them
 * would only force the caller to buffer them. The debt then shows up as a longer pause, so a
 * 64 KiB read at 1 KiB/s is allowed but is followed by 64 seconds of silence.
 *
 * <p>The bucket holds at most {@code burst} bytes, however long it idled: an idle user gets one
 * burst's head start, not unlimited credit for the time it was quiet.
 *
 * <p>Arithmetic is exact: the balance is kept in units of a billionth of a byte, so a refill of
 * {@code elapsedNanos * bytesPerSecond} units needs no division and no rounding. The price is a
 * bounded range, {@link #MAX_BURST} bytes of credit and as much debt, far beyond any sane limit.
 */
public final class RateLimiter {
    /** Balance units per byte, chosen so that one nanosecond at {@code rate} B/s refills {@code rate} units. */
    private static final long UNITS_PER_BYTE = 1_000_000_000L;
    /**
     * The largest burst, about 4.6 GB: burst and debt together, in units, must fit in a long so
     * that {@code burst - balance} cannot overflow.
     */
    public static final long MAX_BURST = Long.MAX_VALUE / 2 / UNITS_PER_BYTE;
    /**
     * The floor of the balance. Debt beyond it is forgotten rather than overflowing; reaching it
     * takes about 4.6 GB read without honouring a single pause.
     */
    private static final long MIN_BALANCE = -(Long.MAX_VALUE / 2);
    private static final long DEFAULT_MIN_BURST = 16 * 1024;

    private volatile long rate;
    private volatile long burst;
    private long burstUnits;
    private final LongSupplier nanoClock;
    /** In units of 1/{@value #UNITS_PER_BYTE} byte; between {@link #MIN_BALANCE} and {@link #burstUnits}. */
    private long balance;
    private long lastRefill;

    /**
     * @param bytesPerSecond the sustained rate, at least 1
     * @param burstBytes the bucket size, at least 1 and at most {@link #MAX_BURST}
     * @param nanoClock a {@link System#nanoTime()}-like clock; only differences are used
     */
    public RateLimiter(long bytesPerSecond, long burstBytes, LongSupplier nanoClock) {
        if (bytesPerSecond < 1) {
            throw new IllegalArgumentException("rate must be at least 1 byte per second: " + bytesPerSecond);
        }
        if (burstBytes < 1 || burstBytes > MAX_BURST) {
            throw new IllegalArgumentException("burst must be between 1 and " + MAX_BURST + " bytes: " + burstBytes);
        }
        this.rate = bytesPerSecond;
        this.burst = burstBytes;
        this.burstUnits = burstBytes * UNITS_PER_BYTE;
        this.nanoClock = nanoClock;
        this.balance = burstUnits;
        this.lastRefill = nanoClock.getAsLong();
    }

    /**
     * A limiter on the system clock whose burst is an eighth of a second's worth of bytes, but at
     * least 16 KiB so that one typical read chunk never has to wait at low rates.
     */
    public static RateLimiter of(long bytesPerSecond) {
        return new RateLimiter(bytesPerSecond, defaultBurst(bytesPerSecond), System::nanoTime);
    }

    private static long defaultBurst(long bytesPerSecond) {
        return Math.min(MAX_BURST, Math.max(DEFAULT_MIN_BURST, bytesPerSecond / 8));
    }

    /**
     * Changes the rate (a server reconfigured live), with the burst {@link #of} would give it. The
     * balance is kept, capped at the new burst: a debt is paid off at the new rate.
     */
    public synchronized void setRate(long bytesPerSecond) {
        if (bytesPerSecond < 1) {
            throw new IllegalArgumentException("rate must be at least 1 byte per second: " + bytesPerSecond);
        }
        refill();
        this.rate = bytesPerSecond;
        this.burst = defaultBurst(bytesPerSecond);
        this.burstUnits = burst * UNITS_PER_BYTE;
        balance = Math.min(balance, burstUnits);
    }

    /**
     * Charges {@code bytes} to the bucket and returns how many nanoseconds the caller should pause
     * before reading again: 0 while the balance is not negative, otherwise the time it takes the
     * refill to pay off the debt.
     */
    public synchronized long take(long bytes) {
        if (bytes < 0) {
            throw new IllegalArgumentException("bytes must not be negative: " + bytes);
        }
        refill();
        // Unconditional, so a chunk larger than the balance puts the bucket into debt.
        long room = balance - MIN_BALANCE;
        balance = bytes > room / UNITS_PER_BYTE ? MIN_BALANCE : balance - bytes * UNITS_PER_BYTE;
        if (balance >= 0) {
            return 0;
        }
        // Round up: resuming a nanosecond early would find the bucket still (barely) in debt.
        long debt = -balance;
        return debt / rate + (debt % rate == 0 ? 0 : 1);
    }

    /**
     * The most a stream should move per turn while limited: streams sharing the bucket wait for the
     * whole debt in turn, so equal turns give each an equal share. A sixteenth of the burst,
     * between 1 KiB and 16 KiB.
     */
    public int quantum() {
        return (int) Math.max(1024, Math.min(16 * 1024, burst / 16));
    }

    /** The sustained rate in bytes per second. */
    public long rate() {
        return rate;
    }

    /** The bucket size in bytes. */
    public long burst() {
        return burst;
    }

    private void refill() {
        long now = nanoClock.getAsLong();
        long elapsed = now - lastRefill;
        if (elapsed <= 0) {
            // Same instant, or a clock that stepped back: nothing to add. Not moving lastRefill
            // backwards keeps the same stretch of time from being credited twice.
            return;
        }
        lastRefill = now;
        long missing = burstUnits - balance;
        // elapsed * rate may overflow after days of idling at GB/s rates. Compare first: if the
        // elapsed time alone covers what is missing, the bucket is simply full; otherwise
        // elapsed <= missing / rate, so the product is at most missing and fits.
        if (elapsed > missing / rate) {
            balance = burstUnits;
        } else {
            balance += elapsed * rate;
        }
    }

    @Override
    public String toString() {
        return "RateLimiter[" + rate + " B/s, burst " + burst + " B]";
    }
}

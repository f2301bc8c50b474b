package dev.gt.p2p.internal;

/**
 * A bytes-per-second limit for one direction of one TURN allocation: a token bucket that drops
 * what does not fit. Datagrams cannot be paused like a TCP stream (gt-core's RateLimiter pauses
 * reads and lets the bucket go into debt, which fits streams, not a relay that must not queue),
 * so a datagram is relayed only when the bucket holds its size. Not thread-safe: an allocation is
 * used on its own event loop only.
 */
public final class TokenBucket {
    private final double ratePerNano;
    private final double burst;
    /** Fractional, so frequent small refills are not rounded away. */
    private double tokens;
    private long last;

    /**
     * @param bytesPerSecond the sustained rate, at least 1
     * @param nowNanos the current time of a monotonic clock
     */
    public TokenBucket(long bytesPerSecond, long nowNanos) {
        if (bytesPerSecond < 1) {
            throw new IllegalArgumentException("bytesPerSecond: " + bytesPerSecond + " (expected >= 1)");
        }
        this.ratePerNano = bytesPerSecond / 1e9;
        // An eighth of a second, but at least one large datagram.
        this.burst = Math.max(64 * 1024, bytesPerSecond / 8.0);
        this.tokens = burst;
        this.last = nowNanos;
    }

    /** Takes {@code bytes} if the bucket holds them; returns whether it did. */
    public boolean tryTake(int bytes, long nowNanos) {
        long elapsed = nowNanos - last;
        if (elapsed > 0) {
            last = nowNanos;
            tokens = Math.min(burst, tokens + elapsed * ratePerNano);
        }
        if (tokens < bytes) {
            return false;
        }
        tokens -= bytes;
        return true;
    }
}

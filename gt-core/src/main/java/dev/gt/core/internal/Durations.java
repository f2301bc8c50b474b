package dev.gt.core.internal;

import java.math.BigDecimal;
import java.time.Duration;

/**
 * Durations in messages and logs, written the way Go (and so GT) prints them: {@code 1m30s},
 * {@code 500ms}, {@code 0s}. Internal: the runner parses GT's notation with its own class.
 */
public final class Durations {
    private Durations() {
    }

    /** Formats a duration the way Go prints it: {@code 1m30s}, {@code 500ms}, {@code 0s}. */
    public static String format(Duration d) {
        if (d.isZero()) {
            return "0s";
        }
        StringBuilder sb = new StringBuilder();
        if (d.isNegative()) {
            sb.append('-');
            d = d.negated();
        }
        long nanos;
        try {
            nanos = d.toNanos();
        } catch (ArithmeticException e) {
            // Beyond Go's range (about 292 years): print whole seconds rather than fail.
            return sb.append(d.getSeconds()).append('s').toString();
        }
        if (nanos < 1_000) {
            return sb.append(nanos).append("ns").toString();
        }
        if (nanos < 1_000_000) {
            return sb.append(fraction(nanos, 1_000)).append("µs").toString();
        }
        if (nanos < 1_000_000_000) {
            return sb.append(fraction(nanos, 1_000_000)).append("ms").toString();
        }
        long hours = nanos / 3_600_000_000_000L;
        long rest = nanos % 3_600_000_000_000L;
        long minutes = rest / 60_000_000_000L;
        rest %= 60_000_000_000L;
        if (hours > 0) {
            sb.append(hours).append('h');
        }
        if (hours > 0 || minutes > 0) {
            sb.append(minutes).append('m');
        }
        return sb.append(fraction(rest, 1_000_000_000)).append('s').toString();
    }

    private static String fraction(long value, long unit) {
        BigDecimal v = BigDecimal.valueOf(value).divide(BigDecimal.valueOf(unit)).stripTrailingZeros();
        return v.scale() <= 0 ? v.toBigInteger().toString() : v.toPlainString();
    }
}

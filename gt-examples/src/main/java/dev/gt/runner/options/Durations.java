package dev.gt.runner.options;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.time.Duration;

/**
 * Durations in Go's notation, as GT writes them: a sequence of decimal numbers with a unit each,
 * such as {@code 90s}, {@code 1.5h}, {@code 1h2m3s} or {@code 1234m1234ms}; units are {@code ns},
 * {@code us} ({@code µs}), {@code ms}, {@code s}, {@code m} and {@code h}. A bare {@code 0} is
 * zero; any other number without a unit is an error, as in Go.
 */
public final class Durations {
    /** The expectation appended to every error, so messages stay uniform. */
    static final String EXPECTED = "(expected e.g. 90s, 5m, 1h30m)";
    private static final BigInteger MAX_NANOS = BigInteger.valueOf(Long.MAX_VALUE);

    private Durations() {
    }

    /**
     * Parses a Go duration. Negative durations ({@code -5s}) are accepted here; callers that need
     * a non-negative value check the sign.
     *
     * @throws IllegalArgumentException whose message starts with the quoted text and ends with the
     *     expected form, e.g. {@code 'abc' is not a duration (expected e.g. 90s, 5m, 1h30m)}
     */
    public static Duration parse(String text) {
        String s = text;
        boolean negative = false;
        if (!s.isEmpty() && (s.charAt(0) == '-' || s.charAt(0) == '+')) {
            negative = s.charAt(0) == '-';
            s = s.substring(1);
        }
        if (s.equals("0")) {
            return Duration.ZERO;
        }
        if (s.isEmpty()) {
            throw bad(text, null);
        }
        BigDecimal total = BigDecimal.ZERO;
        int i = 0;
        while (i < s.length()) {
            int start = i;
            while (i < s.length() && (isDigit(s.charAt(i)) || s.charAt(i) == '.')) {
                i++;
            }
            String number = s.substring(start, i);
            if (number.isEmpty() || number.equals(".") || number.indexOf('.') != number.lastIndexOf('.')) {
                throw bad(text, null);
            }
            int unitStart = i;
            while (i < s.length() && !isDigit(s.charAt(i)) && s.charAt(i) != '.') {
                i++;
            }
            String unit = s.substring(unitStart, i);
            if (unit.isEmpty()) {
                throw bad(text, "missing unit");
            }
            long unitNanos = unitNanos(unit);
            if (unitNanos < 0) {
                throw bad(text, "unknown unit '" + unit + "' (expected ns, us, ms, s, m or h)");
            }
            String n = number.startsWith(".") ? "0" + number : number.endsWith(".") ? number + "0" : number;
            total = total.add(new BigDecimal(n).multiply(BigDecimal.valueOf(unitNanos)));
        }
        BigInteger nanos = total.toBigInteger();
        if (nanos.compareTo(MAX_NANOS) > 0) {
            throw new IllegalArgumentException("'" + text + "' is too long a duration (expected at most about 2562047h)");
        }
        long value = nanos.longValueExact();
        return Duration.ofNanos(negative ? -value : value);
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

    /**
     * The shortest exact Go spelling, for defaults in help texts: {@code 90s}, {@code 5m},
     * {@code 2h}; what has no whole unit is written as {@link #format} writes it.
     */
    public static String formatShort(Duration d) {
        if (d.isZero()) {
            return "0s";
        }
        long[] units = {3_600_000_000_000L, 60_000_000_000L, 1_000_000_000L, 1_000_000L};
        String[] names = {"h", "m", "s", "ms"};
        try {
            long nanos = d.toNanos();
            for (int i = 0; i < units.length; i++) {
                if (nanos % units[i] == 0) {
                    return nanos / units[i] + names[i];
                }
            }
        } catch (ArithmeticException e) {
            // Longer than Go's range: format() says it in seconds.
        }
        return format(d);
    }

    private static String fraction(long value, long unit) {
        BigDecimal v = BigDecimal.valueOf(value).divide(BigDecimal.valueOf(unit)).stripTrailingZeros();
        return v.scale() <= 0 ? v.toBigInteger().toString() : v.toPlainString();
    }

    private static long unitNanos(String unit) {
        switch (unit) {
            case "ns":
                return 1L;
            case "us":
            case "\u00b5s": // micro sign, as Go accepts
            case "\u03bcs": // Greek small letter mu
                return 1_000L;
            case "ms":
                return 1_000_000L;
            case "s":
                return 1_000_000_000L;
            case "m":
                return 60_000_000_000L;
            case "h":
                return 3_600_000_000_000L;
            default:
                return -1;
        }
    }

    private static boolean isDigit(char c) {
        return c >= '0' && c <= '9';
    }

    private static IllegalArgumentException bad(String text, String why) {
        return new IllegalArgumentException("'" + text + "' is not a duration" + (why == null ? "" : ": " + why)
                + " " + EXPECTED);
    }
}

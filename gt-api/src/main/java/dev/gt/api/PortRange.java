package dev.gt.api;

/**
 * An inclusive range of TCP ports, written {@code a-b} or {@code p}; {@code 0} means every port
 * (1-65535), as in GT.
 *
 * @param min the first port (1 to 65535)
 * @param max the last port (min to 65535)
 */
public record PortRange(int min, int max) {
    /** Compact constructor: checks the bounds. */
    public PortRange {
        if (min < 1 || max > 65535 || min > max) {
            throw new IllegalArgumentException("port range " + min + "-" + max
                    + " (expected 1 <= min <= max <= 65535)");
        }
    }

    /**
     * Parses {@code a-b}, {@code p} or {@code 0}.
     *
     * @throws IllegalArgumentException naming the text and the expected form
     */
    public static PortRange parse(String text) {
        String t = text.trim();
        try {
            int dash = t.indexOf('-');
            if (dash < 0) {
                int p = Integer.parseInt(t);
                return p == 0 ? new PortRange(1, 65535) : new PortRange(p, p);
            }
            int a = Integer.parseInt(t.substring(0, dash).trim());
            int b = Integer.parseInt(t.substring(dash + 1).trim());
            return new PortRange(a == 0 ? 1 : a, b);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("port range '" + text + "' is not of the form a-b, p or 0", e);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("port range '" + text + "': " + e.getMessage(), e);
        }
    }

    /** Whether {@code port} is in the range. */
    public boolean contains(int port) {
        return port >= min && port <= max;
    }

    /** Number of ports in the range. */
    public int size() {
        return max - min + 1;
    }

    @Override
    public String toString() {
        return min == max ? Integer.toString(min) : min + "-" + max;
    }
}

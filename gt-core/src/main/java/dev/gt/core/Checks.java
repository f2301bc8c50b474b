package dev.gt.core;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Objects;

/** Argument checks whose messages name the option, the value and the expectation. */
final class Checks {
    private Checks() {
    }

    static int range(String option, int value, int min, int max) {
        if (value < min || value > max) {
            throw new IllegalArgumentException("-" + option + " " + value + " (expected " + min + " to " + max + ")");
        }
        return value;
    }

    static String format(Duration d) {
        return dev.gt.core.internal.Durations.format(d);
    }

    static Duration nonNegative(String option, Duration d) {
        Objects.requireNonNull(d, option);
        if (d.isNegative()) {
            throw new IllegalArgumentException("-" + option + " " + dev.gt.core.internal.Durations.format(d)
                    + " (expected a duration >= 0)");
        }
        return d;
    }

    static void id(String option, String id) {
        Objects.requireNonNull(id, option);
        bytes(option, id);
        for (int i = 0; i < id.length(); i++) {
            char c = id.charAt(i);
            if (c <= ' ' || c == 0x7f) {
                throw new IllegalArgumentException("-" + option + " '" + id
                        + "' contains a space or control character (expected printable text)");
            }
        }
    }

    static void secret(String option, String secret) {
        Objects.requireNonNull(secret, option);
        // The secret itself never goes into a message.
        int n = secret.getBytes(StandardCharsets.UTF_8).length;
        if (n < 1 || n > 200) {
            throw new IllegalArgumentException("-" + option + " has " + n + " bytes (expected 1 to 200)");
        }
    }

    private static void bytes(String option, String value) {
        int n = value.getBytes(StandardCharsets.UTF_8).length;
        if (n < 1 || n > 200) {
            throw new IllegalArgumentException("-" + option + " '" + value + "' has " + n + " bytes (expected 1 to 200)");
        }
    }

    static long speed(String option, long bytesPerSecond) {
        if (bytesPerSecond < 0) {
            throw new IllegalArgumentException("-" + option + " " + bytesPerSecond
                    + " (expected bytes per second >= 0; 0 means no limit)");
        }
        return bytesPerSecond;
    }

    static void regex(String option, String regex) {
        Objects.requireNonNull(regex, option);
        User.compile(option, regex);
    }

    static boolean isToken(String s) {
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            boolean ok = c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9'
                    || "!#$%&'*+-.^_`|~".indexOf(c) >= 0;
            if (!ok) {
                return false;
            }
        }
        return true;
    }
}

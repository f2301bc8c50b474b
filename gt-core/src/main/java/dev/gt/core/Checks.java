package dev.gt.core;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Objects;

/**
 * Argument checks whose messages name the setting (as the builder method is called), the value and
 * the expectation: {@code failedLoginsBeforeBan -1 (expected 0 to 2147483647)}. Every message of a
 * setter starts with the setting's name, so that a front end such as the {@code gt} runner can
 * name its own option instead.
 */
final class Checks {
    private Checks() {
    }

    static int range(String setting, int value, int min, int max) {
        if (value < min || value > max) {
            throw new IllegalArgumentException(setting + " " + value + " (expected " + min + " to " + max + ")");
        }
        return value;
    }

    static String format(Duration d) {
        return dev.gt.core.internal.Durations.format(d);
    }

    static Duration nonNegative(String setting, Duration d) {
        Objects.requireNonNull(d, setting);
        if (d.isNegative()) {
            throw new IllegalArgumentException(setting + " " + dev.gt.core.internal.Durations.format(d)
                    + " (expected a duration >= 0)");
        }
        return d;
    }

    static void id(String setting, String id) {
        Objects.requireNonNull(id, setting);
        bytes(setting, id);
        for (int i = 0; i < id.length(); i++) {
            char c = id.charAt(i);
            if (c <= ' ' || c == 0x7f) {
                throw new IllegalArgumentException(setting + " '" + id
                        + "' contains a space or control character (expected printable text)");
            }
        }
    }

    static void secret(String setting, String secret) {
        Objects.requireNonNull(secret, setting);
        // The secret itself never goes into a message.
        int n = secret.getBytes(StandardCharsets.UTF_8).length;
        if (n < 1 || n > 200) {
            throw new IllegalArgumentException(setting + " has " + n + " bytes (expected 1 to 200)");
        }
    }

    private static void bytes(String setting, String value) {
        int n = value.getBytes(StandardCharsets.UTF_8).length;
        if (n < 1 || n > 200) {
            throw new IllegalArgumentException(setting + " '" + value + "' has " + n + " bytes (expected 1 to 200)");
        }
    }

    static long speed(String setting, long bytesPerSecond) {
        if (bytesPerSecond < 0) {
            throw new IllegalArgumentException(setting + " " + bytesPerSecond
                    + " (expected bytes per second >= 0; 0 means no limit)");
        }
        return bytesPerSecond;
    }

    static void regex(String setting, String regex) {
        Objects.requireNonNull(regex, setting);
        User.compile(setting, regex);
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

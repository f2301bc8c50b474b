package dev.gt.p2p;

import java.util.Locale;
import java.util.Objects;

/**
 * A {@code stun:} URI (RFC 7064): {@code stun:host}, {@code stun:host:port},
 * {@code stun:[2001:db8::1]:3478}; the port defaults to 3478. GT's {@code -remoteSTUN} takes
 * these. Immutable.
 *
 * @param host a host name or a literal address, without brackets
 * @param port 1 to 65535
 */
public record StunUri(String host, int port) {
    /** The default STUN port. */
    public static final int DEFAULT_PORT = 3478;

    /** Checks the fields. */
    public StunUri {
        Objects.requireNonNull(host, "host");
        if (host.isEmpty() || port < 1 || port > 65535) {
            throw new IllegalArgumentException("STUN server " + host + ":" + port
                    + " (expected a host and a port from 1 to 65535)");
        }
    }

    /**
     * Parses {@code stun:host[:port]}.
     *
     * @throws IllegalArgumentException naming the text and the expected form; {@code stuns:}
     *     (TLS) and {@code turn:} are refused as not supported here
     */
    public static StunUri parse(String text) {
        Objects.requireNonNull(text, "uri");
        String t = text.trim();
        String lower = t.toLowerCase(Locale.ROOT);
        if (!lower.startsWith("stun:")) {
            throw bad(text, lower.startsWith("stuns:") ? "stuns: (STUN over TLS) is not supported"
                    : "it does not start with stun:");
        }
        String rest = t.substring(5);
        if (rest.startsWith("//")) {
            rest = rest.substring(2); // tolerated: stun://host:port
        }
        String host;
        String port = null;
        if (rest.startsWith("[")) {
            int close = rest.indexOf(']');
            if (close < 0) {
                throw bad(text, "an IPv6 address without its closing bracket");
            }
            host = rest.substring(1, close);
            String after = rest.substring(close + 1);
            if (!after.isEmpty()) {
                if (!after.startsWith(":")) {
                    throw bad(text, "text after the IPv6 address");
                }
                port = after.substring(1);
            }
        } else {
            int colon = rest.indexOf(':');
            if (colon >= 0 && rest.indexOf(':', colon + 1) >= 0) {
                throw bad(text, "an IPv6 address must be in brackets");
            }
            host = colon < 0 ? rest : rest.substring(0, colon);
            port = colon < 0 ? null : rest.substring(colon + 1);
        }
        if (host.isEmpty() || host.contains("/") || host.contains("?") || host.contains("@")) {
            throw bad(text, "no host");
        }
        int p = DEFAULT_PORT;
        if (port != null) {
            try {
                p = Integer.parseInt(port);
            } catch (NumberFormatException e) {
                throw bad(text, "the port is not a number");
            }
            if (p < 1 || p > 65535) {
                throw bad(text, "the port is not from 1 to 65535");
            }
        }
        return new StunUri(host, p);
    }

    private static IllegalArgumentException bad(String text, String why) {
        return new IllegalArgumentException("'" + text + "' is not a STUN server URI: " + why
                + " (expected stun:host, stun:host:port or stun:[ipv6]:port)");
    }

    @Override
    public String toString() {
        return "stun:" + (host.indexOf(':') >= 0 ? "[" + host + "]" : host) + ":" + port;
    }
}

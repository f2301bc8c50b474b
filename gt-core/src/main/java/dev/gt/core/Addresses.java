package dev.gt.core;

import java.net.InetSocketAddress;

/** Parsing of GT's listen address notation ({@code 8080}, {@code :8080}, {@code 127.0.0.1:8080}). */
public final class Addresses {
    private Addresses() {
    }

    /**
     * Parses a listen address as GT writes it: {@code 8080} and {@code :8080} mean every interface,
     * {@code 127.0.0.1:8080} and {@code [::1]:8080} one address; port 0 asks for any free port.
     *
     * @param setting the setting's name, for the error message
     * @throws IllegalArgumentException naming the setting, the value and the expected forms
     */
    public static InetSocketAddress parseListen(String setting, String value) {
        String v = value.trim();
        String host = null;
        String port = v;
        int colon = v.lastIndexOf(':');
        if (colon >= 0) {
            host = v.substring(0, colon);
            port = v.substring(colon + 1);
            if (host.startsWith("[") && host.endsWith("]")) {
                host = host.substring(1, host.length() - 1);
            } else if (host.indexOf(':') >= 0) {
                throw bad(setting, value);
            }
        }
        int p;
        try {
            p = Integer.parseInt(port);
        } catch (NumberFormatException e) {
            throw bad(setting, value);
        }
        if (p < 0 || p > 65535) {
            throw bad(setting, value);
        }
        if (host == null || host.isEmpty()) {
            return new InetSocketAddress(p);
        }
        return new InetSocketAddress(host, p);
    }

    private static IllegalArgumentException bad(String setting, String value) {
        return new IllegalArgumentException(setting + " '" + value
                + "' is not a listen address (expected PORT, :PORT or HOST:PORT with PORT 0 to 65535)");
    }

    /** {@code host:port} text of an address, with IPv6 hosts in brackets. */
    public static String text(InetSocketAddress a) {
        String host = a.getHostString();
        return (host.indexOf(':') >= 0 ? "[" + host + "]" : host) + ":" + a.getPort();
    }
}

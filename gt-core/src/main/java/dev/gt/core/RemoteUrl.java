package dev.gt.core;

import java.net.URI;
import java.net.URISyntaxException;

/**
 * A server address as {@link GtClient.Builder#server(String)} (GT's {@code -remote}) takes it:
 * {@code tcp://host[:port]} (port 80 by default),
 * {@code tls://host[:port]} or {@code quic://host[:port]} (443 by default), or {@code host:port}
 * without a scheme, which means tcp. The scheme picks the tunnel transport; one that no module on
 * the class path serves is refused when the client starts.
 *
 * @param scheme the transport scheme ({@code tcp})
 * @param host the server host
 * @param port the server port
 */
public record RemoteUrl(String scheme, String host, int port) {
    /**
     * Parses a remote URL.
     *
     * @throws IllegalArgumentException whose message starts with the quoted text and says what was
     *     expected
     */
    public static RemoteUrl parse(String text) {
        String t = text.trim();
        String withScheme = t.contains("://") ? t : "tcp://" + t;
        URI uri;
        try {
            uri = new URI(withScheme);
        } catch (URISyntaxException e) {
            throw new IllegalArgumentException("'" + text + "' is not a URL (expected tcp://host[:port])", e);
        }
        if (uri.getScheme() == null) {
            // "tc?://h:1" parses as a relative reference: "://" sits in its query.
            throw new IllegalArgumentException("-remote '" + text + "' has no scheme (expected tcp://host[:port])");
        }
        String scheme = uri.getScheme().toLowerCase(java.util.Locale.ROOT);
        if (!scheme.equals("tcp") && !scheme.equals("tls") && !scheme.equals("quic")) {
            throw new IllegalArgumentException("'" + text + "' has scheme '" + scheme
                    + "' (expected tcp, tls or quic)");
        }
        String host = uri.getHost();
        if (host == null || host.isEmpty()) {
            throw new IllegalArgumentException("'" + text + "' has no host (expected tcp://host[:port])");
        }
        if (host.startsWith("[") && host.endsWith("]")) {
            host = host.substring(1, host.length() - 1);
        }
        int port = uri.getPort() < 0 ? (scheme.equals("tcp") ? 80 : 443) : uri.getPort();
        if (port == 0) {
            throw new IllegalArgumentException("'" + text + "' has port 0 (expected 1 to 65535)");
        }
        return new RemoteUrl(scheme, host, port);
    }

    /** Whether the tunnel runs over TLS. */
    public boolean isTls() {
        return scheme.equals("tls");
    }

    @Override
    public String toString() {
        return scheme + "://" + (host.indexOf(':') >= 0 ? "[" + host + "]" : host) + ":" + port;
    }
}

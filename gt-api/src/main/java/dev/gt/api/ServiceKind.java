package dev.gt.api;

/** What a client service carries, and so how visitors reach it on the server. */
public enum ServiceKind {
    /** Plain HTTP: visitors are routed by the first request's Host (or mux) header. */
    HTTP("http", 80),
    /** HTTPS passed through untouched: visitors are routed by the TLS server name. */
    HTTPS("https", 443),
    /** Raw TCP: visitors connect to a server port opened for the service. */
    TCP("tcp", -1);

    private final String scheme;
    private final int defaultPort;

    ServiceKind(String scheme, int defaultPort) {
        this.scheme = scheme;
        this.defaultPort = defaultPort;
    }

    /** The URL scheme of {@code -local} values of this kind. */
    public String scheme() {
        return scheme;
    }

    /** The port implied when a URL of this kind has none, or -1 when a port is required. */
    public int defaultPort() {
        return defaultPort;
    }

    /** The kind for a URL scheme (case-insensitive), or {@code null}. */
    public static ServiceKind ofScheme(String scheme) {
        for (ServiceKind k : values()) {
            if (k.scheme.equalsIgnoreCase(scheme)) {
                return k;
            }
        }
        return null;
    }
}

package dev.gt.api;

import io.netty.channel.ChannelHandler;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.URISyntaxException;
import java.time.Duration;
import java.util.Objects;

/**
 * One service a client offers through its tunnels: either a local address that each visitor
 * stream is connected to ({@code http://127.0.0.1:80}, {@code tcp://127.0.0.1:22}), or a Netty
 * {@link ChannelHandler} (usually a {@code ChannelInitializer}) that the host application uses to
 * serve each stream in-process, with no socket in between.
 *
 * <p>Immutable; build with {@link #local(String)} or {@link #handler(ServiceKind, ChannelHandler)}:
 * <pre>{@code
 * ServiceSpec web = ServiceSpec.local("http://127.0.0.1:8080").hostPrefix("blog").build();
 * ServiceSpec ssh = ServiceSpec.local("tcp://127.0.0.1:22").serverPort(2222).allowRandomServerPort(true).build();
 * }</pre>
 */
public final class ServiceSpec {
    /** GT's default idle timeout of a local connection ({@link Builder#idleTimeout}). */
    public static final Duration DEFAULT_IDLE_TIMEOUT = Duration.ofSeconds(120);
    /** Longest host prefix, in bytes, as in GT. */
    public static final int MAX_PREFIX_LENGTH = 200;

    private final ServiceKind kind;
    private final String localUrl;
    private final InetSocketAddress localAddress;
    private final ChannelHandler handler;
    private final String hostPrefix;
    private final int serverPort;
    private final boolean allowRandomServerPort;
    private final boolean rewriteHostHeader;
    private final Duration idleTimeout;

    private ServiceSpec(Builder b) {
        this.kind = b.kind;
        this.localUrl = b.localUrl;
        this.localAddress = b.localAddress;
        this.handler = b.handler;
        this.hostPrefix = b.hostPrefix;
        this.serverPort = b.serverPort;
        this.allowRandomServerPort = b.allowRandomServerPort != null ? b.allowRandomServerPort
                : kind == ServiceKind.TCP && b.serverPort == 0;
        this.rewriteHostHeader = b.rewriteHostHeader;
        this.idleTimeout = b.idleTimeout;
    }

    /**
     * Starts a service that forwards to a local URL: {@code http://host[:port]} (port 80 by
     * default), {@code https://host[:port]} (443) or {@code tcp://host:port}.
     *
     * @throws IllegalArgumentException naming the URL and what was expected
     */
    public static Builder local(String url) {
        return new Builder(url);
    }

    /**
     * Starts a service whose streams are handed to {@code handler}, added to the pipeline of an
     * in-process channel per stream. The handler must be {@code @Sharable} or a
     * {@code ChannelInitializer}.
     */
    public static Builder handler(ServiceKind kind, ChannelHandler handler) {
        return new Builder(kind, handler);
    }

    /** The kind of service. */
    public ServiceKind kind() {
        return kind;
    }

    /** The local URL as normalised ({@code http://127.0.0.1:80}), or {@code null} for a handler service. */
    public String localUrl() {
        return localUrl;
    }

    /** The unresolved local address to dial, or {@code null} for a handler service. */
    public InetSocketAddress localAddress() {
        return localAddress;
    }

    /** The in-process handler, or {@code null} for a service that dials a local address. */
    public ChannelHandler handler() {
        return handler;
    }

    /** The requested host prefix, or {@code null} to use the client id (HTTP and HTTPS services). */
    public String hostPrefix() {
        return hostPrefix;
    }

    /** The server port requested for a TCP service; 0 means any port of the server's pool. GT's {@code -remoteTCPPort}. */
    public int serverPort() {
        return serverPort;
    }

    /**
     * Whether the server may pick another port when {@link #serverPort()} is not available. GT's
     * {@code -remoteTCPRandom}.
     */
    public boolean allowRandomServerPort() {
        return allowRandomServerPort;
    }

    /** Whether the first request's Host header is rewritten to the local host:port. GT's {@code -useLocalAsHTTPHost}. */
    public boolean rewriteHostHeader() {
        return rewriteHostHeader;
    }

    /**
     * How long a local connection may stay idle (no bytes either way) before it is closed. GT's
     * {@code -localTimeout}.
     */
    public Duration idleTimeout() {
        return idleTimeout;
    }

    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder(kind.scheme()).append(" service ");
        sb.append(localUrl != null ? localUrl : "in-process handler");
        if (hostPrefix != null) {
            sb.append(" hostPrefix=").append(hostPrefix);
        }
        if (kind == ServiceKind.TCP) {
            sb.append(" serverPort=").append(serverPort).append(" allowRandomServerPort=").append(allowRandomServerPort);
        }
        if (rewriteHostHeader) {
            sb.append(" rewriteHostHeader");
        }
        return sb.toString();
    }

    /** Builder of a {@link ServiceSpec}; setters validate at once. */
    public static final class Builder {
        private final ServiceKind kind;
        private final String localUrl;
        private final InetSocketAddress localAddress;
        private final ChannelHandler handler;
        private String hostPrefix;
        private int serverPort;
        private Boolean allowRandomServerPort;
        private boolean rewriteHostHeader;
        private Duration idleTimeout = DEFAULT_IDLE_TIMEOUT;

        private Builder(String url) {
            Objects.requireNonNull(url, "url");
            URI uri;
            try {
                uri = new URI(url.trim());
            } catch (URISyntaxException e) {
                throw new IllegalArgumentException("local service URL '" + url
                        + "' is not a URL (expected http://host[:port], https://host[:port] or tcp://host:port)", e);
            }
            ServiceKind k = uri.getScheme() == null ? null : ServiceKind.ofScheme(uri.getScheme());
            if (k == null) {
                throw new IllegalArgumentException("local service URL '" + url
                        + "' has scheme '" + uri.getScheme() + "' (expected http, https or tcp)");
            }
            String host = uri.getHost();
            if (host == null || host.isEmpty()) {
                throw new IllegalArgumentException("local service URL '" + url + "' has no host (expected "
                        + k.scheme() + "://host" + (k == ServiceKind.TCP ? ":port" : "[:port]") + ")");
            }
            if (host.startsWith("[") && host.endsWith("]")) {
                host = host.substring(1, host.length() - 1);
            }
            int port = uri.getPort();
            if (port < 0) {
                if (k.defaultPort() < 0) {
                    throw new IllegalArgumentException("local service URL '" + url
                            + "' has no port (expected tcp://host:port)");
                }
                port = k.defaultPort();
            }
            if (port == 0 || port > 65535) {
                throw new IllegalArgumentException("local service URL '" + url + "' has port " + port
                        + " (expected 1 to 65535)");
            }
            this.kind = k;
            String hostText = host.indexOf(':') >= 0 ? "[" + host + "]" : host;
            this.localUrl = k.scheme() + "://" + hostText + ":" + port;
            this.localAddress = InetSocketAddress.createUnresolved(host, port);
            this.handler = null;
        }

        private Builder(ServiceKind kind, ChannelHandler handler) {
            this.kind = Objects.requireNonNull(kind, "kind");
            this.handler = Objects.requireNonNull(handler, "handler");
            this.localUrl = null;
            this.localAddress = null;
        }

        /**
         * The host prefix visitors use to reach this HTTP or HTTPS service
         * ({@code prefix.example.com}); 1 to 200 bytes of letters, digits, '-' and '_'.
         */
        public Builder hostPrefix(String hostPrefix) {
            if (hostPrefix != null) {
                checkPrefix(hostPrefix);
            }
            this.hostPrefix = hostPrefix;
            return this;
        }

        /**
         * The port on the server that visitors of this TCP service connect to; 0 (the default) lets
         * the server choose from its pool. GT's {@code -remoteTCPPort}.
         */
        public Builder serverPort(int port) {
            if (port < 0 || port > 65535) {
                throw new IllegalArgumentException("serverPort " + port + " (expected 0 to 65535)");
            }
            this.serverPort = port;
            return this;
        }

        /**
         * Whether the server may choose another port when {@link #serverPort} is not available.
         * Defaults to true for a TCP service without a requested port, false otherwise. GT's
         * {@code -remoteTCPRandom}.
         */
        public Builder allowRandomServerPort(boolean allow) {
            this.allowRandomServerPort = allow;
            return this;
        }

        /**
         * Rewrites the Host header of the first request to the local host:port, for services that
         * check it (HTTP services). GT's {@code -useLocalAsHTTPHost}.
         */
        public Builder rewriteHostHeader(boolean rewrite) {
            this.rewriteHostHeader = rewrite;
            return this;
        }

        /**
         * Idle timeout of each local connection; {@link Duration#ZERO} means none, 120 seconds by
         * default. GT's {@code -localTimeout}.
         */
        public Builder idleTimeout(Duration timeout) {
            Objects.requireNonNull(timeout, "idleTimeout");
            if (timeout.isNegative()) {
                throw new IllegalArgumentException("idleTimeout " + timeout + " (expected >= 0)");
            }
            this.idleTimeout = timeout;
            return this;
        }

        /**
         * Builds the spec.
         *
         * @throws IllegalArgumentException when options do not fit the kind (a host prefix on a TCP
         *     service, a TCP port on an HTTP service, a TCP service with neither port nor random)
         */
        public ServiceSpec build() {
            if (handler != null && !handler.getClass().isAnnotationPresent(ChannelHandler.Sharable.class)) {
                // Every stream gets the same instance: one that keeps per-connection state would
                // serve the first visitor and leave the others hanging.
                throw new IllegalArgumentException("handler " + handler.getClass().getName() + " is neither "
                        + "@Sharable nor a ChannelInitializer (expected one: the same instance serves every stream)");
            }
            if (kind == ServiceKind.TCP && hostPrefix != null) {
                throw new IllegalArgumentException("hostPrefix '" + hostPrefix + "' is set on TCP service "
                        + describe() + " (expected hostPrefix only on http:// and https:// services)");
            }
            if (kind != ServiceKind.TCP && (serverPort != 0 || Boolean.TRUE.equals(allowRandomServerPort))) {
                throw new IllegalArgumentException("serverPort/allowRandomServerPort is set on " + kind.scheme()
                        + " service " + describe() + " (expected them only on tcp:// services)");
            }
            if (kind == ServiceKind.TCP && serverPort == 0 && Boolean.FALSE.equals(allowRandomServerPort)) {
                throw new IllegalArgumentException("TCP service " + describe()
                        + " has neither serverPort nor allowRandomServerPort (expected one of them)");
            }
            if (rewriteHostHeader && kind != ServiceKind.HTTP) {
                throw new IllegalArgumentException("rewriteHostHeader is set on " + kind.scheme() + " service "
                        + describe() + " (expected it only on http:// services)");
            }
            if (rewriteHostHeader && handler != null) {
                throw new IllegalArgumentException(
                        "rewriteHostHeader needs a local URL (the service is an in-process handler)");
            }
            return new ServiceSpec(this);
        }

        private String describe() {
            return localUrl != null ? localUrl : "(in-process handler)";
        }
    }

    /**
     * Checks a host prefix or client id: 1 to 200 bytes of ASCII letters, digits, '-', '_' and '.'.
     *
     * @throws IllegalArgumentException naming the value and what was expected
     */
    public static void checkPrefix(String prefix) {
        if (prefix.isEmpty() || prefix.length() > MAX_PREFIX_LENGTH) {
            throw new IllegalArgumentException("hostPrefix '" + prefix + "' has length " + prefix.length()
                    + " (expected 1 to " + MAX_PREFIX_LENGTH + ")");
        }
        for (int i = 0; i < prefix.length(); i++) {
            char c = prefix.charAt(i);
            if (!(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_')) {
                throw new IllegalArgumentException("hostPrefix '" + prefix + "' has character '" + c
                        + "' (expected letters, digits, '-' or '_', as in a DNS label)");
            }
        }
    }
}

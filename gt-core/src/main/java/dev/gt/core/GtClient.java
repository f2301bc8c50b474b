package dev.gt.core;

import dev.gt.api.ClientState;
import dev.gt.api.GtEventListener;
import dev.gt.api.ServiceKind;
import dev.gt.api.ServiceSpec;
import dev.gt.api.spi.TransportProvider;
import dev.gt.core.internal.client.ClientRuntime;
import io.netty.handler.ssl.SslContext;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.CompletableFuture;

/**
 * A GT client: keeps tunnels open to a GT server and connects each visitor stream the server
 * forwards to a local service, or hands it to an in-process handler.
 *
 * <pre>{@code
 * GtClient client = GtClient.builder()
 *     .id("id1").secret("secret1")
 *     .remote("tcp://gt.example.com:8080")
 *     .service(ServiceSpec.local("http://127.0.0.1:80").build())
 *     .build();
 * client.start().join();   // first tunnel authenticated, services registered
 * ...
 * client.close();
 * }</pre>
 *
 * The client reconnects by itself, forever, until closed; the first connection too.
 */
public final class GtClient implements AutoCloseable {
    private final GtClientConfig config;
    private final ClientRuntime runtime;

    private GtClient(GtClientConfig config) {
        this.config = config;
        this.runtime = new ClientRuntime(config);
    }

    /** Starts a builder with GT's defaults. */
    public static Builder builder() {
        return new Builder();
    }

    /** Creates a client from a configuration. */
    public static GtClient create(GtClientConfig config) {
        return new GtClient(Objects.requireNonNull(config, "config"));
    }

    /** The configuration. */
    public GtClientConfig config() {
        return config;
    }

    /**
     * Starts connecting. The future completes when the first tunnel is authenticated and its
     * services are registered. It fails with a {@link dev.gt.api.GtException} if the server
     * rejects the first hello (wrong secret, port not available ...); the client keeps retrying
     * in the background all the same, until {@link #close()}. Calling it again returns the same
     * future.
     */
    public CompletableFuture<GtClient> start() {
        return runtime.start().thenApply(v -> this);
    }

    /** A snapshot of tunnels and registered services. */
    public ClientState state() {
        return runtime.state();
    }

    /** Closes tunnels (letting open streams finish briefly), stops reconnecting. Idempotent. */
    public CompletableFuture<Void> stop() {
        return runtime.stop();
    }

    /** {@link #stop()} and wait. */
    @Override
    public void close() {
        stop().join();
    }

    @Override
    public String toString() {
        return "GtClient{" + config + "}";
    }

    /** Builds a {@link GtClient}; setters validate at once and name the option in their errors. */
    public static final class Builder {
        String id;
        String secret;
        final List<RemoteUrl> remotes = new ArrayList<>();
        java.net.URI remoteApi;
        final List<ServiceSpec> services = new ArrayList<>();
        Duration reconnectDelay = Duration.ofSeconds(5);
        Duration remoteTimeout = Duration.ofSeconds(45);
        int remoteConnections = 3;
        int remoteIdleConnections = 1;
        Path remoteCert;
        boolean remoteCertInsecure;
        String remoteCertFingerprint;
        SslContext sslContext;
        GtEventListener eventListener = GtEventListener.NOOP;
        TransportProvider transport;
        int workerThreads = Math.min(2, Runtime.getRuntime().availableProcessors());

        Builder() {
        }

        /** {@code -id}: the client id, 1 to 200 bytes. */
        public Builder id(String id) {
            Checks.id("id", id);
            this.id = id;
            return this;
        }

        /** {@code -secret}: 1 to 200 bytes; a random one is generated when none is set. */
        public Builder secret(String secret) {
            if (secret != null && !secret.isEmpty()) {
                Checks.secret("secret", secret);
                this.secret = secret;
            } else {
                this.secret = null;
            }
            return this;
        }

        /**
         * {@code -remoteAPI}: ask this URL for the server's address ({@code GET
         * <url>?network_client_id=<id>}, answered with {@code {"serverAddress":"tcp://host:port"}})
         * before every connection attempt, instead of a fixed {@code -remote}. {@code null} or blank: none.
         */
        public Builder remoteApi(String url) {
            if (url == null || url.isBlank()) {
                this.remoteApi = null;
                return this;
            }
            this.remoteApi = dev.gt.core.internal.HttpApis.parse(url, "-remoteAPI");
            return this;
        }

        /** {@code -remote}: adds a server, {@code tcp://host[:port]}. */
        public Builder remote(String url) {
            remotes.add(RemoteUrl.parse(url));
            return this;
        }

        /** {@code -local} with its flags: adds a service; services are numbered in the order added. */
        public Builder service(ServiceSpec service) {
            services.add(Objects.requireNonNull(service, "service"));
            return this;
        }

        /** {@code -reconnectDelay}: pause before reconnecting (jitter of up to 20% is added). */
        public Builder reconnectDelay(Duration delay) {
            this.reconnectDelay = Checks.nonNegative("reconnectDelay", delay);
            return this;
        }

        /** {@code -remoteTimeout}: drop a tunnel that hears nothing for this long (at least 1 s). */
        public Builder remoteTimeout(Duration timeout) {
            Checks.nonNegative("remoteTimeout", timeout);
            if (timeout.compareTo(Duration.ofSeconds(1)) < 0) {
                throw new IllegalArgumentException("-remoteTimeout " + dev.gt.core.options.Durations.format(timeout)
                        + " (expected at least 1s)");
            }
            this.remoteTimeout = timeout;
            return this;
        }

        /** {@code -remoteConnections}: most tunnels per server, 1 to 10. */
        public Builder remoteConnections(int n) {
            this.remoteConnections = Checks.range("remoteConnections", n, 1, 10);
            return this;
        }

        /** {@code -remoteIdleConnections}: tunnels kept per server without load, 1 to remoteConnections. */
        public Builder remoteIdleConnections(int n) {
            this.remoteIdleConnections = Checks.range("remoteIdleConnections", n, 1, 10);
            return this;
        }

        /**
         * {@code -remoteCert}: PEM CA certificates that sign the server's certificate, for
         * {@code tls://} remotes with a private CA (the system trust store is used otherwise).
         */
        public Builder remoteCert(Path caFile) {
            this.remoteCert = caFile;
            return this;
        }

        /**
         * {@code -remoteCertInsecure}: do not check the server's certificate at all. Anyone on the
         * path can then read and change the tunnel; a warning is logged on every connect. Prefer
         * {@link #remoteCertFingerprint}.
         */
        public Builder remoteCertInsecure(boolean insecure) {
            this.remoteCertInsecure = insecure;
            return this;
        }

        /**
         * {@code -remoteCertFingerprint}: trust exactly the server certificate with this SHA-256
         * fingerprint (64 hex digits, colons optional), as a GT for Java server prints it for its
         * generated certificate. Safe with self-signed certificates, unlike {@link #remoteCertInsecure}.
         */
        public Builder remoteCertFingerprint(String sha256) {
            if (sha256 != null) {
                String hex = sha256.replace(":", "");
                if (hex.length() != 64 || !hex.chars().allMatch(c -> Character.digit(c, 16) >= 0)) {
                    throw new IllegalArgumentException("-remoteCertFingerprint '" + sha256
                            + "' (expected the 64 hex digits of a SHA-256 fingerprint, colons optional)");
                }
            }
            this.remoteCertFingerprint = sha256;
            return this;
        }

        /** A ready client {@link SslContext} for {@code tls://} remotes, instead of the options above. */
        public Builder sslContext(SslContext context) {
            this.sslContext = context;
            return this;
        }

        /** Receives the client's events (on event-loop threads; never block). */
        public Builder eventListener(GtEventListener listener) {
            this.eventListener = Objects.requireNonNull(listener, "eventListener");
            return this;
        }

        /** Use this transport instead of the best discovered one. */
        public Builder transport(TransportProvider transport) {
            this.transport = transport;
            return this;
        }

        /** Event-loop threads (default: 2, or 1 on a single core). */
        public Builder workerThreads(int n) {
            this.workerThreads = Checks.range("workerThreads", n, 1, 1024);
            return this;
        }

        /**
         * The immutable configuration.
         *
         * @throws IllegalArgumentException naming what is missing or inconsistent
         */
        public GtClientConfig buildConfig() {
            if (id == null) {
                throw new IllegalArgumentException("no client id is configured (expected -id)");
            }
            if (remotes.isEmpty() && remoteApi == null) {
                throw new IllegalArgumentException("no server is configured (expected -remote or -remoteAPI)");
            }
            if (!remotes.isEmpty() && remoteApi != null) {
                throw new IllegalArgumentException("both -remote and -remoteAPI are set (expected one: -remoteAPI "
                        + "tells the server's address)");
            }
            if (services.isEmpty()) {
                throw new IllegalArgumentException("no service is configured (expected -local)");
            }
            int trusts = (remoteCert != null ? 1 : 0) + (remoteCertInsecure ? 1 : 0)
                    + (remoteCertFingerprint != null ? 1 : 0) + (sslContext != null ? 1 : 0);
            if (trusts > 1) {
                throw new IllegalArgumentException("more than one of -remoteCert, -remoteCertInsecure, "
                        + "-remoteCertFingerprint and an SslContext is set (expected at most one)");
            }
            if (remoteIdleConnections > remoteConnections) {
                throw new IllegalArgumentException("-remoteIdleConnections " + remoteIdleConnections
                        + " is more than -remoteConnections " + remoteConnections);
            }
            Set<String> prefixes = new HashSet<>();
            for (ServiceSpec s : services) {
                if (s.kind() == ServiceKind.TCP) {
                    continue;
                }
                String prefix = s.hostPrefix() == null ? id : s.hostPrefix();
                String key = s.kind() + ":" + prefix.toLowerCase(java.util.Locale.ROOT);
                if (!prefixes.add(key)) {
                    throw new IllegalArgumentException(s.hostPrefix() == null
                            ? "more than one " + s.kind().scheme() + " service has no -hostPrefix "
                                    + "(expected a distinct -hostPrefix for each; only one may use the id)"
                            : "-hostPrefix '" + prefix + "' is used by two " + s.kind().scheme() + " services");
                }
            }
            return new GtClientConfig(this, secret != null ? secret : randomSecret());
        }

        /** Builds the client (not started). */
        public GtClient build() {
            return new GtClient(buildConfig());
        }

        private static String randomSecret() {
            byte[] bytes = new byte[32];
            new SecureRandom().nextBytes(bytes);
            StringBuilder sb = new StringBuilder(64);
            for (byte b : bytes) {
                sb.append(Character.forDigit((b >> 4) & 0xF, 16)).append(Character.forDigit(b & 0xF, 16));
            }
            return sb.toString();
        }
    }
}

package dev.gt.core;

import dev.gt.api.ClientState;
import dev.gt.api.CongestionControl;
import dev.gt.api.GtEventListener;
import dev.gt.api.ServiceKind;
import dev.gt.api.ServiceSpec;
import dev.gt.api.spi.IoEngineProvider;
import dev.gt.core.internal.client.ClientRuntime;
import javax.net.ssl.X509TrustManager;
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
 *     .server("tcp://gt.example.com:8080")
 *     .service(ServiceSpec.local("http://127.0.0.1:80").build())
 *     .build();
 * client.start().join();   // first tunnel authenticated, services registered
 * ...
 * client.close();
 * }</pre>
 *
 * The client reconnects by itself after a lost tunnel, until closed. See {@link #start()} for
 * when it gives up: a start that times out, or a refusal that needs a configuration change.
 * Event listeners run on the client's event loops: {@link #close()} may be called there (it
 * returns without waiting), blocking calls such as {@code start().join()} must not be.
 */
public final class GtClient implements AutoCloseable {
    private volatile GtClientConfig config;
    private final ClientRuntime runtime;
    private Thread shutdownHook;

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
     * Applies a new configuration to the running client by difference, without a restart. When
     * the id, the secret, the services as the server sees them (kind, host prefix, server port)
     * and the tunnel pool sizes stay the same, no tunnel is touched: new streams dial the new local
     * addresses and use the new timeouts, servers added to {@link Builder#server} get tunnels,
     * and servers removed are let go. Otherwise the tunnels to each server are replaced: the old
     * ones get GOAWAY and finish their open streams within {@link Builder#drainTimeout} while new
     * ones log in with the new service list (the server takes it once the old tunnels have said
     * GOAWAY); visitors of that client may get {@code 503} for the moment in between.
     *
     * <p>The I/O engine, worker threads, the certificate checks and the listener objects cannot
     * change while the client runs: build the new configuration from
     * {@code client.config().toBuilder()} so that they stay the same.
     *
     * @return what changed; {@link #config()} returns {@code next} from now on
     * @throws IllegalArgumentException naming every setting that cannot change live, when one
     *     differs; nothing is applied then
     * @throws IllegalStateException when the client is not running
     */
    public synchronized Reconfiguration reconfigure(GtClientConfig next) {
        Objects.requireNonNull(next, "next");
        ClientRuntime.Applied applied = runtime.reconfigure(next);
        config = next;
        Reconfiguration r = Reconfiguration.between(applied.previous(), next, applied.letGo());
        org.slf4j.LoggerFactory.getLogger(GtClient.class).info("GT client '{}' reconfigured: {}", next.id(), r);
        return r;
    }

    /**
     * Starts connecting. The future completes when the first tunnel is authenticated and its
     * services are registered. It fails with a {@link dev.gt.api.GtException}:
     * <ul>
     * <li>when the server refuses the first hello. A refusal that needs a configuration change (a
     * wrong id or secret, a service the server does not allow) also stops the client, unless
     * {@link Builder#keepRetryingAfterRefusal(boolean)} says otherwise; after any other refusal
     * (a limit that may free up, a port in use) the client keeps retrying in the background;</li>
     * <li>when no tunnel is ready within {@link Builder#startTimeout(Duration)}, with the last
     * reason ({@link dev.gt.api.GtErrorCode#SERVER_UNREACHABLE} for a name that does not resolve
     * or a refused connection); the client then stops.</li>
     * </ul>
     * Calling it again returns the same future; calling it after {@link #stop()} throws
     * {@link IllegalStateException}: build a new client instead.
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


    /**
     * A future that completes when this client has stopped (after {@link #stop()}, or because it gave up: its start timed out or the server refused it for good). It
     * never completes exceptionally; completing the returned copy does not affect the client.
     */
    public CompletableFuture<Void> whenStopped() {
        return runtime.whenStopped();
    }

    /**
     * Blocks until this client has stopped: what a {@code main} that only runs a client calls
     * last. Must not be called on one of its event loops.
     *
     * @throws InterruptedException if the thread is interrupted while waiting
     */
    public void awaitTermination() throws InterruptedException {
        checkNotOnOwnLoop("awaitTermination()");
        try {
            runtime.whenStopped().get();
        } catch (java.util.concurrent.ExecutionException e) {
            throw new IllegalStateException(e.getCause());
        }
    }

    /**
     * Like {@link #awaitTermination()}, for at most {@code timeout}; returns whether it stopped.
     *
     * @throws InterruptedException if the thread is interrupted while waiting
     */
    public boolean awaitTermination(Duration timeout) throws InterruptedException {
        checkNotOnOwnLoop("awaitTermination()");
        try {
            runtime.whenStopped().get(timeout.toNanos(), java.util.concurrent.TimeUnit.NANOSECONDS);
            return true;
        } catch (java.util.concurrent.TimeoutException e) {
            return false;
        } catch (java.util.concurrent.ExecutionException e) {
            throw new IllegalStateException(e.getCause());
        }
    }

    /**
     * Stops this client (with its drain timeout) when the JVM shuts down, for instance on
     * {@code SIGTERM} or Ctrl-C. Opt-in: a library does not register shutdown hooks unasked. The
     * hook is removed again when the client stops before the JVM does. Returns this.
     */
    public synchronized GtClient closeOnJvmShutdown() {
        if (shutdownHook != null || runtime.whenStopped().isDone()) {
            return this;
        }
        Thread hook = new Thread(() -> stop().join(), "gt-client-shutdown");
        shutdownHook = hook;
        Runtime.getRuntime().addShutdownHook(hook);
        runtime.whenStopped().thenRun(() -> {
            try {
                Runtime.getRuntime().removeShutdownHook(hook);
            } catch (IllegalStateException shuttingDown) {
                // The JVM is shutting down: the hook is running or about to, which is fine.
            }
        });
        return this;
    }

    /**
     * {@link #stop()} and wait. Idempotent. Called on one of this client's own event loops (from
     * an event listener, say), it starts stopping and returns at once instead of waiting, which
     * would deadlock: follow {@link #whenStopped()} there.
     */
    @Override
    public void close() {
        CompletableFuture<Void> stopping = stop();
        if (!runtime.inEventLoop()) {
            stopping.join();
        }
    }

    private void checkNotOnOwnLoop(String what) {
        if (runtime.inEventLoop()) {
            throw new IllegalStateException(what + " called on one of this client's event loops, which it "
                    + "would deadlock; use whenStopped()");
        }
    }

    @Override
    public String toString() {
        return "GtClient{" + config + "}";
    }

    /**
     * Builds a {@link GtClient}. Setters validate at once; their messages name the setting, the
     * value and the expectation. Each setter's javadoc names the GT flag it corresponds to.
     */
    public static final class Builder {
        String id;
        String secret;
        final List<RemoteUrl> servers = new ArrayList<>();
        java.net.URI serverLookupUrl;
        final List<ServiceSpec> services = new ArrayList<>();
        Duration reconnectDelay = Duration.ofSeconds(5);
        Duration serverTimeout = Duration.ofSeconds(45);
        int maxTunnels = 3;
        int idleTunnels = 1;
        Path trustedCertificates;
        boolean trustAnyCertificate;
        String pinnedCertificateSha256;
        X509TrustManager trustManager;
        GtEventListener eventListener = GtEventListener.NONE;
        GtEventListener.Factory eventListenerFactory;
        dev.gt.api.MetricsRecorder metricsRecorder = dev.gt.api.MetricsRecorder.NONE;
        IoEngineProvider ioEngine;
        int workerThreads = Math.min(2, Runtime.getRuntime().availableProcessors());
        Duration startTimeout = Duration.ofSeconds(30);
        boolean keepRetryingAfterRefusal;
        Duration drainTimeout = Duration.ofSeconds(5);
        CongestionControl congestionControl = CongestionControl.CUBIC;
        Duration pathProbeInterval = Duration.ofSeconds(30);
        java.util.function.Supplier<CompletableFuture<java.net.InetSocketAddress>> publicAddressProbe;

        Builder() {
        }

        /** A builder that starts from a configuration (see {@link GtClientConfig#toBuilder()}). */
        Builder(GtClientConfig c) {
            this.id = c.id;
            this.secret = c.secret;
            this.servers.addAll(c.servers);
            this.serverLookupUrl = c.serverLookupUrl;
            this.services.addAll(c.services);
            this.reconnectDelay = c.reconnectDelay;
            this.serverTimeout = c.serverTimeout;
            this.maxTunnels = c.maxTunnels;
            this.idleTunnels = c.idleTunnels;
            this.trustedCertificates = c.trustedCertificates;
            this.trustAnyCertificate = c.trustAnyCertificate;
            this.pinnedCertificateSha256 = c.pinnedCertificateSha256;
            this.trustManager = c.trustManager;
            this.eventListener = c.eventListener;
            this.eventListenerFactory = c.eventListenerFactory;
            this.metricsRecorder = c.metricsRecorder;
            this.ioEngine = c.ioEngine;
            this.workerThreads = c.workerThreads;
            this.startTimeout = c.startTimeout;
            this.keepRetryingAfterRefusal = c.keepRetryingAfterRefusal;
            this.drainTimeout = c.drainTimeout;
            this.congestionControl = c.congestionControl;
            this.pathProbeInterval = c.pathProbeInterval;
            this.publicAddressProbe = c.publicAddressProbe;
        }

        /**
         * The client id, 1 to 200 bytes; also the host prefix of a service without one. GT's
         * {@code -id}.
         */
        public Builder id(String id) {
            Checks.id("id", id);
            this.id = id;
            return this;
        }

        /** The secret that proves the id, 1 to 200 bytes; a random one is generated when none is set. GT's {@code -secret}. */
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
         * Forgets the services added so far (for a variant of a configuration made with
         * {@link GtClientConfig#toBuilder()}, to give to {@link GtClient#reconfigure}).
         */
        public Builder clearServices() {
            services.clear();
            return this;
        }

        /** Forgets the servers added so far with {@link #server}. */
        public Builder clearServers() {
            servers.clear();
            return this;
        }

        /**
         * Asks this URL for the server's address ({@code GET <url>?network_client_id=<id>}, answered
         * with {@code {"serverAddress":"tcp://host:port"}}) before every connection attempt, instead
         * of a fixed {@link #server}. {@code null} or blank: none. GT's {@code -remoteAPI}.
         */
        public Builder serverLookupUrl(String url) {
            if (url == null || url.isBlank()) {
                this.serverLookupUrl = null;
                return this;
            }
            this.serverLookupUrl = dev.gt.core.internal.HttpApis.parse(url, "serverLookupUrl");
            return this;
        }

        /**
         * Adds a server to keep tunnels to: {@code tcp://host[:port]}, {@code tls://host[:port]} or
         * {@code host:port} (see {@link RemoteUrl}). GT's {@code -remote}.
         */
        public Builder server(String url) {
            try {
                servers.add(RemoteUrl.parse(url));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("server " + e.getMessage(), e);
            }
            return this;
        }

        /**
         * Adds a service: a local address or an in-process handler. Services are numbered in the
         * order added. GT's {@code -local} with the flags that follow it.
         */
        public Builder service(ServiceSpec service) {
            services.add(Objects.requireNonNull(service, "service"));
            return this;
        }

        /**
         * Pause before a lost tunnel is connected again (jitter of up to 20% is added); 5 seconds by
         * default. GT's {@code -reconnectDelay}.
         */
        public Builder reconnectDelay(Duration delay) {
            this.reconnectDelay = Checks.nonNegative("reconnectDelay", delay);
            return this;
        }

        /**
         * Drops a tunnel that hears nothing from the server for this long (at least 1 s; 45 seconds
         * by default); pings go out at half of it. GT's {@code -remoteTimeout}.
         */
        public Builder serverTimeout(Duration timeout) {
            Checks.nonNegative("serverTimeout", timeout);
            if (timeout.compareTo(Duration.ofSeconds(1)) < 0) {
                throw new IllegalArgumentException("serverTimeout " + dev.gt.core.internal.Durations.format(timeout)
                        + " (expected at least 1s)");
            }
            this.serverTimeout = timeout;
            return this;
        }

        /** Most tunnels per server, 1 to 10 (3 by default). GT's {@code -remoteConnections}. */
        public Builder maxTunnels(int n) {
            this.maxTunnels = Checks.range("maxTunnels", n, 1, 10);
            return this;
        }

        /**
         * Tunnels kept open per server while there is no load, 1 to {@link #maxTunnels} (1 by
         * default). GT's {@code -remoteIdleConnections}.
         */
        public Builder idleTunnels(int n) {
            this.idleTunnels = Checks.range("idleTunnels", n, 1, 10);
            return this;
        }

        /**
         * PEM CA certificates that sign the server's certificate, for {@code tls://} servers with a
         * private CA (the system trust store is used otherwise). GT's {@code -remoteCert}.
         */
        public Builder trustedCertificates(Path caFile) {
            this.trustedCertificates = caFile;
            return this;
        }

        /**
         * Does not check the server's certificate at all. Anyone on the path can then read and
         * change the tunnel; a warning is logged on every connect. Prefer
         * {@link #pinnedCertificateSha256}. GT's {@code -remoteCertInsecure}.
         */
        public Builder trustAnyCertificate(boolean trustAny) {
            this.trustAnyCertificate = trustAny;
            return this;
        }

        /**
         * Trusts exactly the server certificate with this SHA-256 fingerprint (64 hex digits, colons
         * optional), as a GT for Java server prints it for its generated certificate. Safe with
         * self-signed certificates, unlike {@link #trustAnyCertificate}. The {@code gt} runner's
         * {@code -remoteCertFingerprint}.
         */
        public Builder pinnedCertificateSha256(String sha256) {
            if (sha256 != null) {
                String hex = sha256.replace(":", "");
                if (hex.length() != 64 || !hex.chars().allMatch(c -> Character.digit(c, 16) >= 0)) {
                    throw new IllegalArgumentException("pinnedCertificateSha256 '" + sha256
                            + "' (expected the 64 hex digits of a SHA-256 fingerprint, colons optional)");
                }
            }
            this.pinnedCertificateSha256 = sha256;
            return this;
        }

        /**
         * Checks the certificate of {@code tls://} servers with this trust manager (and their host
         * name against the URL), instead of the settings above: for a trust store of the host
         * application's own.
         */
        public Builder trustManager(X509TrustManager trustManager) {
            this.trustManager = trustManager;
            return this;
        }

        /**
         * How long {@link GtClient#start()} may take to get the first tunnel ready; 30 seconds by
         * default. When it passes, the start fails with the last reason (the server's name does not
         * resolve, the connection is refused, ...) as a {@link dev.gt.api.GtException} and the
         * client stops. {@link Duration#ZERO} waits for ever: the client keeps trying in the
         * background and the events tell how it goes (devices whose network comes up late,
         * standalone runners).
         */
        public Builder startTimeout(Duration timeout) {
            this.startTimeout = Checks.nonNegative("startTimeout", timeout);
            return this;
        }

        /**
         * Whether the client keeps retrying (with backoff) after the server refused it for a reason
         * that trying again will not fix: a wrong id or secret, or a service the server does not
         * allow. By default such a refusal stops the client, so that it does not get its address
         * banned for failed logins; GT's own client keeps retrying.
         */
        public Builder keepRetryingAfterRefusal(boolean keepRetrying) {
            this.keepRetryingAfterRefusal = keepRetrying;
            return this;
        }

        /**
         * How long {@link GtClient#stop()} lets open streams finish after it asked the server to open
         * no new ones; streams still open then are reset. 5 seconds by default;
         * {@link Duration#ZERO} resets them at once.
         */
        public Builder drainTimeout(Duration timeout) {
            this.drainTimeout = Checks.nonNegative("drainTimeout", timeout);
            return this;
        }

        /**
         * The congestion control of tunnels whose transport runs its own ({@code quic://}); TCP
         * tunnels use the operating system's. {@link CongestionControl#CUBIC} by default; GT's
         * {@code -bbr} selects {@link CongestionControl#BBR}. It governs what the client sends: the
         * answers of its services to visitors.
         */
        public Builder congestionControl(CongestionControl algorithm) {
            this.congestionControl = Objects.requireNonNull(algorithm, "congestionControl");
            return this;
        }

        /**
         * With several {@link #server servers} on one host over different transports ({@code tcp://}
         * and {@code quic://}), how often the client measures each path on its live tunnel (round
         * trip, loss, a throughput probe) and tells the server which transport new streams should
         * take; it measures again at once when the preferred path degrades. Live streams stay where
         * they are. 30 seconds by default; {@link Duration#ZERO} turns the measuring off (the server
         * then spreads streams over all tunnels). GT for Java's own option ({@code -remoteProbeInterval}).
         */
        public Builder pathProbeInterval(Duration interval) {
            Checks.nonNegative("pathProbeInterval", interval);
            if (!interval.isZero() && interval.compareTo(Duration.ofSeconds(1)) < 0) {
                throw new IllegalArgumentException("pathProbeInterval " + interval + " (expected 0 or at least 1s)");
            }
            this.pathProbeInterval = interval;
            return this;
        }

        /**
         * Observes the events of this {@code GtClient} (see {@link GtEventListener} for the threading and
         * ordering contract: never on an event loop, through a bounded queue).
         */
        public Builder eventListener(GtEventListener listener) {
            this.eventListener = Objects.requireNonNull(listener, "eventListener");
            return this;
        }

        /**
         * Creates a listener per tunnel for the stream events of that tunnel; tunnel and admission
         * events still go to {@link #eventListener}. Without it, stream events go there too.
         */
        public Builder eventListenerFactory(GtEventListener.Factory factory) {
            this.eventListenerFactory = factory;
            return this;
        }

        /**
         * Finds this client's public (server-reflexive) address, for instance with a STUN query
         * ({@code gt-p2p}'s {@code StunClient}); asked at start and every five minutes, the answer is
         * in {@link ClientState#publicAddress()}. GT's {@code -remoteSTUN}.
         */
        public Builder publicAddressProbe(java.util.function.Supplier<CompletableFuture<java.net.InetSocketAddress>> probe) {
            this.publicAddressProbe = probe;
            return this;
        }

        /** Receives live byte counts once a second while streams are open (for metrics). */
        public Builder metricsRecorder(dev.gt.api.MetricsRecorder recorder) {
            this.metricsRecorder = Objects.requireNonNull(recorder, "metricsRecorder");
            return this;
        }

        /**
         * Runs on this I/O engine (event loops and socket types) instead of the best one found on
         * the class path (epoll, then io_uring, then NIO).
         */
        public Builder ioEngine(IoEngineProvider engine) {
            this.ioEngine = engine;
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
                throw new IllegalArgumentException("no client id is configured (expected id)");
            }
            if (servers.isEmpty() && serverLookupUrl == null) {
                throw new IllegalArgumentException("no server is configured (expected server or serverLookupUrl)");
            }
            if (!servers.isEmpty() && serverLookupUrl != null) {
                throw new IllegalArgumentException("both server and serverLookupUrl are set (expected one: "
                        + "serverLookupUrl tells the server's address)");
            }
            if (services.isEmpty()) {
                throw new IllegalArgumentException("no service is configured (expected service)");
            }
            int trusts = (trustedCertificates != null ? 1 : 0) + (trustAnyCertificate ? 1 : 0)
                    + (pinnedCertificateSha256 != null ? 1 : 0) + (trustManager != null ? 1 : 0);
            if (trusts > 1) {
                throw new IllegalArgumentException("more than one of trustedCertificates, trustAnyCertificate, "
                        + "pinnedCertificateSha256 and trustManager is set (expected at most one)");
            }
            if (idleTunnels > maxTunnels) {
                throw new IllegalArgumentException("idleTunnels " + idleTunnels + " is more than maxTunnels "
                        + maxTunnels);
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
                            ? "more than one " + s.kind().scheme() + " service has no hostPrefix "
                                    + "(expected a distinct hostPrefix for each; only one may go by the client id)"
                            : "hostPrefix '" + prefix + "' is used by two " + s.kind().scheme() + " services");
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

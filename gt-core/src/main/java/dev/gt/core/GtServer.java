package dev.gt.core;

import dev.gt.api.CongestionControl;
import dev.gt.api.GtEventListener;
import dev.gt.api.PortRange;
import dev.gt.api.ServerState;
import dev.gt.api.spi.Authenticator;
import dev.gt.api.spi.IoEngineProvider;
import dev.gt.core.internal.HttpApis;
import dev.gt.core.internal.server.ServerRuntime;
import io.netty.handler.ssl.SslContext;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;

/**
 * A GT server: accepts client tunnels and forwards visitors (HTTP by Host header, raw TCP by port)
 * through them.
 *
 * <pre>{@code
 * GtServer server = GtServer.builder().listenAddress("127.0.0.1:0").user("id1", "secret1").build();
 * server.start().join();
 * InetSocketAddress bound = server.listenAddress();
 * ...
 * server.close();
 * }</pre>
 *
 * Several servers may run in one JVM; each owns its event loops.
 */
public final class GtServer implements AutoCloseable {
    private volatile GtServerConfig config;
    private final ServerRuntime runtime;
    private Thread shutdownHook;

    private GtServer(GtServerConfig config) {
        this.config = config;
        this.runtime = new ServerRuntime(config);
    }

    /** Starts a builder with GT's defaults. */
    public static Builder builder() {
        return new Builder();
    }

    /** Creates a server from a configuration. */
    public static GtServer create(GtServerConfig config) {
        return new GtServer(Objects.requireNonNull(config, "config"));
    }

    /** The configuration in force: the one built with, or the last one {@link #reconfigure} applied. */
    public GtServerConfig config() {
        return config;
    }

    /**
     * Applies a new configuration to the running server by difference, without a restart:
     * users added, removed or changed (secret, rules), global limits, host rules, TCP port ranges,
     * ban thresholds, timeouts and the authentication. Clients that are not concerned keep their
     * tunnels and visitors untouched. A client whose id may no longer log in (user removed, secret
     * changed), or whose registered services break its new rules (a limit lowered below what it
     * holds, a port outside its new ranges), is let go: its tunnels get GOAWAY, open streams may
     * finish within {@link Builder#drainTimeout}, then the tunnels close and the client reconnects
     * under the new configuration, or is refused. Tunnels above a lowered tunnel limit are
     * retired the same way. A new speed limit applies to open streams at once when the id had one
     * before, otherwise to streams opened afterwards. Timeouts apply to tunnels and visitors that
     * arrive afterwards.
     *
     * <p>Listen addresses, TLS settings, the I/O engine, worker threads, the ban table's capacity
     * and the listener objects cannot change while the server runs: build the new configuration
     * from {@code server.config().toBuilder()} so that they stay the same.
     *
     * @return what changed; {@link #config()} returns {@code next} from now on
     * @throws IllegalArgumentException naming every setting that cannot change live, when one
     *     differs; nothing is applied then
     * @throws IllegalStateException when the server is not running
     */
    public synchronized Reconfiguration reconfigure(GtServerConfig next) {
        Objects.requireNonNull(next, "next");
        ServerRuntime.Applied applied = runtime.reconfigure(next);
        config = next;
        Reconfiguration r = Reconfiguration.between(applied.previous(), next, applied.letGo(), applied.tunnelsRetired());
        org.slf4j.LoggerFactory.getLogger(GtServer.class).info("GT server reconfigured: {}", r);
        return r;
    }

    /**
     * Binds the listeners. The future completes when the server is listening, or fails with the
     * bind error (the server is then closed). Calling it again returns the same future; calling it
     * after {@link #stop()} throws {@link IllegalStateException}: build a new server instead.
     */
    public CompletableFuture<GtServer> start() {
        return runtime.start().thenApply(v -> this);
    }

    /**
     * The address the {@linkplain Builder#listenAddress listener} is bound to (a configured port 0
     * resolved), or {@code null} before start or when none is configured.
     */
    public InetSocketAddress listenAddress() {
        return runtime.boundAddr();
    }

    /** The address the {@linkplain Builder#tlsListenAddress TLS listener} is bound to, or {@code null}. */
    public InetSocketAddress tlsListenAddress() {
        return runtime.boundTlsAddr();
    }

    /**
     * The address the {@linkplain Builder#tunnelListener tunnel listener} of {@code scheme}
     * ({@code "quic"}) is bound to, or {@code null} before start or when none is configured.
     */
    public InetSocketAddress tunnelListenAddress(String scheme) {
        return runtime.boundTunnelAddr(scheme);
    }

    /** The address the {@linkplain Builder#sniListenAddress SNI listener} is bound to, or {@code null}. */
    public InetSocketAddress sniListenAddress() {
        return runtime.boundSniAddr();
    }

    /**
     * The SHA-256 fingerprint ({@code AB:CD:...}) of the certificate the TLS listener serves, for
     * clients that pin it ({@link GtClient.Builder#pinnedCertificateSha256}); {@code null} before
     * start or without a TLS listener.
     */
    public String certificateFingerprint() {
        return runtime.certificateFingerprint();
    }

    /** A snapshot of listeners and connected clients. */
    public ServerState state() {
        return runtime.state();
    }

    /**
     * Stops accepting, tells clients to go away, closes every connection and the event loops.
     * Idempotent: every call returns the same future.
     */
    public CompletableFuture<Void> stop() {
        return runtime.stop();
    }


    /**
     * A future that completes when this server has stopped (after {@link #stop()}). It
     * never completes exceptionally; completing the returned copy does not affect the server.
     */
    public CompletableFuture<Void> whenStopped() {
        return runtime.whenStopped();
    }

    /**
     * Blocks until this server has stopped: what a {@code main} that only runs a server calls
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
     * Stops this server (with its drain timeout) when the JVM shuts down, for instance on
     * {@code SIGTERM} or Ctrl-C. Opt-in: a library does not register shutdown hooks unasked. The
     * hook is removed again when the server stops before the JVM does. Returns this.
     */
    public synchronized GtServer closeOnJvmShutdown() {
        if (shutdownHook != null || runtime.whenStopped().isDone()) {
            return this;
        }
        Thread hook = new Thread(() -> stop().join(), "gt-server-shutdown");
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
     * {@link #stop()} and wait. Idempotent. Called on one of this server's own event loops (from
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
            throw new IllegalStateException(what + " called on one of this server's event loops, which it "
                    + "would deadlock; use whenStopped()");
        }
    }

    @Override
    public String toString() {
        return "GtServer{" + config + "}";
    }

    /**
     * Builds a {@link GtServer}. Setters validate at once; their messages name the setting, the
     * value and the expectation. Each setter's javadoc names the GT flag it corresponds to.
     */
    public static final class Builder {
        InetSocketAddress listenAddress;
        InetSocketAddress tlsListenAddress;
        InetSocketAddress sniListenAddress;
        final Map<String, InetSocketAddress> tunnelListeners = new LinkedHashMap<>();
        CongestionControl congestionControl = CongestionControl.CUBIC;
        Path certificateFile;
        Path privateKeyFile;
        TlsVersion minTlsVersion = TlsVersion.TLS1_2;
        SslContext sslContext;
        final Map<String, User> users = new LinkedHashMap<>();
        boolean allowAnyClient;
        URI authUrl;
        Authenticator authenticator;
        long speedLimitPerClient;
        int maxHostPrefixesPerClient;
        final List<String> hostPrefixPatterns = new ArrayList<>();
        boolean prependIdToHostPrefixes;
        int failedLoginsBeforeBan = 3;
        Duration banDuration = Duration.ofMinutes(5);
        int banTableCapacity = 65536;
        Duration allowAnyClientHold = Duration.ofMinutes(1);
        final List<PortRange> tcpPortRanges = new ArrayList<>();
        int maxTcpPortsPerClient;
        String tcpBindAddress;
        String httpRoutingHeader = "Host";
        Duration idleTimeout = Duration.ofSeconds(90);
        Duration handshakeTimeout = Duration.ofSeconds(10);
        Duration streamOpenTimeout = Duration.ofSeconds(15);
        Duration drainTimeout = Duration.ofSeconds(5);
        int allowAnyClientServices = 16;
        final List<dev.gt.api.spi.SharedPortProtocol> sharedPortProtocols = new ArrayList<>();
        dev.gt.api.spi.IceServerProvider iceServers;
        int maxTunnelsPerClient = 10;
        int maxServicesPerHandshake = 600;
        int maxHeadBytes = 16 * 1024;
        GtEventListener eventListener = GtEventListener.NONE;
        GtEventListener.Factory eventListenerFactory;
        dev.gt.api.MetricsRecorder metricsRecorder = dev.gt.api.MetricsRecorder.NONE;
        IoEngineProvider ioEngine;
        int workerThreads = Runtime.getRuntime().availableProcessors();

        Builder() {
        }

        /** A builder that starts from a configuration (see {@link GtServerConfig#toBuilder()}). */
        Builder(GtServerConfig c) {
            this.listenAddress = c.listenAddress;
            this.tlsListenAddress = c.tlsListenAddress;
            this.sniListenAddress = c.sniListenAddress;
            this.tunnelListeners.putAll(c.tunnelListeners);
            this.congestionControl = c.congestionControl;
            this.certificateFile = c.certificateFile;
            this.privateKeyFile = c.privateKeyFile;
            this.minTlsVersion = c.minTlsVersion;
            this.sslContext = c.sslContext;
            this.users.putAll(c.users);
            this.allowAnyClient = c.allowAnyClient;
            this.authUrl = c.authUrl;
            this.authenticator = c.authenticator;
            this.speedLimitPerClient = c.speedLimitPerClient;
            this.maxHostPrefixesPerClient = c.maxHostPrefixesPerClient;
            this.hostPrefixPatterns.addAll(c.hostPrefixPatterns);
            this.prependIdToHostPrefixes = c.prependIdToHostPrefixes;
            this.failedLoginsBeforeBan = c.failedLoginsBeforeBan;
            this.banDuration = c.banDuration;
            this.banTableCapacity = c.banTableCapacity;
            this.allowAnyClientHold = c.allowAnyClientHold;
            this.tcpPortRanges.addAll(c.tcpPortRanges);
            this.maxTcpPortsPerClient = c.maxTcpPortsPerClient;
            this.tcpBindAddress = c.tcpBindAddress;
            this.httpRoutingHeader = c.httpRoutingHeader;
            this.idleTimeout = c.idleTimeout;
            this.handshakeTimeout = c.handshakeTimeout;
            this.streamOpenTimeout = c.streamOpenTimeout;
            this.drainTimeout = c.drainTimeout;
            this.allowAnyClientServices = c.allowAnyClientServices;
            this.sharedPortProtocols.addAll(c.sharedPortProtocols);
            this.iceServers = c.iceServers;
            this.maxTunnelsPerClient = c.maxTunnelsPerClient;
            this.maxServicesPerHandshake = c.maxServicesPerHandshake;
            this.maxHeadBytes = c.maxHeadBytes;
            this.eventListener = c.eventListener;
            this.eventListenerFactory = c.eventListenerFactory;
            this.metricsRecorder = c.metricsRecorder;
            this.ioEngine = c.ioEngine;
            this.workerThreads = c.workerThreads;
        }

        /**
         * Where to listen for client tunnels and HTTP visitors, in GT's notation: {@code 8080} or
         * {@code :8080} (every interface), {@code 127.0.0.1:8080}, {@code [::1]:8080}; port 0 picks a
         * free port. {@code null} or blank: no such listener. GT's {@code -addr}.
         */
        public Builder listenAddress(String address) {
            this.listenAddress = address == null || address.isBlank() ? null
                    : Addresses.parseListen("listenAddress", address);
            return this;
        }

        /**
         * Where to listen for client tunnels and HTTP visitors; port 0 picks a free port, read back
         * with {@link GtServer#listenAddress()}. GT's {@code -addr}.
         */
        public Builder listenAddress(InetSocketAddress address) {
            this.listenAddress = address;
            return this;
        }

        /**
         * Where to listen for tunnels over TLS and for HTTPS visitors (TLS terminated here, then
         * routed by Host like {@link #listenAddress}), in the same notation. Without
         * {@link #certificateFile}/{@link #privateKeyFile} or an {@link #sslContext}, a
         * self-signed ECDSA certificate is generated and its SHA-256 fingerprint logged (see
         * {@link GtServer#certificateFingerprint()}). GT's {@code -tlsAddr}.
         */
        public Builder tlsListenAddress(String address) {
            this.tlsListenAddress = address == null || address.isBlank() ? null
                    : Addresses.parseListen("tlsListenAddress", address);
            return this;
        }

        /** {@link #tlsListenAddress(String)} as an address. GT's {@code -tlsAddr}. */
        public Builder tlsListenAddress(InetSocketAddress address) {
            this.tlsListenAddress = address;
            return this;
        }

        /**
         * Where to listen for TLS visitors routed by the server name of their ClientHello, passed
         * through undecrypted to the clients' {@code https://} services; tunnels are accepted here
         * too. GT's {@code -sniAddr}.
         */
        public Builder sniListenAddress(String address) {
            this.sniListenAddress = address == null || address.isBlank() ? null
                    : Addresses.parseListen("sniListenAddress", address);
            return this;
        }

        /** {@link #sniListenAddress(String)} as an address. GT's {@code -sniAddr}. */
        public Builder sniListenAddress(InetSocketAddress address) {
            this.sniListenAddress = address;
            return this;
        }

        /**
         * Where to listen for tunnels of a transport that has a port of its own, such as
         * {@code "quic"} (UDP), in the notation of {@link #listenAddress(String)}; {@code null} or
         * blank removes it. The transport's module (gt-transport-quic) must be on the class path:
         * without it, or without its native library, {@link GtServer#start()} fails naming the
         * cause. It serves the certificate of {@link #certificateFile}/{@link #privateKeyFile}, or the
         * generated one of {@link #tlsListenAddress} (one is generated for it otherwise).
         * GT's {@code -quicAddr}.
         */
        public Builder tunnelListener(String scheme, String address) {
            String s = tunnelScheme(scheme);
            if (address == null || address.isBlank()) {
                tunnelListeners.remove(s);
            } else {
                tunnelListeners.put(s, Addresses.parseListen(s + " tunnelListener", address));
            }
            return this;
        }

        /** {@link #tunnelListener(String, String)} with an address; {@code null} removes it. GT's {@code -quicAddr}. */
        public Builder tunnelListener(String scheme, InetSocketAddress address) {
            String s = tunnelScheme(scheme);
            if (address == null) {
                tunnelListeners.remove(s);
            } else {
                tunnelListeners.put(s, address);
            }
            return this;
        }

        private static String tunnelScheme(String scheme) {
            Objects.requireNonNull(scheme, "scheme");
            String s = scheme.toLowerCase(java.util.Locale.ROOT);
            if (s.equals("tcp") || s.equals("tls")) {
                throw new IllegalArgumentException("tunnelListener scheme '" + scheme + "': tcp and tls tunnels are "
                        + "accepted on listenAddress and tlsListenAddress (expected a transport with a port of its "
                        + "own, such as quic)");
            }
            if (!s.matches("[a-z][a-z0-9+.-]*")) {
                throw new IllegalArgumentException("tunnelListener scheme '" + scheme + "' (expected a URL scheme "
                        + "such as quic)");
            }
            return s;
        }

        /**
         * The congestion control of tunnels whose transport runs its own (QUIC); TCP tunnels use the
         * operating system's. {@link CongestionControl#CUBIC} by default; GT's {@code -bbr} selects
         * {@link CongestionControl#BBR} (which GT itself never applied).
         */
        public Builder congestionControl(CongestionControl algorithm) {
            this.congestionControl = Objects.requireNonNull(algorithm, "congestionControl");
            return this;
        }

        /** The PEM certificate (chain) that {@link #tlsListenAddress} serves. GT's {@code -certFile}. */
        public Builder certificateFile(Path file) {
            this.certificateFile = file;
            return this;
        }

        /**
         * The PEM private key (RSA or EC; PKCS#8 or traditional) of {@link #certificateFile}.
         * GT's {@code -keyFile}.
         */
        public Builder privateKeyFile(Path file) {
            this.privateKeyFile = file;
            return this;
        }

        /** The lowest TLS version {@link #tlsListenAddress} accepts; TLS 1.2 by default. GT's {@code -tlsVersion}. */
        public Builder minTlsVersion(TlsVersion version) {
            this.minTlsVersion = Objects.requireNonNull(version, "minTlsVersion");
            return this;
        }

        /** A ready server {@link SslContext} for {@link #tlsListenAddress}, instead of files. */
        public Builder sslContext(SslContext context) {
            this.sslContext = context;
            return this;
        }

        /**
         * Adds a user that follows the global rules; a later call for the same id replaces the whole
         * entry (GT's precedence between user sources). GT's {@code -id}/{@code -secret}.
         */
        public Builder user(String id, String secret) {
            Checks.id("id", id);
            return user(id, User.of(secret));
        }

        /**
         * Adds a user with rules of its own; a later call for the same id replaces it. GT's
         * {@code users:} entries.
         */
        public Builder user(String id, User user) {
            Checks.id("id", id);
            users.remove(id);
            users.put(id, Objects.requireNonNull(user, "user"));
            return this;
        }

        /**
         * Removes the user {@code id} (for a variant of a configuration made with
         * {@link GtServerConfig#toBuilder()}, to give to {@link GtServer#reconfigure}); nothing
         * when there is none.
         */
        public Builder removeUser(String id) {
            users.remove(id);
            return this;
        }

        /**
         * Authenticates every tunnel by POSTing GT's JSON to this URL (with {@link #idleTimeout} as
         * its timeout); configured users are then not consulted. {@code null} or blank: none. GT's
         * {@code -authAPI}.
         */
        public Builder authUrl(String url) {
            if (url == null || url.isBlank()) {
                this.authUrl = null;
                return this;
            }
            this.authUrl = HttpApis.parse(url, "authUrl");
            return this;
        }

        /**
         * Authenticates tunnels with the host application's own user store instead of configured
         * users (see {@link Authenticator}); global limits apply to the ids it accepts.
         */
        public Builder authenticator(Authenticator authenticator) {
            this.authenticator = authenticator;
            return this;
        }

        /**
         * Bytes per second one client id may move in each direction, over all its tunnels and
         * streams; 0 (the default) means no limit. Enforced with a token bucket (burst: an eighth
         * of a second's worth, at least 16 KiB) by pausing reads. GT's {@code -speed}.
         */
        public Builder speedLimitPerClient(long bytesPerSecond) {
            this.speedLimitPerClient = Checks.speed("speedLimitPerClient", bytesPerSecond);
            return this;
        }

        /** Host prefixes one client may register; 0 (the default) means no limit. GT's {@code -hostNumber}. */
        public Builder maxHostPrefixesPerClient(int n) {
            this.maxHostPrefixesPerClient = Checks.range("maxHostPrefixesPerClient", n, 0, 65535);
            return this;
        }

        /**
         * Adds a pattern that an explicit host prefix must match one of (Java regex, unanchored
         * unless it anchors itself); prefixes equal to the client id are exempt. GT's
         * {@code -hostRegex}.
         */
        public Builder hostPrefixPattern(String regex) {
            Checks.regex("hostPrefixPattern", regex);
            hostPrefixPatterns.add(regex);
            return this;
        }

        /**
         * Registers explicit host prefixes as {@code <id>-<prefix>}, so that clients cannot take
         * each other's names. GT's {@code -hostWithID}.
         */
        public Builder prependIdToHostPrefixes(boolean prepend) {
            this.prependIdToHostPrefixes = prepend;
            return this;
        }

        /**
         * Failed logins tolerated from one address within {@link #banDuration}; one more bans it.
         * 0 bans on the first failure; 3 by default. GT's {@code -reconnectTimes}.
         */
        public Builder failedLoginsBeforeBan(int n) {
            this.failedLoginsBeforeBan = Checks.range("failedLoginsBeforeBan", n, 0, Integer.MAX_VALUE);
            return this;
        }

        /**
         * How long failed logins are remembered and a banned address is refused; 5 minutes by
         * default, {@link Duration#ZERO} turns banning off. GT's {@code -reconnectDuration}.
         */
        public Builder banDuration(Duration duration) {
            this.banDuration = Checks.nonNegative("banDuration", duration);
            return this;
        }

        /** Most addresses the failed-login table remembers (memory bound under a flood); 65536 by default. */
        public Builder banTableCapacity(int n) {
            this.banTableCapacity = Checks.range("banTableCapacity", n, 16, 1 << 24);
            return this;
        }

        /**
         * In allow-any mode, how long an id stays bound to its secret after its last tunnel closed,
         * so that nobody else can take the id (and its host prefix) while its client reconnects.
         * GT forgets the binding at once ({@link Duration#ZERO}); the default is one minute.
         */
        public Builder allowAnyClientHold(Duration hold) {
            this.allowAnyClientHold = Checks.nonNegative("allowAnyClientHold", hold);
            return this;
        }

        /**
         * Accepts unknown ids too, binding each id to the first secret seen. GT's
         * {@code -allowAnyClient}.
         */
        public Builder allowAnyClient(boolean allow) {
            this.allowAnyClient = allow;
            return this;
        }

        /** Adds ports that TCP services may open (the global pool). GT's {@code -tcpRange}. */
        public Builder tcpPortRange(PortRange range) {
            tcpPortRanges.add(Objects.requireNonNull(range, "tcpPortRange"));
            return this;
        }

        /** {@link #tcpPortRange(PortRange)} in GT's notation ({@code 1024-65535}, {@code 22}, {@code 0} for all). */
        public Builder tcpPortRange(String range) {
            return tcpPortRange(PortRange.parse(range));
        }

        /** TCP ports one client id may hold; 0 (the default) means no limit. GT's {@code -tcpNumber}. */
        public Builder maxTcpPortsPerClient(int n) {
            this.maxTcpPortsPerClient = Checks.range("maxTcpPortsPerClient", n, 0, 65535);
            return this;
        }

        /**
         * The address TCP service ports bind to ({@code 127.0.0.1} in tests); {@code null} (the
         * default) means every interface, as in GT. The {@code gt} runner's {@code -tcpBindHost}.
         */
        public Builder tcpBindAddress(String address) {
            this.tcpBindAddress = address;
            return this;
        }

        /**
         * The HTTP header whose value picks the client; {@code Host} (the default) routes by the
         * first label of the host name. GT's {@code -httpMUXHeader}.
         */
        public Builder httpRoutingHeader(String header) {
            Objects.requireNonNull(header, "httpRoutingHeader");
            if (header.isEmpty() || !Checks.isToken(header)) {
                throw new IllegalArgumentException("httpRoutingHeader '" + header + "' is not an HTTP header name");
            }
            this.httpRoutingHeader = header;
            return this;
        }

        /**
         * Idle timeout of tunnels and visitor connections, and the deadline of a visitor's request
         * head and of an {@link #authUrl} call; 90 seconds by default, {@link Duration#ZERO}
         * disables it. GT's {@code -timeout}.
         */
        public Builder idleTimeout(Duration timeout) {
            this.idleTimeout = Checks.nonNegative("idleTimeout", timeout);
            return this;
        }

        /**
         * How long a new connection may take to complete its TLS handshake (on
         * {@link #tlsListenAddress}) and send its whole tunnel hello; also bounded by
         * {@link #idleTimeout}. An unauthenticated peer cannot hold a connection longer. 10 seconds
         * by default; at least 100 ms.
         */
        public Builder handshakeTimeout(Duration timeout) {
            Checks.nonNegative("handshakeTimeout", timeout);
            if (timeout.compareTo(Duration.ofMillis(100)) < 0) {
                throw new IllegalArgumentException("handshakeTimeout " + Checks.format(timeout)
                        + " (expected at least 100ms)");
            }
            this.handshakeTimeout = timeout;
            return this;
        }

        /**
         * How long the client may take to answer a visitor stream's open (connect its local service,
         * or report that it cannot). A stream without an answer ends: an HTTP visitor gets
         * {@code 504 Gateway Timeout}, a TCP visitor a reset. 15 seconds by default (the client
         * gives up dialing after 10); {@link Duration#ZERO} waits as long as {@link #idleTimeout}.
         */
        public Builder streamOpenTimeout(Duration timeout) {
            this.streamOpenTimeout = Checks.nonNegative("streamOpenTimeout", timeout);
            return this;
        }

        /**
         * How long {@link GtServer#stop()} lets open visitor streams finish after it stopped
         * accepting new ones; streams still open then are reset. 5 seconds by default;
         * {@link Duration#ZERO} resets them at once.
         */
        public Builder drainTimeout(Duration timeout) {
            this.drainTimeout = Checks.nonNegative("drainTimeout", timeout);
            return this;
        }

        /**
         * In allow-any mode, most services one unknown id may register in a hello (16 by default),
         * so that one client cannot take every port or prefix; configured users and authenticated
         * ids are bounded by {@link #maxServicesPerHandshake} and their own limits instead.
         */
        public Builder allowAnyClientServices(int n) {
            this.allowAnyClientServices = Checks.range("allowAnyClientServices", n, 1, 65535);
            return this;
        }

        /**
         * Lets {@code protocol} share the main listener ({@link #listenAddress}) with tunnels and HTTP
         * visitors: a connection whose first bytes it recognises is handed to it (STUN/TURN over TCP,
         * for instance). Several may be added; they are asked in order.
         */
        public Builder sharedPortProtocol(dev.gt.api.spi.SharedPortProtocol protocol) {
            sharedPortProtocols.add(Objects.requireNonNull(protocol, "protocol"));
            return this;
        }

        /**
         * The STUN and TURN servers (with short-lived TURN credentials) to hand every client for
         * peer-to-peer connections; a client finds them in its {@code state().iceServers()}.
         */
        public Builder iceServers(dev.gt.api.spi.IceServerProvider provider) {
            this.iceServers = provider;
            return this;
        }

        /** Tunnels one client id may hold (at least 1; 10 by default). GT's {@code -connections}. */
        public Builder maxTunnelsPerClient(int n) {
            this.maxTunnelsPerClient = Checks.range("maxTunnelsPerClient", n, 1, Integer.MAX_VALUE);
            return this;
        }

        /**
         * Services one client's hello may carry (at least 1; 600 by default). GT's
         * {@code -maxHandShakeOptions}.
         */
        public Builder maxServicesPerHandshake(int n) {
            this.maxServicesPerHandshake = Checks.range("maxServicesPerHandshake", n, 1, 65535);
            return this;
        }

        /** Largest request head read while looking for the routing header (1 KiB to 1 MiB; 16 KiB). */
        public Builder maxHeadBytes(int n) {
            this.maxHeadBytes = Checks.range("maxHeadBytes", n, 1024, 1 << 20);
            return this;
        }

        /**
         * Observes the events of this {@code GtServer} (see {@link GtEventListener} for the threading and
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

        /** Event-loop threads (default: available processors). */
        public Builder workerThreads(int n) {
            this.workerThreads = Checks.range("workerThreads", n, 1, 1024);
            return this;
        }

        /**
         * The immutable configuration.
         *
         * @throws IllegalArgumentException when no listener is configured
         */
        public GtServerConfig buildConfig() {
            if (listenAddress == null && tlsListenAddress == null && sniListenAddress == null
                    && tunnelListeners.isEmpty()) {
                throw new IllegalArgumentException("no listener is configured (expected listenAddress, "
                        + "tlsListenAddress, sniListenAddress or tunnelListener)");
            }
            if ((certificateFile == null) != (privateKeyFile == null)) {
                throw new IllegalArgumentException(certificateFile == null ? "privateKeyFile is set without certificateFile"
                        : "certificateFile is set without privateKeyFile");
            }
            if (sslContext != null && certificateFile != null) {
                throw new IllegalArgumentException("both sslContext and certificateFile/privateKeyFile are set "
                        + "(expected one)");
            }
            if (authUrl != null && authenticator != null) {
                throw new IllegalArgumentException("both authUrl and authenticator are set (expected one)");
            }
            checkOwnRanges();
            return new GtServerConfig(this);
        }

        /**
         * A port may belong to the global pool or to one user, never to two owners: a port both
         * "own" would let one user take the other's public address.
         */
        private void checkOwnRanges() {
            List<String> owners = new ArrayList<>();
            List<PortRange> ranges = new ArrayList<>();
            for (PortRange r : tcpPortRanges) {
                owners.add("the global pool (tcpPortRange)");
                ranges.add(r);
            }
            for (Map.Entry<String, User> e : users.entrySet()) {
                for (PortRange r : e.getValue().tcpPortRanges()) {
                    for (int i = 0; i < ranges.size(); i++) {
                        PortRange o = ranges.get(i);
                        if (r.min() <= o.max() && o.min() <= r.max()) {
                            String who = owners.get(i);
                            if (who.equals("user '" + e.getKey() + "'")) {
                                continue;
                            }
                            throw new IllegalArgumentException("tcp port range " + r + " of user '" + e.getKey()
                                    + "' overlaps " + o + " of " + who + " (port " + Math.max(r.min(), o.min())
                                    + "; a port may have one owner)");
                        }
                    }
                    owners.add("user '" + e.getKey() + "'");
                    ranges.add(r);
                }
            }
        }

        /** Builds the server (not started). */
        public GtServer build() {
            return new GtServer(buildConfig());
        }
    }
}

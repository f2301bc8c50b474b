package dev.gt.core;

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
 * GtServer server = GtServer.builder().addr("127.0.0.1:0").user("id1", "secret1").build();
 * server.start().join();
 * InetSocketAddress bound = server.addr();
 * ...
 * server.close();
 * }</pre>
 *
 * Several servers may run in one JVM; each owns its event loops.
 */
public final class GtServer implements AutoCloseable {
    private final GtServerConfig config;
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

    /** The configuration. */
    public GtServerConfig config() {
        return config;
    }

    /**
     * Binds the listeners. The future completes when the server is listening, or fails with the
     * bind error (the server is then closed). Calling it again returns the same future; calling it
     * after {@link #stop()} throws {@link IllegalStateException}: build a new server instead.
     */
    public CompletableFuture<GtServer> start() {
        return runtime.start().thenApply(v -> this);
    }

    /** The bound {@code -addr} listener address, or {@code null} before start or when none is configured. */
    public InetSocketAddress addr() {
        return runtime.boundAddr();
    }

    /** The bound {@code -tlsAddr} listener address, or {@code null}. */
    public InetSocketAddress tlsAddr() {
        return runtime.boundTlsAddr();
    }

    /** The bound {@code -sniAddr} listener address, or {@code null}. */
    public InetSocketAddress sniAddr() {
        return runtime.boundSniAddr();
    }

    /**
     * The SHA-256 fingerprint ({@code AB:CD:...}) of the certificate {@code -tlsAddr} serves,
     * for clients that pin it; {@code null} before start or without {@code -tlsAddr}.
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

    /** Builds a {@link GtServer}; setters validate at once and name the option in their errors. */
    public static final class Builder {
        InetSocketAddress addr;
        InetSocketAddress tlsAddr;
        InetSocketAddress sniAddr;
        Path certFile;
        Path keyFile;
        TlsVersion tlsVersion = TlsVersion.TLS1_2;
        SslContext sslContext;
        final Map<String, User> users = new LinkedHashMap<>();
        boolean allowAnyClient;
        URI authApi;
        Authenticator authenticator;
        long speed;
        int hostNumber;
        final List<String> hostRegex = new ArrayList<>();
        boolean hostWithId;
        int reconnectTimes = 3;
        Duration reconnectDuration = Duration.ofMinutes(5);
        int banTableCapacity = 65536;
        Duration allowAnyClientHold = Duration.ofMinutes(1);
        final List<PortRange> tcpRanges = new ArrayList<>();
        int tcpNumber;
        String tcpBindHost;
        String httpMuxHeader = "Host";
        Duration timeout = Duration.ofSeconds(90);
        Duration handshakeTimeout = Duration.ofSeconds(10);
        Duration streamOpenTimeout = Duration.ofSeconds(15);
        Duration drainTimeout = Duration.ofSeconds(5);
        int allowAnyClientServices = 16;
        int connections = 10;
        int maxHandshakeOptions = 600;
        int maxHeadBytes = 16 * 1024;
        GtEventListener eventListener = GtEventListener.NONE;
        GtEventListener.Factory eventListenerFactory;
        dev.gt.api.MetricsRecorder metricsRecorder = dev.gt.api.MetricsRecorder.NONE;
        IoEngineProvider ioEngine;
        int workerThreads = Runtime.getRuntime().availableProcessors();

        Builder() {
        }

        /** {@code -addr}: listen for tunnels and HTTP visitors here ({@code 8080}, {@code :8080}, {@code 127.0.0.1:0}). */
        public Builder addr(String addr) {
            this.addr = addr == null || addr.isBlank() ? null : Addresses.parseListen("addr", addr);
            return this;
        }

        /** {@code -addr} as an address; port 0 picks a free port, read back with {@link GtServer#addr()}. */
        public Builder addr(InetSocketAddress addr) {
            this.addr = addr;
            return this;
        }

        /**
         * {@code -tlsAddr}: listen for tunnels over TLS and HTTPS visitors (TLS terminated here, then
         * routed by Host like {@code -addr}). Without {@link #certFile}/{@link #keyFile} or an
         * {@link #sslContext}, a self-signed ECDSA certificate is generated and its SHA-256
         * fingerprint logged (see {@link GtServer#certificateFingerprint()}).
         */
        public Builder tlsAddr(String addr) {
            this.tlsAddr = addr == null || addr.isBlank() ? null : Addresses.parseListen("tlsAddr", addr);
            return this;
        }

        /** {@code -tlsAddr} as an address. */
        public Builder tlsAddr(InetSocketAddress addr) {
            this.tlsAddr = addr;
            return this;
        }

        /**
         * {@code -sniAddr}: listen for TLS visitors routed by the server name of their ClientHello,
         * passed through undecrypted to the client's {@code https://} services; tunnels are accepted
         * here too.
         */
        public Builder sniAddr(String addr) {
            this.sniAddr = addr == null || addr.isBlank() ? null : Addresses.parseListen("sniAddr", addr);
            return this;
        }

        /** {@code -sniAddr} as an address. */
        public Builder sniAddr(InetSocketAddress addr) {
            this.sniAddr = addr;
            return this;
        }

        /** {@code -certFile}: the PEM certificate (chain) of {@code -tlsAddr}. */
        public Builder certFile(Path file) {
            this.certFile = file;
            return this;
        }

        /** {@code -keyFile}: the PEM private key (RSA or EC; PKCS#8 or traditional) of {@code -tlsAddr}. */
        public Builder keyFile(Path file) {
            this.keyFile = file;
            return this;
        }

        /** {@code -tlsVersion}: the lowest TLS version {@code -tlsAddr} accepts. */
        public Builder tlsVersion(TlsVersion version) {
            this.tlsVersion = Objects.requireNonNull(version, "tlsVersion");
            return this;
        }

        /** A ready server {@link SslContext} for {@code -tlsAddr}, instead of files. */
        public Builder sslContext(SslContext context) {
            this.sslContext = context;
            return this;
        }

        /**
         * {@code -id}/{@code -secret}: adds a user that follows the global rules; a later call for
         * the same id replaces the whole entry (GT's precedence between user sources).
         */
        public Builder user(String id, String secret) {
            Checks.id("id", id);
            return user(id, User.of(secret));
        }

        /** Adds a user with rules of its own ({@code users:}); a later call for the same id replaces it. */
        public Builder user(String id, User user) {
            Checks.id("id", id);
            users.remove(id);
            users.put(id, Objects.requireNonNull(user, "user"));
            return this;
        }

        /**
         * {@code -authAPI}: authenticate every tunnel by POSTing GT's JSON to this URL (timeout
         * {@code -timeout}); configured users are then not consulted. {@code null} or blank: none.
         */
        public Builder authApi(String url) {
            if (url == null || url.isBlank()) {
                this.authApi = null;
                return this;
            }
            this.authApi = HttpApis.parse(url, "-authAPI");
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
         * {@code -speed}: bytes per second one client id may move in each direction, over all its
         * tunnels and streams; 0 (the default) means no limit. Enforced with a token bucket
         * (burst: an eighth of a second's worth, at least 16 KiB) by pausing reads.
         */
        public Builder speed(long bytesPerSecond) {
            this.speed = Checks.speed("speed", bytesPerSecond);
            return this;
        }

        /** {@code -hostNumber}: host prefixes one client may register; 0 means no limit. */
        public Builder hostNumber(int n) {
            this.hostNumber = Checks.range("hostNumber", n, 0, 65535);
            return this;
        }

        /**
         * {@code -hostRegex}: adds a pattern that an explicit host prefix must match one of (Java
         * regex, unanchored unless it anchors itself); prefixes equal to the id are exempt.
         */
        public Builder hostRegex(String regex) {
            Checks.regex("hostRegex", regex);
            hostRegex.add(regex);
            return this;
        }

        /** {@code -hostWithID}: explicit host prefixes are registered as {@code <id>-<prefix>}. */
        public Builder hostWithId(boolean withId) {
            this.hostWithId = withId;
            return this;
        }

        /**
         * {@code -reconnectTimes}: failed logins tolerated from one address within
         * {@code -reconnectDuration}; one more bans it. 0 bans on the first failure.
         */
        public Builder reconnectTimes(int n) {
            this.reconnectTimes = Checks.range("reconnectTimes", n, 0, Integer.MAX_VALUE);
            return this;
        }

        /**
         * {@code -reconnectDuration}: how long failed logins are remembered and a banned address is
         * refused; {@link Duration#ZERO} turns banning off.
         */
        public Builder reconnectDuration(Duration d) {
            this.reconnectDuration = Checks.nonNegative("reconnectDuration", d);
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

        /** {@code -allowAnyClient}: accept unknown ids too, binding each id to the first secret seen. */
        public Builder allowAnyClient(boolean allow) {
            this.allowAnyClient = allow;
            return this;
        }

        /** {@code -tcpRange}: adds ports TCP services may open. */
        public Builder tcpRange(PortRange range) {
            tcpRanges.add(Objects.requireNonNull(range, "tcpRange"));
            return this;
        }

        /** {@code -tcpRange} in GT's notation ({@code 1024-65535}). */
        public Builder tcpRange(String range) {
            return tcpRange(PortRange.parse(range));
        }

        /** {@code -tcpNumber}: TCP ports one client id may hold; 0 means no limit. */
        public Builder tcpNumber(int n) {
            this.tcpNumber = Checks.range("tcpNumber", n, 0, 65535);
            return this;
        }

        /** The host TCP service ports bind to ({@code 127.0.0.1} in tests); {@code null} = every interface. */
        public Builder tcpBindHost(String host) {
            this.tcpBindHost = host;
            return this;
        }

        /** {@code -httpMUXHeader}: the header that picks the client; {@code Host} routes by the first label. */
        public Builder httpMuxHeader(String header) {
            Objects.requireNonNull(header, "httpMUXHeader");
            if (header.isEmpty() || !Checks.isToken(header)) {
                throw new IllegalArgumentException("-httpMUXHeader '" + header + "' is not an HTTP header name");
            }
            this.httpMuxHeader = header;
            return this;
        }

        /** {@code -timeout}: idle timeout of tunnels and visitors; {@link Duration#ZERO} disables it. */
        public Builder timeout(Duration timeout) {
            this.timeout = Checks.nonNegative("timeout", timeout);
            return this;
        }

        /**
         * How long a new connection may take to complete its TLS handshake (on {@code -tlsAddr})
         * and send its whole tunnel hello; also bounded by {@link #timeout}. An unauthenticated
         * peer cannot hold a connection longer. 10 seconds by default; at least 100 ms.
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
         * gives up dialing after 10); {@link Duration#ZERO} waits as long as {@link #timeout}.
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
         * ids are bounded by {@link #maxHandshakeOptions} and their own limits instead.
         */
        public Builder allowAnyClientServices(int n) {
            this.allowAnyClientServices = Checks.range("allowAnyClientServices", n, 1, 65535);
            return this;
        }

        /** {@code -connections}: tunnels one client id may hold (at least 1). */
        public Builder connections(int n) {
            this.connections = Checks.range("connections", n, 1, Integer.MAX_VALUE);
            return this;
        }

        /** {@code -maxHandShakeOptions}: services one hello may carry (at least 1). */
        public Builder maxHandshakeOptions(int n) {
            this.maxHandshakeOptions = Checks.range("maxHandShakeOptions", n, 1, 65535);
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
         * the class path (io_uring, then epoll, then NIO).
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
            if (addr == null && tlsAddr == null && sniAddr == null) {
                throw new IllegalArgumentException("no listener is configured (expected -addr, -tlsAddr or -sniAddr)");
            }
            if ((certFile == null) != (keyFile == null)) {
                throw new IllegalArgumentException(certFile == null ? "-keyFile is set without -certFile"
                        : "-certFile is set without -keyFile");
            }
            if (sslContext != null && certFile != null) {
                throw new IllegalArgumentException("both an SslContext and -certFile/-keyFile are set (expected one)");
            }
            if (authApi != null && authenticator != null) {
                throw new IllegalArgumentException("both -authAPI and an Authenticator are set (expected one)");
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
            for (PortRange r : tcpRanges) {
                owners.add("the global pool (-tcpRange, tcp:)");
                ranges.add(r);
            }
            for (Map.Entry<String, User> e : users.entrySet()) {
                for (PortRange r : e.getValue().tcpRanges()) {
                    for (int i = 0; i < ranges.size(); i++) {
                        PortRange o = ranges.get(i);
                        if (r.min() <= o.max() && o.min() <= r.max()) {
                            String who = owners.get(i);
                            if (who.equals("user '" + e.getKey() + "'")) {
                                continue;
                            }
                            throw new IllegalArgumentException("tcp range " + r + " of user '" + e.getKey()
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

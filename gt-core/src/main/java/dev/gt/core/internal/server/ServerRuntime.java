package dev.gt.core.internal.server;

import dev.gt.api.GtErrorCode;
import dev.gt.core.internal.events.EventDispatcher;
import dev.gt.api.ServerState;
import dev.gt.api.TunnelInfo;
import dev.gt.api.spi.IoEngine;
import dev.gt.api.spi.IoEngineProvider;
import dev.gt.core.Addresses;
import dev.gt.core.GtServerConfig;
import dev.gt.core.internal.IoEngines;
import dev.gt.core.internal.TunnelTransports;
import dev.gt.api.spi.TunnelConnection;
import dev.gt.api.spi.TunnelListenRequest;
import dev.gt.api.spi.TunnelListener;
import dev.gt.api.spi.TunnelTransport;
import dev.gt.api.spi.TunnelTransportSettings;
import dev.gt.core.internal.tls.Certificates;
import dev.gt.core.internal.tls.TlsContexts;
import io.netty.handler.ssl.SslContext;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.WriteBufferWaterMark;
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.group.DefaultChannelGroup;
import io.netty.util.AttributeKey;
import io.netty.util.concurrent.GlobalEventExecutor;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The machinery behind {@link dev.gt.core.GtServer}. */
public final class ServerRuntime {
    private static final Logger log = LoggerFactory.getLogger(ServerRuntime.class);
    static final AttributeKey<Route> ROUTE = AttributeKey.valueOf("gt.route");
    private static final WriteBufferWaterMark WATER_MARK = new WriteBufferWaterMark(64 * 1024, 256 * 1024);

    /** The configuration in force: replaced by {@link #reconfigure}; read per tunnel and visitor. */
    volatile GtServerConfig config;
    final Registry registry;
    final EventDispatcher events;
    private volatile Set<String> configuredIds;
    /** Totals for {@link ServerState.Counters}. */
    final java.util.concurrent.atomic.LongAdder tunnelsAccepted = new java.util.concurrent.atomic.LongAdder();
    final java.util.concurrent.atomic.LongAdder tunnelsRejected = new java.util.concurrent.atomic.LongAdder();
    final java.util.concurrent.atomic.LongAdder failedLogins = new java.util.concurrent.atomic.LongAdder();
    final java.util.concurrent.atomic.LongAdder streamsOpened = new java.util.concurrent.atomic.LongAdder();
    private final AtomicInteger tunnelIds = new AtomicInteger();
    private volatile IoEngine io;
    private ChannelGroup channels;
    private volatile Channel addrChannel;
    private volatile Channel tlsChannel;
    private volatile Channel sniChannel;
    private final List<Channel> listeners = new java.util.concurrent.CopyOnWriteArrayList<>();
    private final AcceptGuard acceptGuard = new AcceptGuard();
    final RefusalLog refusals = new RefusalLog();
    /** Bytes held for peers not routed or admitted yet, over all connections. */
    final HandshakeBudget handshakeBytes = HandshakeBudget.forThisJvm();
    private io.netty.util.concurrent.ScheduledFuture<?> summaryTask;
    private SslContext sslContext;
    private ServerCertificate serverCertificate;
    private volatile String fingerprint;
    /** Transports with listeners of their own, and those listeners by scheme. */
    private final List<TunnelTransport> tunnelTransports = new java.util.concurrent.CopyOnWriteArrayList<>();
    private final Map<String, TunnelListener> tunnelListeners = new java.util.concurrent.ConcurrentHashMap<>();
    private CompletableFuture<Void> started;
    private CompletableFuture<Void> stopped;
    private volatile boolean running;
    /** Set by stop(): connections of tunnel listeners that arrive now are closed. */
    private volatile boolean stopping;
    private final CompletableFuture<Void> terminated = new CompletableFuture<>();

    public ServerRuntime(GtServerConfig config) {
        this.config = config;
        this.configuredIds = lowerIds(config);
        this.registry = new Registry(config, this::bindTcpService);
        this.events = new EventDispatcher("gt-server", config.eventListener(), config.eventListenerFactory(),
                config.metricsRecorder(), this::reportTraffic);
    }

    private static Set<String> lowerIds(GtServerConfig config) {
        Set<String> ids = new HashSet<>();
        for (String id : config.users().keySet()) {
            ids.add(id.toLowerCase(Locale.ROOT));
        }
        return Set.copyOf(ids);
    }

    /**
     * Applies {@code next} by difference (see {@link dev.gt.core.GtServer#reconfigure}). Throws
     * {@link IllegalArgumentException} naming every setting that cannot change while running, and
     * {@link IllegalStateException} when the server is not running; applies nothing then.
     */
    public synchronized Applied reconfigure(GtServerConfig next) {
        if (!running || stopped != null) {
            throw new IllegalStateException("the server is not running (reconfigure() needs a started server)");
        }
        GtServerConfig prev = config;
        List<String> fixed = new ArrayList<>();
        fixed(fixed, "listenAddress", prev.listenAddress(), next.listenAddress());
        fixed(fixed, "tlsListenAddress", prev.tlsListenAddress(), next.tlsListenAddress());
        fixed(fixed, "sniListenAddress", prev.sniListenAddress(), next.sniListenAddress());
        fixed(fixed, "certificateFile", prev.certificateFile(), next.certificateFile());
        fixed(fixed, "privateKeyFile", prev.privateKeyFile(), next.privateKeyFile());
        fixed(fixed, "minTlsVersion", prev.minTlsVersion(), next.minTlsVersion());
        fixedObject(fixed, "sslContext", prev.sslContext(), next.sslContext());
        fixedObject(fixed, "ioEngine", prev.ioEngine(), next.ioEngine());
        fixed(fixed, "workerThreads", prev.workerThreads(), next.workerThreads());
        fixed(fixed, "banTableCapacity", prev.banTableCapacity(), next.banTableCapacity());
        fixedObject(fixed, "eventListener", prev.eventListener(), next.eventListener());
        fixedObject(fixed, "eventListenerFactory", prev.eventListenerFactory(), next.eventListenerFactory());
        fixedObject(fixed, "metricsRecorder", prev.metricsRecorder(), next.metricsRecorder());
        if (!prev.sharedPortProtocols().equals(next.sharedPortProtocols())) {
            fixed.add("sharedPortProtocol cannot change while the server runs (pass the running ones, e.g. through "
                    + "server.config().toBuilder())");
        }
        fixedObject(fixed, "iceServers", prev.iceServers(), next.iceServers());
        if (!fixed.isEmpty()) {
            throw new IllegalArgumentException(String.join("; ", fixed) + " (restart the server to change "
                    + (fixed.size() == 1 ? "it" : "them") + "; nothing was applied)");
        }
        Registry.Outcome outcome = registry.reconfigure(next);
        config = next;
        configuredIds = lowerIds(next);
        for (Map.Entry<String, String> e : outcome.drainedClients().entrySet()) {
            log.info("client '{}' is let go after the reconfiguration: {}; its open streams may finish within {}",
                    e.getKey(), e.getValue(), config.drainTimeout());
        }
        drainAndClose(outcome.drain(), GtErrorCode.GOING_AWAY, "the server configuration changed");
        drainAndClose(outcome.surplus(), GtErrorCode.GOING_AWAY, "tunnel above the new connections limit");
        return new Applied(prev, outcome.drainedClients(), outcome.surplus().size());
    }

    /**
     * What {@link #reconfigure} did.
     *
     * @param previous the configuration it replaced
     * @param letGo client ids taken out, with the reason
     * @param tunnelsRetired tunnels beyond a lowered limit, drained
     */
    public record Applied(GtServerConfig previous, Map<String, String> letGo, int tunnelsRetired) { }

    private static void fixed(List<String> out, String setting, Object before, Object after) {
        if (!java.util.Objects.equals(before, after)) {
            out.add(setting + " cannot change while the server runs (" + text(before) + " -> " + text(after) + ")");
        }
    }

    private static String text(Object value) {
        return value == null ? "none" : value instanceof InetSocketAddress ? Addresses.text((InetSocketAddress) value)
                : value.toString();
    }

    private static void fixedObject(List<String> out, String setting, Object before, Object after) {
        if (before != after) {
            out.add(setting + " cannot change while the server runs (pass the running one, e.g. through "
                    + "server.config().toBuilder())");
        }
    }

    /**
     * GOAWAY to {@code tunnels} (no new streams), lets their open streams finish within the drain
     * timeout, then resets what is left and closes them. Tunnels close by themselves as soon as
     * their last stream ends.
     */
    private void drainAndClose(List<ServerTunnel> tunnels, GtErrorCode code, String why) {
        if (tunnels.isEmpty()) {
            return;
        }
        List<dev.gt.core.internal.mux.MuxTunnel> muxes = new ArrayList<>();
        for (ServerTunnel t : tunnels) {
            t.goAway(code, why);
            muxes.add(t.mux);
        }
        dev.gt.core.internal.mux.Drain.streams(io.group().next(), muxes, config.drainTimeout()).thenRun(() -> {
            for (ServerTunnel t : tunnels) {
                t.resetStreams(code, why);
                t.close(code, why, null);
            }
        });
    }

    public synchronized CompletableFuture<Void> start() {
        if (stopped != null) {
            throw new IllegalStateException("this server was stopped; build a new GtServer to start again");
        }
        if (started != null) {
            return started;
        }
        started = new CompletableFuture<>();
        try {
            IoEngineProvider provider = IoEngines.select(config.ioEngine());
            io = provider.create(config.workerThreads(), "gt-server");
            log.info("GT server using the {} I/O engine with {} event loop{}", io.name(), config.workerThreads(),
                    config.workerThreads() == 1 ? "" : "s");
        } catch (RuntimeException e) {
            started.completeExceptionally(e);
            return started;
        }
        channels = new DefaultChannelGroup("gt-server", GlobalEventExecutor.INSTANCE);
        events.start();
        try {
            sslContext = tlsContext();
        } catch (RuntimeException | javax.net.ssl.SSLException e) {
            started.completeExceptionally(new IllegalArgumentException("cannot set up TLS for the TLS listener: "
                    + e.getMessage(), e));
            stop();
            return started;
        }
        warnAboutOpenLimits();
        List<CompletableFuture<Void>> binds = new ArrayList<>();
        if (config.listenAddress() != null) {
            binds.add(listen("addr", config.listenAddress(), "tunnels and HTTP visitors", ch -> addrChannel = ch,
                    ch -> ch.pipeline().addLast("gt-sniff", new SniffHandler(this))));
        }
        if (config.tlsListenAddress() != null) {
            binds.add(listen("tlsAddr", config.tlsListenAddress(), "tunnels over TLS and HTTPS visitors, TLS by "
                    + TlsContexts.providerName(), ch -> tlsChannel = ch, ch -> {
                        io.netty.handler.ssl.SslHandler tls = sslContext.newHandler(ch.alloc());
                        tls.setHandshakeTimeoutMillis(config.handshakeTimeout().toMillis());
                        ch.pipeline().addLast("gt-tls", tls);
                        ch.pipeline().addLast("gt-sniff", new SniffHandler(this));
                    }));
        }
        for (Map.Entry<String, InetSocketAddress> e : config.tunnelListeners().entrySet()) {
            binds.add(listenTunnels(e.getKey(), e.getValue()));
        }
        if (config.sniListenAddress() != null) {
            binds.add(listen("sniAddr", config.sniListenAddress(), "tunnels and TLS visitors routed by SNI",
                    ch -> sniChannel = ch, ch -> ch.pipeline().addLast("gt-sni", new SniSniffer(this))));
        }
        summaryTask = io.group().scheduleAtFixedRate(() -> refusals.summarize(registry.bans.stats()), 1, 1,
                TimeUnit.MINUTES);
        CompletableFuture.allOf(binds.toArray(new CompletableFuture<?>[0])).whenComplete((v, e) -> {
            if (e == null) {
                running = true;
                started.complete(null);
            } else {
                Throwable cause = e instanceof java.util.concurrent.CompletionException && e.getCause() != null
                        ? e.getCause() : e;
                started.completeExceptionally(cause);
                stop();
            }
        });
        return started;
    }

    /**
     * Allow-any mode lets anyone register services: say so when nothing but the per-hello cap
     * limits what one id may take.
     */
    private void warnAboutOpenLimits() {
        if (!config.allowAnyClient()) {
            return;
        }
        if (config.maxTcpPortsPerClient() == 0 && config.maxHostPrefixesPerClient() == 0) {
            log.warn("any client id is accepted (allow-any mode) and neither maxTcpPortsPerClient nor "
                    + "maxHostPrefixesPerClient limits what one id may register: each id may take up to {} services "
                    + "per tunnel{}; set maxTcpPortsPerClient and maxHostPrefixesPerClient, or configure users",
                    config.allowAnyClientServices(),
                    config.tcpPortRanges().isEmpty() ? "" : " (TCP ports from " + config.tcpPortRanges() + ")");
        } else if (config.maxTcpPortsPerClient() == 0 && !config.tcpPortRanges().isEmpty()) {
            log.warn("any client id is accepted (allow-any mode) and maxTcpPortsPerClient does not limit the TCP "
                    + "ports one id may take from {}", config.tcpPortRanges());
        }
    }

    /** The server TLS context of -tlsAddr: given, from files, or a generated self-signed one. */
    private SslContext tlsContext() throws javax.net.ssl.SSLException {
        if (config.tlsListenAddress() == null) {
            return null;
        }
        if (config.sslContext() != null) {
            return config.sslContext();
        }
        ServerCertificate c = certificate();
        return TlsContexts.server(c.key(), c.chain(), config.minTlsVersion());
    }

    /** A private key and its certificate chain, leaf first. */
    private record ServerCertificate(java.security.PrivateKey key, List<java.security.cert.X509Certificate> chain) { }

    /**
     * The certificate of -tlsAddr and of the tunnel listeners (-quicAddr): from -certFile/-keyFile,
     * or generated once for all of them, its fingerprint logged for clients to pin.
     */
    private synchronized ServerCertificate certificate() {
        if (serverCertificate != null) {
            return serverCertificate;
        }
        List<String> users = new ArrayList<>();
        if (config.tlsListenAddress() != null && config.sslContext() == null) {
            users.add("-tlsAddr");
        }
        for (String scheme : config.tunnelListeners().keySet()) {
            users.add("-" + scheme + "Addr");
        }
        String names = String.join(" and ", users);
        if (config.certificateFile() != null) {
            List<java.security.cert.X509Certificate> chain = Certificates.readCertificates(config.certificateFile());
            String fp = Certificates.fingerprint(chain.get(0));
            if (fingerprint == null) {
                fingerprint = fp;
            }
            log.info("{} certificate {} (SHA-256 {})", names, config.certificateFile(), fp);
            serverCertificate = new ServerCertificate(Certificates.readPrivateKey(config.privateKeyFile()), chain);
            return serverCertificate;
        }
        Certificates.SelfSigned self = Certificates.generateSelfSigned(
                List.of("localhost", "127.0.0.1", "::1"), java.time.Duration.ofDays(365));
        if (fingerprint == null) {
            fingerprint = self.sha256Fingerprint();
        }
        log.warn("no certificateFile/privateKeyFile: {} serve{} a generated self-signed certificate for "
                + "localhost; clients can pin it with pinnedCertificateSha256 {}", names, users.size() == 1 ? "s" : "", self.sha256Fingerprint());
        serverCertificate = new ServerCertificate(self.key(), List.of(self.certificate()));
        return serverCertificate;
    }

    /**
     * Listens for tunnels of a transport with a port of its own ({@code quic}): the transport
     * accepts connections and hands each one over with its control stream open; from there it is a
     * tunnel like any other (ban check, hello deadline and byte budget, admission, limits).
     */
    private CompletableFuture<Void> listenTunnels(String scheme, InetSocketAddress address) {
        String option = scheme + "Addr";
        TunnelTransport transport;
        try {
            ServerCertificate c = certificate();
            transport = TunnelTransports.forScheme(scheme).create(new TunnelTransportSettings(io, null, false,
                    List.of(), c.key(), c.chain(), config.congestionControl()));
        } catch (RuntimeException e) {
            return CompletableFuture.failedFuture(new IllegalStateException("cannot listen on -" + option + " "
                    + Addresses.text(address) + ": " + e.getMessage(), e));
        }
        tunnelTransports.add(transport);
        java.time.Duration idle = config.idleTimeout().isZero() ? java.time.Duration.ZERO
                : config.idleTimeout().plusSeconds(5);
        return transport.listen(new TunnelListenRequest(address, config.handshakeTimeout(), idle, this::acceptTunnel))
                .handle((listener, err) -> {
                    if (err != null) {
                        Throwable cause = err instanceof java.util.concurrent.CompletionException && err.getCause() != null
                                ? err.getCause() : err;
                        log.error("GT server cannot listen on {} (-{}): {}", Addresses.text(address), option,
                                cause.getMessage());
                        throw new IllegalStateException("cannot listen on -" + option + " " + Addresses.text(address)
                                + ": " + cause.getMessage(), cause);
                    }
                    tunnelListeners.put(scheme, listener);
                    log.info("GT server listening on {} (-{}: tunnels over {})", Addresses.text(listener.localAddress()),
                            option, transport.description());
                    return null;
                });
    }

    /** A connection of a tunnel listener, its control stream open: reads its hello. */
    private void acceptTunnel(TunnelConnection connection) {
        Channel ch = connection.channel();
        if (stopping) {
            ch.close();
            return;
        }
        channels.add(ch);
        // Streams the client opens itself are not used by this version: each is refused at once.
        connection.acceptStreams(s -> connection.resetStream(s, GtErrorCode.STREAM_REFUSED.code()));
        ch.config().setAutoRead(false);
        ch.pipeline().addLast("gt-hello", new ServerHelloHandler(this, connection,
                config.handshakeTimeout().toNanos()));
        ch.read();
    }

    private CompletableFuture<Void> listen(String option, InetSocketAddress address, String what,
            java.util.function.Consumer<Channel> bound, java.util.function.Consumer<Channel> init) {
        CompletableFuture<Void> done = new CompletableFuture<>();
        ServerBootstrap b = bootstrap(new ChannelInitializer<Channel>() {
            @Override
            protected void initChannel(Channel ch) {
                channels.add(ch);
                init.accept(ch);
            }
        });
        b.bind(address).addListener((ChannelFuture f) -> {
            if (f.isSuccess()) {
                bound.accept(f.channel());
                listeners.add(f.channel());
                channels.add(f.channel());
                log.info("GT server listening on {} (-{}: {})",
                        Addresses.text((InetSocketAddress) f.channel().localAddress()), option, what);
                done.complete(null);
            } else {
                log.error("GT server cannot listen on {}: {}", Addresses.text(address), f.cause().getMessage());
                done.completeExceptionally(new IllegalStateException("cannot listen on -" + option + " "
                        + Addresses.text(address) + ": " + f.cause().getMessage(), f.cause()));
            }
        });
        return done;
    }

    /** The options {@link #bootstrap} gives every accepted visitor, for those registered by hand. */
    private static void configureVisitor(Channel child) {
        child.config().setAutoRead(false);
        child.config().setOption(ChannelOption.ALLOW_HALF_CLOSURE, true);
        child.config().setOption(ChannelOption.TCP_NODELAY, true);
        child.config().setWriteBufferWaterMark(WATER_MARK);
    }

    private ServerBootstrap bootstrap(ChannelInitializer<Channel> init) {
        return new ServerBootstrap()
                .group(io.group())
                .channelFactory(io.serverChannelFactory())
                .option(ChannelOption.SO_REUSEADDR, true)
                .option(ChannelOption.SO_BACKLOG, 4096)
                .childOption(ChannelOption.AUTO_READ, false)
                .childOption(ChannelOption.ALLOW_HALF_CLOSURE, true)
                .childOption(ChannelOption.TCP_NODELAY, true)
                .childOption(ChannelOption.WRITE_BUFFER_WATER_MARK, WATER_MARK)
                .handler(acceptGuard)
                .childHandler(init);
    }

    /** Binds the listener of a TCP service on {@code port}. */
    private ChannelFuture bindTcpService(int port) {
        ChannelInitializer<Channel> init = new ChannelInitializer<Channel>() {
            @Override
            protected void initChannel(Channel ch) {
                channels.add(ch);
                ch.pipeline().addLast("gt-tcp-visitor", new TcpVisitorHandler());
            }
        };
        ServerBootstrap b = bootstrap(init);
        // The route is known at accept: the visitor goes straight to the loop of the tunnel that
        // will carry it (the least busy one), rather than to the next loop in turn.
        b.handler(new ChannelInitializer<Channel>() {
            @Override
            protected void initChannel(Channel listener) {
                listener.pipeline().addLast(acceptGuard, new TunnelLoopAcceptor(l -> {
                    Route route = l.attr(ROUTE).get();
                    ServerTunnel t = route == null ? null : route.session().pickTunnel(null);
                    return t == null ? null : t.loop();
                }, child -> {
                    configureVisitor(child);
                    child.pipeline().addLast(init);
                }));
            }
        });
        InetSocketAddress addr = config.tcpBindAddress() == null ? new InetSocketAddress(port)
                : new InetSocketAddress(config.tcpBindAddress(), port);
        ChannelFuture f = b.bind(addr);
        f.addListener(x -> {
            if (f.isSuccess()) {
                channels.add(f.channel());
            }
        });
        return f;
    }

    /** The first handler of a TCP service visitor: opens a stream as soon as it connects. */
    private final class TcpVisitorHandler extends ChannelInboundHandlerAdapter {
        @Override
        public void channelActive(ChannelHandlerContext ctx) {
            Channel ch = ctx.channel();
            Route route = ch.parent().attr(ROUTE).get();
            ServerTunnel tunnel = route == null ? null : route.session().pickTunnel(ch.eventLoop());
            if (tunnel == null) {
                log.debug("tcp visitor {} on {}: no tunnel", ch.remoteAddress(), ch.localAddress());
                ch.close();
                return;
            }
            // No initial bytes: the client dials at once, so server-speaks-first protocols (SSH) work.
            tunnel.openStream(ch, this, route.serviceIndex(), null, null);
        }
    }

    /**
     * Whether {@code key} (lower case) is the id of a configured user whose client is not connected:
     * a visitor for it gets 503 (try later), not 404. A connected client that did not register its
     * id as a host prefix makes it a 404 like any unknown prefix.
     */
    boolean isDisconnectedUser(String key) {
        return configuredIds.contains(key) && !registry.isConnected(key);
    }

    /** The clock of tunnels and streams. */
    java.util.function.LongSupplier ticker() {
        return System::nanoTime;
    }

    /**
     * How often the server pings each tunnel: a third of {@code -timeout} (so a frozen client is
     * noticed within it), at most every 30 seconds for round-trip figures when it is off.
     */
    java.time.Duration pingInterval() {
        java.time.Duration max = java.time.Duration.ofSeconds(30);
        java.time.Duration third = config.idleTimeout().dividedBy(3);
        return third.isZero() || third.compareTo(max) > 0 ? max : third;
    }

    int nextTunnelId() {
        return tunnelIds.incrementAndGet();
    }

    /** Whether the I/O engine can move a visitor to its tunnel's event loop. */
    boolean canMoveChannels() {
        return io != null && io.canMoveChannels();
    }

    String transportName() {
        return io == null ? "none" : io.name();
    }

    /** Feeds the metrics recorder: the bytes of every client id since the last tick. */
    private void reportTraffic() {
        for (ClientSession s : registry.sessions.values()) {
            long[] d = s.traffic.takeDelta();
            if (d[0] != 0 || d[1] != 0) {
                events.recorder().recordBytes(s.id, d[0], d[1]);
            }
        }
        for (ClientSession s : registry.draining) {
            long[] d = s.traffic.takeDelta();
            if (d[0] != 0 || d[1] != 0) {
                events.recorder().recordBytes(s.id, d[0], d[1]);
            }
        }
        ClientSession gone;
        while ((gone = registry.retired.poll()) != null) {
            long[] d = gone.traffic.takeDelta();
            if (d[0] != 0 || d[1] != 0) {
                events.recorder().recordBytes(gone.id, d[0], d[1]);
            }
        }
    }

    public InetSocketAddress boundAddr() {
        Channel c = addrChannel;
        return c == null ? null : (InetSocketAddress) c.localAddress();
    }

    public InetSocketAddress boundTlsAddr() {
        Channel c = tlsChannel;
        return c == null ? null : (InetSocketAddress) c.localAddress();
    }

    public InetSocketAddress boundSniAddr() {
        Channel c = sniChannel;
        return c == null ? null : (InetSocketAddress) c.localAddress();
    }

    public InetSocketAddress boundTunnelAddr(String scheme) {
        TunnelListener l = tunnelListeners.get(scheme.toLowerCase(Locale.ROOT));
        return l == null ? null : l.localAddress();
    }

    public String certificateFingerprint() {
        return fingerprint;
    }

    public ServerState state() {
        Map<String, InetSocketAddress> listeners = new LinkedHashMap<>();
        InetSocketAddress a = boundAddr();
        if (a != null) {
            listeners.put("addr", a);
        }
        if (boundTlsAddr() != null) {
            listeners.put("tlsAddr", boundTlsAddr());
        }
        if (boundSniAddr() != null) {
            listeners.put("sniAddr", boundSniAddr());
        }
        for (Map.Entry<String, TunnelListener> e : tunnelListeners.entrySet()) {
            listeners.put(e.getKey() + "Addr", e.getValue().localAddress());
        }
        List<ServerState.ClientInfo> clients = new ArrayList<>();
        for (ClientSession s : registry.sessions.values()) {
            List<TunnelInfo> tunnels = new ArrayList<>();
            for (ServerTunnel t : s.tunnels) {
                tunnels.add(t.info());
            }
            List<Integer> ports;
            List<String> hosts;
            synchronized (registry) {
                ports = new ArrayList<>(s.ports.values());
                hosts = new ArrayList<>(s.hosts.values());
                for (Map.Entry<Integer, Channel> e : s.listeners.entrySet()) {
                    if (!e.getValue().isOpen()) {
                        continue;
                    }
                    listeners.put("tcp:" + s.id + ":" + e.getKey(), (InetSocketAddress) e.getValue().localAddress());
                }
            }
            clients.add(new ServerState.ClientInfo(s.id, tunnels, hosts, ports, s.traffic.fromVisitorsTotal(),
                    s.traffic.toVisitorsTotal(), s.rules.view()));
        }
        long from = registry.goneFromVisitors.get();
        long to = registry.goneToVisitors.get();
        int open = 0;
        for (ServerState.ClientInfo c : clients) {
            from += c.bytesFromVisitors();
            to += c.bytesToVisitors();
            for (TunnelInfo t : c.tunnels()) {
                open += t.streams();
            }
        }
        for (ClientSession s : registry.draining) {
            from += s.traffic.fromVisitorsTotal();
            to += s.traffic.toVisitorsTotal();
        }
        BanTable.Stats b = registry.bans.stats();
        ServerState.Bans bans = new ServerState.Bans(b.banned(), b.bannedPrefixes(), b.imposed() + b.prefixImposed(),
                registry.bans.banned(100));
        ServerState.Counters counters = new ServerState.Counters(tunnelsAccepted.sum(), tunnelsRejected.sum(),
                failedLogins.sum(), streamsOpened.sum(), open, from, to);
        return new ServerState(running, listeners, clients, events.droppedEvents(), registry.globalRules().view(),
                bans, counters);
    }

    /**
     * Stops: closes the listeners (no new visitors or tunnels), tells every client to go away, lets
     * open streams finish within the drain timeout, resets the rest, then closes every connection
     * and the event loops. Idempotent.
     */
    public synchronized CompletableFuture<Void> stop() {
        if (stopped != null) {
            return stopped;
        }
        stopped = new CompletableFuture<>();
        running = false;
        stopping = true;
        if (started != null && !started.isDone()) {
            started.completeExceptionally(new IllegalStateException("the server was stopped before it started"));
        }
        if (io == null) {
            stopped.complete(null);
            terminated.complete(null);
            return stopped;
        }
        List<Channel> open = new ArrayList<>();
        for (Channel c : channels) {
            if (c instanceof io.netty.channel.ServerChannel) {
                open.add(c);
            }
        }
        if (summaryTask != null) {
            summaryTask.cancel(false);
        }
        addrChannel = null;
        tlsChannel = null;
        sniChannel = null;
        listeners.clear();
        CompletableFuture<Void> listenersClosed = closeAll(open);
        List<ServerTunnel> tunnels = new ArrayList<>();
        for (ClientSession s : registry.sessions.values()) {
            tunnels.addAll(s.tunnels);
        }
        for (ServerTunnel t : tunnels) {
            t.goAway(GtErrorCode.GOING_AWAY, "server shutting down");
        }
        List<dev.gt.core.internal.mux.MuxTunnel> muxes = new ArrayList<>();
        for (ServerTunnel t : tunnels) {
            muxes.add(t.mux);
        }
        listenersClosed.thenCompose(v -> dev.gt.core.internal.mux.Drain.streams(io.group().next(), muxes,
                        config.drainTimeout()))
                .thenCompose(drained -> {
                    if (!drained) {
                        log.info("GT server: streams still open after the drain timeout of {}; resetting them",
                                config.drainTimeout());
                    }
                    for (ServerTunnel t : tunnels) {
                        t.resetStreams(GtErrorCode.GOING_AWAY, "server shutting down");
                        t.close(GtErrorCode.GOING_AWAY, "server shutting down", null);
                    }
                    CompletableFuture<Void> closed = new CompletableFuture<>();
                    // Give the GOAWAY and RESET frames a moment to leave, then close whatever is left.
                    io.group().schedule(() -> channels.close().addListener(f -> closed.complete(null)),
                            tunnels.isEmpty() ? 0 : 100, TimeUnit.MILLISECONDS);
                    return closed;
                }).thenCompose(v -> closeTunnelListeners()).thenCompose(v -> io.shutdown()).whenComplete((v, e) -> {
                    for (TunnelTransport t : tunnelTransports) {
                        t.close();
                    }
                    log.info("GT server stopped");
                    // The last events (closes of tunnels and streams) reach the listener first.
                    events.close();
                    stopped.complete(null);
                    terminated.complete(null);
                });
        return stopped;
    }

    /**
     * Closes the listeners of transports with a port of their own: last, since closing one ends
     * every connection it carries (a UDP socket), after the tunnels were told to go away.
     */
    private CompletableFuture<Void> closeTunnelListeners() {
        List<CompletableFuture<Void>> all = new ArrayList<>();
        for (TunnelListener l : tunnelListeners.values()) {
            all.add(l.close().exceptionally(e -> null));
        }
        tunnelListeners.clear();
        return CompletableFuture.allOf(all.toArray(new CompletableFuture<?>[0]));
    }

    /** Whether the calling thread is one of this server's event loops (where blocking deadlocks). */
    public boolean inEventLoop() {
        if (events.onDispatcherThread()) {
            return true;
        }
        IoEngine t = io;
        if (t == null) {
            return false;
        }
        for (io.netty.util.concurrent.EventExecutor e : t.group()) {
            if (e.inEventLoop()) {
                return true;
            }
        }
        return false;
    }

    /** Completes when the server has stopped (after {@link #stop()}). */
    public CompletableFuture<Void> whenStopped() {
        return terminated.copy();
    }

    private static CompletableFuture<Void> closeAll(List<Channel> open) {
        CompletableFuture<Void> done = new CompletableFuture<>();
        if (open.isEmpty()) {
            done.complete(null);
            return done;
        }
        AtomicInteger left = new AtomicInteger(open.size());
        for (Channel l : open) {
            l.close().addListener(f -> {
                if (left.decrementAndGet() == 0) {
                    done.complete(null);
                }
            });
        }
        return done;
    }
}

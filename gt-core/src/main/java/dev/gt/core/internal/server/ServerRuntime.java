package dev.gt.core.internal.server;

import dev.gt.api.GtErrorCode;
import dev.gt.api.GtEvent;
import dev.gt.api.ServerState;
import dev.gt.api.TunnelInfo;
import dev.gt.api.spi.IoTransport;
import dev.gt.api.spi.TransportProvider;
import dev.gt.core.Addresses;
import dev.gt.core.GtServerConfig;
import dev.gt.core.internal.Transports;
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

    final GtServerConfig config;
    final Registry registry;
    private final Set<String> configuredIds;
    private final AtomicInteger tunnelIds = new AtomicInteger();
    private IoTransport io;
    private ChannelGroup channels;
    private volatile Channel addrChannel;
    private volatile Channel tlsChannel;
    private volatile Channel sniChannel;
    private final List<Channel> listeners = new java.util.concurrent.CopyOnWriteArrayList<>();
    private SslContext sslContext;
    private volatile String fingerprint;
    private CompletableFuture<Void> started;
    private CompletableFuture<Void> stopped;
    private volatile boolean running;

    public ServerRuntime(GtServerConfig config) {
        this.config = config;
        Set<String> ids = new HashSet<>();
        for (String id : config.users().keySet()) {
            ids.add(id.toLowerCase(Locale.ROOT));
        }
        this.configuredIds = Set.copyOf(ids);
        this.registry = new Registry(config, this::bindTcpService);
    }

    public synchronized CompletableFuture<Void> start() {
        if (started != null) {
            return started;
        }
        started = new CompletableFuture<>();
        if (stopped != null) {
            started.completeExceptionally(new IllegalStateException("the server was stopped"));
            return started;
        }
        try {
            TransportProvider provider = Transports.select(config.transport());
            io = provider.create(config.workerThreads(), "gt-server");
            log.info("GT server using the {} transport with {} event loop{}", io.name(), config.workerThreads(),
                    config.workerThreads() == 1 ? "" : "s");
        } catch (RuntimeException e) {
            started.completeExceptionally(e);
            return started;
        }
        channels = new DefaultChannelGroup("gt-server", GlobalEventExecutor.INSTANCE);
        try {
            sslContext = tlsContext();
        } catch (RuntimeException | javax.net.ssl.SSLException e) {
            started.completeExceptionally(new IllegalArgumentException("cannot set up TLS for -tlsAddr: "
                    + e.getMessage(), e));
            stop();
            return started;
        }
        List<CompletableFuture<Void>> binds = new ArrayList<>();
        if (config.addr() != null) {
            binds.add(listen("addr", config.addr(), "tunnels and HTTP visitors", ch -> addrChannel = ch,
                    ch -> ch.pipeline().addLast("gt-sniff", new SniffHandler(this))));
        }
        if (config.tlsAddr() != null) {
            binds.add(listen("tlsAddr", config.tlsAddr(), "tunnels over TLS and HTTPS visitors, TLS by "
                    + TlsContexts.providerName(), ch -> tlsChannel = ch, ch -> {
                        ch.pipeline().addLast("gt-tls", sslContext.newHandler(ch.alloc()));
                        ch.pipeline().addLast("gt-sniff", new SniffHandler(this));
                    }));
        }
        if (config.sniAddr() != null) {
            binds.add(listen("sniAddr", config.sniAddr(), "tunnels and TLS visitors routed by SNI",
                    ch -> sniChannel = ch, ch -> ch.pipeline().addLast("gt-sni", new SniSniffer(this))));
        }
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

    /** The server TLS context of -tlsAddr: given, from files, or a generated self-signed one. */
    private SslContext tlsContext() throws javax.net.ssl.SSLException {
        if (config.tlsAddr() == null) {
            return null;
        }
        if (config.sslContext() != null) {
            return config.sslContext();
        }
        if (config.certFile() != null) {
            List<java.security.cert.X509Certificate> chain = Certificates.readCertificates(config.certFile());
            fingerprint = Certificates.fingerprint(chain.get(0));
            log.info("-tlsAddr certificate {} (SHA-256 {})", config.certFile(), fingerprint);
            return TlsContexts.server(Certificates.readPrivateKey(config.keyFile()), chain, config.tlsVersion());
        }
        Certificates.SelfSigned self = Certificates.generateSelfSigned(
                List.of("localhost", "127.0.0.1", "::1"), java.time.Duration.ofDays(365));
        fingerprint = self.sha256Fingerprint();
        log.warn("no -certFile/-keyFile: -tlsAddr serves a generated self-signed certificate for localhost; "
                + "clients can pin it with -remoteCertFingerprint {}", fingerprint);
        return TlsContexts.server(self.key(), List.of(self.certificate()), config.tlsVersion());
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
                .childHandler(init);
    }

    /** Binds the listener of a TCP service on {@code port}. */
    private ChannelFuture bindTcpService(int port) {
        ServerBootstrap b = bootstrap(new ChannelInitializer<Channel>() {
            @Override
            protected void initChannel(Channel ch) {
                channels.add(ch);
                ch.pipeline().addLast("gt-tcp-visitor", new TcpVisitorHandler());
            }
        });
        InetSocketAddress addr = config.tcpBindHost() == null ? new InetSocketAddress(port)
                : new InetSocketAddress(config.tcpBindHost(), port);
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

    /** Whether {@code key} (lower case) is the id of a configured user: its absence is a 503, not a 404. */
    boolean isConfiguredUser(String key) {
        return configuredIds.contains(key);
    }

    int nextTunnelId() {
        return tunnelIds.incrementAndGet();
    }

    String transportName() {
        return io == null ? "none" : io.name();
    }

    void fire(GtEvent event) {
        try {
            config.eventListener().onEvent(event);
        } catch (RuntimeException e) {
            log.warn("event listener failed on {}: {}", event, e.toString());
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
                    listeners.put("tcp:" + s.id + ":" + e.getKey(), (InetSocketAddress) e.getValue().localAddress());
                }
            }
            clients.add(new ServerState.ClientInfo(s.id, tunnels, hosts, ports));
        }
        return new ServerState(running, listeners, clients);
    }

    public synchronized CompletableFuture<Void> stop() {
        if (stopped != null) {
            return stopped;
        }
        stopped = new CompletableFuture<>();
        running = false;
        if (io == null) {
            stopped.complete(null);
            return stopped;
        }
        CompletableFuture<Void> listenerClosed = new CompletableFuture<>();
        List<Channel> open = new ArrayList<>(listeners);
        if (open.isEmpty()) {
            listenerClosed.complete(null);
        } else {
            java.util.concurrent.atomic.AtomicInteger left = new java.util.concurrent.atomic.AtomicInteger(open.size());
            for (Channel l : open) {
                l.close().addListener(f -> {
                    if (left.decrementAndGet() == 0) {
                        listenerClosed.complete(null);
                    }
                });
            }
        }
        List<ServerTunnel> tunnels = new ArrayList<>();
        for (ClientSession s : registry.sessions.values()) {
            tunnels.addAll(s.tunnels);
        }
        for (ServerTunnel t : tunnels) {
            t.close(GtErrorCode.GOING_AWAY, "server shutting down", null);
        }
        listenerClosed.thenCompose(v -> {
            CompletableFuture<Void> closed = new CompletableFuture<>();
            // Give GOAWAY frames a moment to leave, then close whatever is left.
            io.group().schedule(() -> channels.close().addListener(f -> closed.complete(null)),
                    tunnels.isEmpty() ? 0 : 100, TimeUnit.MILLISECONDS);
            return closed;
        }).thenCompose(v -> io.shutdown()).whenComplete((v, e) -> {
            log.info("GT server stopped");
            stopped.complete(null);
        });
        return stopped;
    }
}

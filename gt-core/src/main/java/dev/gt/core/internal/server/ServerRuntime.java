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
        this.registry = new Registry(config, new PortPool(config.tcpRanges()), this::bindTcpService);
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
        ServerBootstrap b = bootstrap(new ChannelInitializer<Channel>() {
            @Override
            protected void initChannel(Channel ch) {
                channels.add(ch);
                ch.pipeline().addLast("gt-sniff", new SniffHandler(ServerRuntime.this));
            }
        });
        b.bind(config.addr()).addListener((ChannelFuture f) -> {
            if (f.isSuccess()) {
                addrChannel = f.channel();
                channels.add(f.channel());
                running = true;
                log.info("GT server listening on {} (-addr: tunnels and HTTP visitors)",
                        Addresses.text((InetSocketAddress) f.channel().localAddress()));
                started.complete(null);
            } else {
                log.error("GT server cannot listen on {}: {}", config.addr(), f.cause().getMessage());
                started.completeExceptionally(new IllegalStateException("cannot listen on -addr "
                        + Addresses.text(config.addr()) + ": " + f.cause().getMessage(), f.cause()));
                stop();
            }
        });
        return started;
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

    public ServerState state() {
        Map<String, InetSocketAddress> listeners = new LinkedHashMap<>();
        InetSocketAddress a = boundAddr();
        if (a != null) {
            listeners.put("addr", a);
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
        Channel listener = addrChannel;
        CompletableFuture<Void> listenerClosed = new CompletableFuture<>();
        if (listener != null) {
            listener.close().addListener(f -> listenerClosed.complete(null));
        } else {
            listenerClosed.complete(null);
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

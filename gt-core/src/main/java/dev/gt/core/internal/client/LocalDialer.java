package dev.gt.core.internal.client;

import dev.gt.api.ServiceSpec;
import dev.gt.api.spi.IoEngine;
import io.netty.bootstrap.Bootstrap;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoop;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.WriteBufferWaterMark;
import io.netty.channel.local.LocalAddress;
import io.netty.channel.local.LocalChannel;
import io.netty.channel.local.LocalIoHandler;
import io.netty.channel.local.LocalServerChannel;
import io.netty.util.NetUtil;
import io.netty.util.concurrent.DefaultThreadFactory;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.function.BiConsumer;
import java.util.function.Consumer;

/**
 * Connects streams to their services: a TCP connection on the tunnel's own event loop (no thread
 * hop on the data path), or an in-process channel for a handler service. Host names are resolved
 * off the event loops and cached briefly, so a slow DNS server never stalls a tunnel.
 */
final class LocalDialer implements AutoCloseable {
    private static final long CACHE_NANOS = TimeUnit.SECONDS.toNanos(10);
    private static final WriteBufferWaterMark WATER_MARK = new WriteBufferWaterMark(64 * 1024, 256 * 1024);

    private final IoEngine io;
    private volatile List<ServiceSpec> services;
    private final LocalAddress[] handlerAddresses;
    private EventLoopGroup localGroup;
    private ExecutorService resolver;
    private final Map<String, Resolved> cache = new ConcurrentHashMap<>();

    private record Resolved(InetAddress address, long at) { }

    LocalDialer(IoEngine io, List<ServiceSpec> services) {
        this.io = io;
        this.services = services;
        this.handlerAddresses = new LocalAddress[services.size()];
    }

    /**
     * Dials {@code next} from now on (a client reconfigured live); its handler services must be
     * the same objects at the same positions, since their endpoints stay bound.
     */
    void retarget(List<ServiceSpec> next) {
        this.services = next;
    }

    /** Binds the in-process endpoints of handler services. */
    CompletableFuture<Void> start(String name) {
        CompletableFuture<Void> all = CompletableFuture.completedFuture(null);
        for (int i = 0; i < services.size(); i++) {
            ServiceSpec s = services.get(i);
            if (s.handler() == null) {
                continue;
            }
            if (localGroup == null) {
                localGroup = new MultiThreadIoEventLoopGroup(1, new DefaultThreadFactory(name + "-local", true),
                        LocalIoHandler.newFactory());
            }
            LocalAddress addr = new LocalAddress(name + "-service-" + i + "-" + java.util.UUID.randomUUID());
            handlerAddresses[i] = addr;
            CompletableFuture<Void> bound = new CompletableFuture<>();
            new ServerBootstrap().group(localGroup).channel(LocalServerChannel.class)
                    .childHandler(s.handler())
                    .bind(addr).addListener((ChannelFuture f) -> {
                        if (f.isSuccess()) {
                            bound.complete(null);
                        } else {
                            bound.completeExceptionally(f.cause());
                        }
                    });
            all = all.thenCompose(v -> bound);
        }
        return all;
    }

    /**
     * Dials service {@code index}; {@code init} sets up the new channel's pipeline before it
     * connects. The future is notified on {@code loop}.
     */
    void dial(int index, EventLoop loop, Consumer<Channel> init, BiConsumer<Channel, Throwable> done) {
        ServiceSpec s = services.get(index);
        ChannelInitializer<Channel> initializer = new ChannelInitializer<>() {
            @Override
            protected void initChannel(Channel ch) {
                init.accept(ch);
            }
        };
        if (s.handler() != null) {
            // AUTO_READ on from the start: the in-process service may answer and close before the
            // tunnel's loop could switch reading on, and a closing LocalChannel drops unread data.
            new Bootstrap().group(localGroup).channel(LocalChannel.class)
                    .option(ChannelOption.AUTO_READ, true)
                    .option(ChannelOption.WRITE_BUFFER_WATER_MARK, WATER_MARK)
                    .handler(initializer)
                    .connect(handlerAddresses[index])
                    .addListener((ChannelFuture f) -> loop.execute(() -> report(f, done)));
            return;
        }
        Bootstrap b = new Bootstrap().group(loop).channelFactory(io.socketChannelFactory())
                .option(ChannelOption.AUTO_READ, false)
                .option(ChannelOption.ALLOW_HALF_CLOSURE, true)
                .option(ChannelOption.TCP_NODELAY, true)
                .option(ChannelOption.WRITE_BUFFER_WATER_MARK, WATER_MARK)
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, 10_000)
                .handler(initializer);
        InetSocketAddress target = s.localAddress();
        String host = target.getHostString();
        byte[] literal = NetUtil.createByteArrayFromIpAddressString(host);
        if (literal != null) {
            try {
                connect(b, new InetSocketAddress(InetAddress.getByAddress(host, literal), target.getPort()), done);
            } catch (UnknownHostException e) {
                throw new IllegalStateException(e);
            }
            return;
        }
        Resolved r = cache.get(host);
        if (r != null && System.nanoTime() - r.at < CACHE_NANOS) {
            connect(b, new InetSocketAddress(r.address, target.getPort()), done);
            return;
        }
        resolver().execute(() -> {
            try {
                InetAddress a = InetAddress.getByName(host);
                cache.put(host, new Resolved(a, System.nanoTime()));
                loop.execute(() -> connect(b, new InetSocketAddress(a, target.getPort()), done));
            } catch (UnknownHostException e) {
                loop.execute(() -> done.accept(null, e));
            }
        });
    }

    private static void connect(Bootstrap b, InetSocketAddress addr, BiConsumer<Channel, Throwable> done) {
        b.connect(addr).addListener((ChannelFuture f) -> report(f, done));
    }

    private static void report(ChannelFuture f, BiConsumer<Channel, Throwable> done) {
        if (f.isSuccess()) {
            done.accept(f.channel(), null);
        } else {
            done.accept(null, f.cause());
        }
    }

    private synchronized ExecutorService resolver() {
        if (resolver == null) {
            resolver = Executors.newCachedThreadPool(new DefaultThreadFactory("gt-resolver", true));
        }
        return resolver;
    }

    @Override
    public synchronized void close() {
        if (resolver != null) {
            resolver.shutdownNow();
        }
        if (localGroup != null) {
            localGroup.shutdownGracefully(0, 2, TimeUnit.SECONDS);
        }
    }
}

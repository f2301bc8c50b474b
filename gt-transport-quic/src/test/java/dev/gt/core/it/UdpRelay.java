package dev.gt.core.it;

import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.DatagramPacket;
import io.netty.channel.socket.nio.NioDatagramChannel;
import java.net.InetSocketAddress;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A UDP relay between QUIC clients and a server on loopback, standing for the path between them,
 * as a NAT would: each client address gets a socket of its own toward the server, so a client pool's
 * connections (one UDP socket each) stay apart. It can police the rate in each direction (packets
 * over a token bucket are dropped, as a bottleneck link would), drop packets at random (loss) and
 * give every client a new address toward the server (a rebinding).
 */
final class UdpRelay implements AutoCloseable {
    private final EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
    private final InetSocketAddress target;
    private final Channel front;
    /** The socket toward the server of each client address. */
    private final Map<InetSocketAddress, ChannelFuture> bindings = new ConcurrentHashMap<>();
    private final Policer up = new Policer();
    private final Policer down = new Policer();
    private volatile double loss;
    final AtomicLong dropped = new AtomicLong();

    UdpRelay(InetSocketAddress target) {
        this.target = target;
        this.front = bind(new SimpleChannelInboundHandler<DatagramPacket>() {
            @Override
            protected void channelRead0(ChannelHandlerContext ctx, DatagramPacket p) {
                if (!pass(up, p)) {
                    return;
                }
                DatagramPacket out = new DatagramPacket(p.content().retain(), UdpRelay.this.target);
                ChannelFuture back = binding(p.sender());
                if (back.isDone()) {
                    send(back, out);
                } else {
                    back.addListener(f -> send(back, out));
                }
            }
        }).syncUninterruptibly().channel();
    }

    private static void send(ChannelFuture back, DatagramPacket out) {
        if (back.isSuccess()) {
            back.channel().writeAndFlush(out);
        } else {
            out.release();
        }
    }

    /** The client's socket toward the server, bound on first use (on the relay's one loop). */
    private ChannelFuture binding(InetSocketAddress client) {
        return bindings.computeIfAbsent(client, c -> bind(new SimpleChannelInboundHandler<DatagramPacket>() {
            @Override
            protected void channelRead0(ChannelHandlerContext ctx, DatagramPacket p) {
                if (pass(down, p)) {
                    front.writeAndFlush(new DatagramPacket(p.content().retain(), c));
                }
            }
        }));
    }

    private ChannelFuture bind(SimpleChannelInboundHandler<DatagramPacket> handler) {
        return new Bootstrap().group(group).channel(NioDatagramChannel.class)
                .option(ChannelOption.SO_RCVBUF, 4 << 20).option(ChannelOption.SO_SNDBUF, 4 << 20)
                .handler(handler).bind(new InetSocketAddress("127.0.0.1", 0));
    }

    private boolean pass(Policer policer, DatagramPacket p) {
        double p0 = loss;
        if (p0 > 0 && ThreadLocalRandom.current().nextDouble() < p0
                || !policer.allow(p.content().readableBytes())) {
            dropped.incrementAndGet();
            return false;
        }
        return true;
    }

    /** Forgets every client's binding, as a NAT whose mappings expired: the next packets get new ones. */
    void rebind() {
        group.submit(() -> {
            bindings.values().forEach(f -> f.channel().close());
            bindings.clear();
        }).syncUninterruptibly();
    }

    /** Where the clients send. */
    InetSocketAddress address() {
        return (InetSocketAddress) front.localAddress();
    }

    /** Polices both directions to {@code bytesPerSecond}; 0 = unlimited. */
    void limit(long bytesPerSecond) {
        up.rate(bytesPerSecond);
        down.rate(bytesPerSecond);
    }

    /** Drops each datagram, either way, with probability {@code p} (0 = none). */
    void loss(double p) {
        loss = p;
    }

    @Override
    public void close() {
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
    }

    /** A token bucket that drops what exceeds the rate (burst: 50 ms of it, at least 16 KiB). */
    private static final class Policer {
        private long rate;
        private double tokens;
        private long last = System.nanoTime();

        synchronized void rate(long bytesPerSecond) {
            rate = bytesPerSecond;
            tokens = burst();
            last = System.nanoTime();
        }

        private double burst() {
            return Math.max(16 * 1024, rate / 20.0);
        }

        synchronized boolean allow(int n) {
            if (rate <= 0) {
                return true;
            }
            long now = System.nanoTime();
            tokens = Math.min(burst(), tokens + (now - last) * rate / 1e9);
            last = now;
            if (tokens < n) {
                return false;
            }
            tokens -= n;
            return true;
        }
    }
}

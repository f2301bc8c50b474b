package dev.gt.core.it;

import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.DatagramPacket;
import io.netty.channel.socket.nio.NioDatagramChannel;
import java.net.InetSocketAddress;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A UDP relay between a QUIC client and server on loopback, standing for the path between them: it
 * can police the rate in each direction (packets over a token bucket are dropped, as a bottleneck
 * link would) and change its source address toward the server (a NAT rebinding).
 */
final class UdpRelay implements AutoCloseable {
    private final EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
    private final InetSocketAddress target;
    private final Channel front;
    private volatile Channel back;
    private volatile InetSocketAddress client;
    private final Policer up = new Policer();
    private final Policer down = new Policer();
    final AtomicLong dropped = new AtomicLong();

    UdpRelay(InetSocketAddress target) throws InterruptedException {
        this.target = target;
        this.front = new Bootstrap().group(group).channel(NioDatagramChannel.class)
                .option(io.netty.channel.ChannelOption.SO_RCVBUF, 4 << 20)
                .option(io.netty.channel.ChannelOption.SO_SNDBUF, 4 << 20)
                .handler(new SimpleChannelInboundHandler<DatagramPacket>() {
                    @Override
                    protected void channelRead0(ChannelHandlerContext ctx, DatagramPacket p) {
                        client = p.sender();
                        if (up.allow(p.content().readableBytes())) {
                            back.writeAndFlush(new DatagramPacket(p.content().retain(), UdpRelay.this.target));
                        } else {
                            dropped.incrementAndGet();
                        }
                    }
                }).bind(new InetSocketAddress("127.0.0.1", 0)).sync().channel();
        this.back = newBack();
    }

    private Channel newBack() throws InterruptedException {
        return new Bootstrap().group(group).channel(NioDatagramChannel.class)
                .option(io.netty.channel.ChannelOption.SO_RCVBUF, 4 << 20)
                .option(io.netty.channel.ChannelOption.SO_SNDBUF, 4 << 20)
                .handler(new SimpleChannelInboundHandler<DatagramPacket>() {
                    @Override
                    protected void channelRead0(ChannelHandlerContext ctx, DatagramPacket p) {
                        InetSocketAddress c = client;
                        if (c != null && ctx.channel() == back && down.allow(p.content().readableBytes())) {
                            front.writeAndFlush(new DatagramPacket(p.content().retain(), c));
                        } else {
                            dropped.incrementAndGet();
                        }
                    }
                }).bind(new InetSocketAddress("127.0.0.1", 0)).sync().channel();
    }

    /** Where the client sends. */
    InetSocketAddress address() {
        return (InetSocketAddress) front.localAddress();
    }

    /** The address the server sees packets come from now. */
    InetSocketAddress sourceTowardServer() {
        return (InetSocketAddress) back.localAddress();
    }

    /** Polices both directions to {@code bytesPerSecond}; 0 = unlimited. */
    void limit(long bytesPerSecond) {
        up.rate(bytesPerSecond);
        down.rate(bytesPerSecond);
    }

    /** Sends toward the server from a new port from now on, as a NAT that rebinds. */
    void rebind() throws InterruptedException {
        Channel old = back;
        back = newBack();
        old.close().sync();
    }

    @Override
    public void close() {
        group.shutdownGracefully(0, 1, java.util.concurrent.TimeUnit.SECONDS).syncUninterruptibly();
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

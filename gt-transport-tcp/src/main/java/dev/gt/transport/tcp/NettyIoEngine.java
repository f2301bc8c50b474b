package dev.gt.transport.tcp;

import dev.gt.api.spi.IoEngine;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFactory;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.IoHandlerFactory;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.ServerChannel;
import io.netty.channel.socket.DatagramChannel;
import io.netty.util.concurrent.DefaultThreadFactory;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/** An {@link IoEngine} over one of Netty's I/O handlers. */
final class NettyIoEngine implements IoEngine {
    private final String name;
    private final EventLoopGroup group;
    private final ChannelFactory<? extends ServerChannel> serverFactory;
    private final ChannelFactory<? extends Channel> socketFactory;
    private final ChannelFactory<? extends DatagramChannel> datagramFactory;
    private final ChannelOption<Boolean> reusePortOption;
    private final boolean canMoveChannels;
    private final boolean canSegmentDatagrams;
    private CompletableFuture<Void> shutdown;

    NettyIoEngine(String name, IoHandlerFactory ioHandlerFactory, int threads, String threadNamePrefix,
            ChannelFactory<? extends ServerChannel> serverFactory, ChannelFactory<? extends Channel> socketFactory,
            ChannelFactory<? extends DatagramChannel> datagramFactory, ChannelOption<Boolean> reusePortOption,
            boolean canMoveChannels, boolean canSegmentDatagrams) {
        if (threads < 1) {
            throw new IllegalArgumentException("threads: " + threads + " (expected >= 1)");
        }
        this.name = name;
        // Daemon threads: an embedding application that forgets close() must still be able to exit.
        this.group = new MultiThreadIoEventLoopGroup(threads,
                new DefaultThreadFactory(threadNamePrefix + "-" + name, true), ioHandlerFactory);
        this.serverFactory = serverFactory;
        this.socketFactory = socketFactory;
        this.datagramFactory = datagramFactory;
        this.reusePortOption = reusePortOption;
        this.canMoveChannels = canMoveChannels;
        this.canSegmentDatagrams = canSegmentDatagrams;
    }

    @Override
    public boolean canSegmentDatagrams() {
        return canSegmentDatagrams;
    }

    @Override
    public boolean canMoveChannels() {
        return canMoveChannels;
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public EventLoopGroup group() {
        return group;
    }

    @Override
    public ChannelFactory<? extends ServerChannel> serverChannelFactory() {
        return serverFactory;
    }

    @Override
    public ChannelFactory<? extends Channel> socketChannelFactory() {
        return socketFactory;
    }

    @Override
    public ChannelFactory<? extends DatagramChannel> datagramChannelFactory() {
        return datagramFactory;
    }

    @Override
    public ChannelOption<Boolean> reusePortOption() {
        return reusePortOption;
    }

    @Override
    public synchronized CompletableFuture<Void> shutdown() {
        if (shutdown == null) {
            CompletableFuture<Void> f = new CompletableFuture<>();
            group.shutdownGracefully(0, 5, TimeUnit.SECONDS).addListener(done -> f.complete(null));
            shutdown = f;
        }
        return shutdown;
    }

    @Override
    public void close() {
        shutdown().join();
    }

    @Override
    public String toString() {
        return name;
    }
}

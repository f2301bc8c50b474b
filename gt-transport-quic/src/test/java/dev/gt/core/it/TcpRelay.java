package dev.gt.core.it;

import io.netty.bootstrap.Bootstrap;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.handler.traffic.GlobalTrafficShapingHandler;
import java.net.InetSocketAddress;

/**
 * A TCP relay between a GT client and server on loopback, standing for the path between them: its
 * rate in each direction can be shaped (reads from either side slow down, as behind a bottleneck).
 */
final class TcpRelay implements AutoCloseable {
    private final EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
    private final GlobalTrafficShapingHandler shaper = new GlobalTrafficShapingHandler(group, 0, 0, 50);
    private final Channel listener;

    TcpRelay(InetSocketAddress target) throws InterruptedException {
        listener = new ServerBootstrap().group(group).channel(NioServerSocketChannel.class)
                .childOption(ChannelOption.AUTO_READ, false)
                .childHandler(new ChannelInitializer<Channel>() {
                    @Override
                    protected void initChannel(Channel front) {
                        front.pipeline().addLast(shaper);
                        new Bootstrap().group(front.eventLoop()).channel(NioSocketChannel.class)
                                .option(ChannelOption.AUTO_READ, false)
                                .handler(new Pipe(front))
                                .connect(target).addListener((ChannelFuture f) -> {
                                    if (!f.isSuccess()) {
                                        front.close();
                                        return;
                                    }
                                    front.pipeline().addLast(new Pipe(f.channel()));
                                    front.config().setAutoRead(true);
                                    f.channel().config().setAutoRead(true);
                                });
                    }
                }).bind(new InetSocketAddress("127.0.0.1", 0)).sync().channel();
    }

    InetSocketAddress address() {
        return (InetSocketAddress) listener.localAddress();
    }

    /** Shapes both directions to {@code bytesPerSecond}; 0 = unlimited. */
    void limit(long bytesPerSecond) {
        shaper.configure(bytesPerSecond, bytesPerSecond);
    }

    @Override
    public void close() {
        shaper.release();
        group.shutdownGracefully(0, 1, java.util.concurrent.TimeUnit.SECONDS).syncUninterruptibly();
    }

    /** Copies what one side reads to the other, reading only while the other can take it. */
    private static final class Pipe extends ChannelInboundHandlerAdapter {
        private final Channel to;

        Pipe(Channel to) {
            this.to = to;
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            to.writeAndFlush(msg).addListener(f -> {
                if (!f.isSuccess()) {
                    ctx.close();
                }
            });
            if (!to.isWritable()) {
                ctx.channel().config().setAutoRead(false);
            }
        }

        @Override
        public void channelWritabilityChanged(ChannelHandlerContext ctx) {
            // This side drained: the other may read again.
            if (ctx.channel().isWritable()) {
                to.config().setAutoRead(true);
            }
            ctx.fireChannelWritabilityChanged();
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) {
            to.close();
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            ctx.close();
        }
    }
}

package dev.gt.runner;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.util.concurrent.DefaultThreadFactory;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;

/**
 * The little HTTP/1.1 service behind the demo's tunnel: answers every request with 200 and a text
 * that echoes the method, path and Host header it received, so the visitor can see that the request
 * went through GT (and which Host the service saw).
 */
final class DemoHttpService implements AutoCloseable {
    /** First line of every answer; the demo's self-check looks for it. */
    static final String GREETING = "Hello from the demo service, reached through the GT tunnel!";

    private final EventLoopGroup group;
    private final Channel channel;

    private DemoHttpService(EventLoopGroup group, Channel channel) {
        this.group = group;
        this.channel = channel;
    }

    /** Binds to {@code host} on a free port. */
    static DemoHttpService start(String host) throws InterruptedException {
        // Daemon threads: a failed demo must not keep the JVM alive.
        EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, new DefaultThreadFactory("gt-demo-http", true),
                NioIoHandler.newFactory());
        try {
            Channel ch = new ServerBootstrap()
                    .group(group)
                    .channel(NioServerSocketChannel.class)
                    .childHandler(new ChannelInitializer<SocketChannel>() {
                        @Override
                        protected void initChannel(SocketChannel ch) {
                            ch.pipeline().addLast(new HttpServerCodec(), new HttpObjectAggregator(64 * 1024),
                                    new Answer());
                        }
                    })
                    .bind(host, 0).sync().channel();
            return new DemoHttpService(group, ch);
        } catch (InterruptedException | RuntimeException e) {
            group.shutdownGracefully(0, 0, TimeUnit.SECONDS);
            throw e;
        }
    }

    /** The bound address. */
    InetSocketAddress address() {
        return (InetSocketAddress) channel.localAddress();
    }

    @Override
    public void close() {
        channel.close().syncUninterruptibly();
        group.shutdownGracefully(0, 2, TimeUnit.SECONDS).syncUninterruptibly();
    }

    private static final class Answer extends SimpleChannelInboundHandler<FullHttpRequest> {
        @Override
        protected void channelRead0(ChannelHandlerContext ctx, FullHttpRequest req) {
            if (!req.decoderResult().isSuccess()) {
                respond(ctx, HttpResponseStatus.BAD_REQUEST, "Bad request: " + req.decoderResult().cause() + "\n",
                        false);
                return;
            }
            String host = req.headers().get(HttpHeaderNames.HOST);
            String body = GREETING + "\n"
                    + "method: " + req.method() + "\n"
                    + "path:   " + req.uri() + "\n"
                    + "host:   " + (host == null ? "(none)" : host) + "\n";
            respond(ctx, HttpResponseStatus.OK, body, HttpUtil.isKeepAlive(req));
        }

        private static void respond(ChannelHandlerContext ctx, HttpResponseStatus status, String text,
                boolean keepAlive) {
            ByteBuf content = Unpooled.copiedBuffer(text, StandardCharsets.UTF_8);
            FullHttpResponse resp = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, status, content);
            resp.headers().set(HttpHeaderNames.CONTENT_TYPE, "text/plain; charset=utf-8");
            HttpUtil.setContentLength(resp, content.readableBytes());
            HttpUtil.setKeepAlive(resp, keepAlive);
            ChannelFuture f = ctx.writeAndFlush(resp);
            if (!keepAlive) {
                f.addListener(ChannelFutureListener.CLOSE);
            }
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            // A visitor that vanished mid-request is routine for a demo; there is nobody to tell.
            ctx.close();
        }
    }
}

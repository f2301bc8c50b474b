package dev.gt.core.it;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.nio.NioIoHandler;
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
import io.netty.handler.codec.http.QueryStringDecoder;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketServerProtocolHandler;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;

/**
 * A local HTTP service for tests: {@code /echo} returns the request body, {@code /bytes?n=N}
 * returns N bytes of a fixed pattern, {@code /delay?ms=N} answers "delayed N" after N ms (a slow
 * service), {@code /ws} is a WebSocket echo, anything else returns "ok METHOD PATH host=HOST".
 */
public final class Backend implements AutoCloseable {
    private final EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
    private final Channel server;

    public Backend() {
        server = new ServerBootstrap().group(group).channel(NioServerSocketChannel.class)
                .childHandler(new ChannelInitializer<Channel>() {
                    @Override
                    protected void initChannel(Channel ch) {
                        ch.pipeline().addLast(new HttpServerCodec(), new HttpObjectAggregator(200 << 20),
                                new WebSocketServerProtocolHandler("/ws"), new Handler(),
                                new SimpleChannelInboundHandler<TextWebSocketFrame>() {
                                    @Override
                                    protected void channelRead0(ChannelHandlerContext ctx, TextWebSocketFrame f) {
                                        ctx.writeAndFlush(new TextWebSocketFrame("echo:" + f.text()));
                                    }
                                });
                    }
                }).bind("127.0.0.1", 0).syncUninterruptibly().channel();
    }

    public int port() {
        return ((InetSocketAddress) server.localAddress()).getPort();
    }

    public String url() {
        return "http://127.0.0.1:" + port();
    }

    /** The byte at offset {@code i} of {@code /bytes} responses. */
    public static byte pattern(long i) {
        return (byte) ((i * 31 + (i >>> 8)) & 0xFF);
    }

    private static final class Handler extends SimpleChannelInboundHandler<FullHttpRequest> {
        @Override
        protected void channelRead0(ChannelHandlerContext ctx, FullHttpRequest req) {
            QueryStringDecoder q = new QueryStringDecoder(req.uri());
            boolean keepAlive = HttpUtil.isKeepAlive(req);
            if (q.path().equals("/delay")) {
                long ms = Long.parseLong(q.parameters().get("ms").get(0));
                // The answer is made when it is due: nothing to release if the loop shuts down first.
                ctx.executor().schedule(() -> send(ctx, Unpooled.copiedBuffer("delayed " + ms, StandardCharsets.UTF_8),
                        keepAlive), ms, java.util.concurrent.TimeUnit.MILLISECONDS);
                return;
            }
            ByteBuf body;
            if (q.path().equals("/echo")) {
                body = req.content().retain();
            } else if (q.path().equals("/bytes")) {
                int n = Integer.parseInt(q.parameters().get("n").get(0));
                body = Unpooled.buffer(n);
                for (int i = 0; i < n; i++) {
                    body.writeByte(pattern(i));
                }
            } else {
                body = Unpooled.copiedBuffer("ok " + req.method() + " " + req.uri() + " host="
                        + req.headers().get(HttpHeaderNames.HOST), StandardCharsets.UTF_8);
            }
            send(ctx, body, keepAlive);
        }

        private static void send(ChannelHandlerContext ctx, ByteBuf body, boolean keepAlive) {
            FullHttpResponse res = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK, body);
            res.headers().set(HttpHeaderNames.CONTENT_LENGTH, body.readableBytes());
            if (!keepAlive) {
                res.headers().set(HttpHeaderNames.CONNECTION, "close");
            }
            var f = ctx.writeAndFlush(res);
            if (!keepAlive) {
                f.addListener(ChannelFutureListener.CLOSE);
            }
        }
    }

    @Override
    public void close() {
        server.close().syncUninterruptibly();
        group.shutdownGracefully(0, 1, java.util.concurrent.TimeUnit.SECONDS).syncUninterruptibly();
    }
}

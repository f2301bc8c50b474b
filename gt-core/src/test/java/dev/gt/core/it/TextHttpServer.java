package dev.gt.core.it;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A tiny named HTTP service, so a test can tell which backend answered: every request gets
 * 200 "{@code name} METHOD URI host=HOST". Usable as a local service or, through
 * {@link #handler(String)}, as an in-process handler service.
 */
final class TextHttpServer extends TcpFixture {
    private final AtomicInteger requests = new AtomicInteger();

    TextHttpServer(String name) {
        bind(handler(name, requests));
    }

    /** The {@code -local} URL. */
    @Override
    public String url() {
        return "http://127.0.0.1:" + port();
    }

    int requests() {
        return requests.get();
    }

    /** A fresh pipeline initializer answering like the server, for in-process services. */
    static ChannelInitializer<Channel> handler(String name) {
        return handler(name, new AtomicInteger());
    }

    private static ChannelInitializer<Channel> handler(String name, AtomicInteger counter) {
        return new ChannelInitializer<>() {
            @Override
            protected void initChannel(Channel ch) {
                ch.pipeline().addLast(new HttpServerCodec(), new HttpObjectAggregator(1 << 20),
                        new SimpleChannelInboundHandler<FullHttpRequest>() {
                            @Override
                            protected void channelRead0(ChannelHandlerContext ctx, FullHttpRequest req) {
                                counter.incrementAndGet();
                                ByteBuf body = Unpooled.copiedBuffer(name + " " + req.method() + " " + req.uri()
                                        + " host=" + req.headers().get(HttpHeaderNames.HOST), StandardCharsets.UTF_8);
                                FullHttpResponse res = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1,
                                        HttpResponseStatus.OK, body);
                                res.headers().set(HttpHeaderNames.CONTENT_LENGTH, body.readableBytes());
                                res.headers().set(HttpHeaderNames.CONTENT_TYPE, "text/plain; charset=utf-8");
                                boolean keepAlive = HttpUtil.isKeepAlive(req);
                                if (!keepAlive) {
                                    res.headers().set(HttpHeaderNames.CONNECTION, "close");
                                }
                                var f = ctx.writeAndFlush(res);
                                if (!keepAlive) {
                                    f.addListener(ChannelFutureListener.CLOSE);
                                }
                            }

                            @Override
                            public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
                                ctx.close();
                            }
                        });
            }
        };
    }
}

package dev.gt.runner.ops;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
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
import io.netty.handler.ssl.SslContext;
import io.netty.handler.timeout.IdleStateEvent;
import io.netty.handler.timeout.IdleStateHandler;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A small HTTP/1.1 server on Netty for the status API and the dashboard: requests of at most
 * 64 KiB, answered by a {@link Handler} that may answer later (a self-test takes a while), on a
 * loop group of the runner's own, never on the tunnels' loops.
 */
public final class HttpEndpoint implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(HttpEndpoint.class);
    private static final int MAX_REQUEST = 64 * 1024;

    /** An answer. */
    public record Response(HttpResponseStatus status, String contentType, byte[] body, Map<String, String> headers) {
        /** A response with a text body. */
        public static Response text(HttpResponseStatus status, String contentType, String body) {
            return new Response(status, contentType, body.getBytes(StandardCharsets.UTF_8), Map.of());
        }

        /** A JSON response. */
        public static Response json(HttpResponseStatus status, String json) {
            return text(status, "application/json; charset=utf-8", json);
        }

        /** This response with one more header. */
        public Response with(String name, String value) {
            Map<String, String> h = new LinkedHashMap<>(headers);
            h.put(name, value);
            return new Response(status, contentType, body, h);
        }
    }

    /** Answers requests; called on the endpoint's loop, must not block. */
    @FunctionalInterface
    public interface Handler {
        /**
         * @param request the request (released after the returned future completes)
         * @param remote the peer's address
         * @param secure whether it came over TLS
         */
        CompletableFuture<Response> handle(FullHttpRequest request, InetSocketAddress remote, boolean secure);
    }

    private final String name;
    private final EventLoopGroup group;
    private final SslContext tls;
    private final Handler handler;
    private volatile Channel channel;

    /**
     * @param name what the endpoint is, for the log ({@code -apiAddr})
     * @param tls a server TLS context, or {@code null} for plain HTTP
     */
    public HttpEndpoint(String name, EventLoopGroup group, SslContext tls, Handler handler) {
        this.name = name;
        this.group = group;
        this.tls = tls;
        this.handler = handler;
    }

    /** Binds; completes with the bound address, or fails with a message naming the option. */
    public CompletableFuture<InetSocketAddress> start(InetSocketAddress address) {
        CompletableFuture<InetSocketAddress> bound = new CompletableFuture<>();
        new ServerBootstrap().group(group).channel(NioServerSocketChannel.class)
                .childHandler(new ChannelInitializer<Channel>() {
                    @Override
                    protected void initChannel(Channel ch) {
                        if (tls != null) {
                            ch.pipeline().addLast(tls.newHandler(ch.alloc()));
                        }
                        ch.pipeline().addLast(new IdleStateHandler(0, 0, 60, TimeUnit.SECONDS),
                                new HttpServerCodec(8192, 16 * 1024, 8192),
                                new HttpObjectAggregator(MAX_REQUEST), new Dispatch());
                    }
                }).bind(address).addListener((ChannelFuture f) -> {
                    if (f.isSuccess()) {
                        channel = f.channel();
                        bound.complete((InetSocketAddress) f.channel().localAddress());
                    } else {
                        bound.completeExceptionally(new IllegalStateException("cannot listen on " + name + " "
                                + address.getHostString() + ":" + address.getPort() + ": " + f.cause().getMessage(),
                                f.cause()));
                    }
                });
        return bound;
    }

    /** The bound address, or {@code null}. */
    public InetSocketAddress address() {
        Channel c = channel;
        return c == null ? null : (InetSocketAddress) c.localAddress();
    }

    @Override
    public void close() {
        Channel c = channel;
        if (c != null) {
            c.close().syncUninterruptibly();
        }
    }

    private final class Dispatch extends SimpleChannelInboundHandler<FullHttpRequest> {
        Dispatch() {
            super(false);
        }

        @Override
        protected void channelRead0(ChannelHandlerContext ctx, FullHttpRequest req) {
            boolean keepAlive = HttpUtil.isKeepAlive(req);
            if (!req.decoderResult().isSuccess()) {
                req.release();
                send(ctx, Response.text(HttpResponseStatus.BAD_REQUEST, "text/plain", "bad request\n"), false);
                return;
            }
            CompletableFuture<Response> answer;
            try {
                answer = handler.handle(req, (InetSocketAddress) ctx.channel().remoteAddress(), tls != null);
            } catch (RuntimeException e) {
                answer = CompletableFuture.failedFuture(e);
            }
            answer.whenComplete((r, e) -> {
                req.release();
                ctx.executor().execute(() -> {
                    if (e != null) {
                        log.error("{}: {} {} failed: {}", name, req.method(), req.uri(), e.toString());
                        send(ctx, Response.json(HttpResponseStatus.INTERNAL_SERVER_ERROR,
                                "{\"error\":\"internal error\"}"), keepAlive);
                    } else {
                        send(ctx, r, keepAlive);
                    }
                });
            });
        }

        @Override
        public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
            if (evt instanceof IdleStateEvent) {
                ctx.close();
            }
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            log.debug("{}: connection from {} failed: {}", name, ctx.channel().remoteAddress(), cause.toString());
            ctx.close();
        }
    }

    private static void send(ChannelHandlerContext ctx, Response r, boolean keepAlive) {
        FullHttpResponse res = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, r.status(),
                Unpooled.wrappedBuffer(r.body()));
        res.headers().set(HttpHeaderNames.CONTENT_TYPE, r.contentType());
        res.headers().set(HttpHeaderNames.CONTENT_LENGTH, r.body().length);
        res.headers().set("X-Content-Type-Options", "nosniff");
        r.headers().forEach((k, v) -> res.headers().set(k, v));
        if (keepAlive) {
            HttpUtil.setKeepAlive(res, true);
            ctx.writeAndFlush(res);
        } else {
            ctx.writeAndFlush(res).addListener(ChannelFutureListener.CLOSE);
        }
    }
}

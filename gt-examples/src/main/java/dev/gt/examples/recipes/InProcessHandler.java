package dev.gt.examples.recipes;

import dev.gt.api.ServiceKind;
import dev.gt.api.ServiceSpec;
import dev.gt.core.GtClient;
import dev.gt.core.GtServer;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpUtil;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;

/**
 * A client that serves HTTP from a Netty pipeline inside its own process: each visitor stream is
 * handed to a {@link ChannelInitializer}, with no local socket or port in between.
 */
public final class InProcessHandler {
    /** An HTTP service whose every stream gets an HTTP/1.1 codec and a handler that greets. */
    public static ServiceSpec helloService() {
        return ServiceSpec.handler(ServiceKind.HTTP, new ChannelInitializer<Channel>() {
            @Override
            protected void initChannel(Channel ch) {
                ch.pipeline().addLast(new HttpServerCodec(), new HttpObjectAggregator(64 * 1024),
                        new SimpleChannelInboundHandler<FullHttpRequest>() {
                            @Override
                            protected void channelRead0(ChannelHandlerContext ctx, FullHttpRequest request) {
                                ByteBuf body = Unpooled.copiedBuffer("Hello from a Netty handler in the GT client, "
                                        + request.method() + " " + request.uri() + "\n", StandardCharsets.UTF_8);
                                DefaultFullHttpResponse response = new DefaultFullHttpResponse(
                                        request.protocolVersion(), HttpResponseStatus.OK, body);
                                HttpUtil.setContentLength(response, body.readableBytes());
                                boolean keepAlive = HttpUtil.isKeepAlive(request);
                                HttpUtil.setKeepAlive(response, keepAlive);
                                ctx.writeAndFlush(response).addListener(keepAlive ? ChannelFutureListener.CLOSE_ON_FAILURE
                                        : ChannelFutureListener.CLOSE);
                            }
                        });
            }
        }).build();
    }

    /** Starts a client with id {@code id} that offers {@link #helloService()} through {@code server}. */
    public static GtClient start(InetSocketAddress server, String id, String secret) {
        return GtClient.builder().id(id).secret(secret)
                .server("tcp://" + server.getHostString() + ":" + server.getPort())
                .service(helloService())
                .build().start().join();
    }

    public static void main(String[] args) throws InterruptedException {
        GtServer server = GtServer.builder().listenAddress("127.0.0.1:8080").user("hello", "hello-secret").build();
        server.closeOnJvmShutdown().start().join();
        start(server.listenAddress(), "hello", "hello-secret").closeOnJvmShutdown();
        System.out.println("Try: curl -H 'Host: hello' http://127.0.0.1:8080/   (Ctrl-C stops)");
        server.awaitTermination();
    }
}

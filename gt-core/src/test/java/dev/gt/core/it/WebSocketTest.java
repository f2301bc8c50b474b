package dev.gt.core.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;

import dev.gt.api.ServiceSpec;
import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.HttpClientCodec;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.websocketx.CloseWebSocketFrame;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketClientHandshaker;
import io.netty.handler.codec.http.websocketx.WebSocketClientHandshakerFactory;
import io.netty.handler.codec.http.websocketx.WebSocketClientProtocolHandler;
import io.netty.handler.codec.http.websocketx.WebSocketVersion;
import java.net.URI;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** A WebSocket upgrade is routed by its Host header, then frames flow both ways as plain bytes. */
@Timeout(30)
class WebSocketTest {
    @Test
    void webSocketMessagesAreEchoedThroughTheTunnel() throws Exception {
        EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
        try (Backend backend = new Backend();
                GtPair gt = GtPair.start(s -> { }, c -> c.service(ServiceSpec.local(backend.url()).build()))) {
            WebSocketClientHandshaker handshaker = WebSocketClientHandshakerFactory.newHandshaker(
                    new URI("ws://id1.example.com/ws"), WebSocketVersion.V13, null, false, new DefaultHttpHeaders());
            CompletableFuture<Void> handshaken = new CompletableFuture<>();
            BlockingQueue<String> received = new LinkedBlockingQueue<>();
            Channel ch = new Bootstrap().group(group).channel(NioSocketChannel.class)
                    .handler(new ChannelInitializer<Channel>() {
                        @Override
                        protected void initChannel(Channel c) {
                            c.pipeline().addLast(new HttpClientCodec(), new HttpObjectAggregator(65536),
                                    new WebSocketClientProtocolHandler(handshaker),
                                    new SimpleChannelInboundHandler<TextWebSocketFrame>() {
                                        @Override
                                        public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
                                            if (evt == WebSocketClientProtocolHandler.ClientHandshakeStateEvent
                                                    .HANDSHAKE_COMPLETE) {
                                                handshaken.complete(null);
                                            }
                                            ctx.fireUserEventTriggered(evt);
                                        }

                                        @Override
                                        protected void channelRead0(ChannelHandlerContext ctx, TextWebSocketFrame f) {
                                            received.add(f.text());
                                        }

                                        @Override
                                        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
                                            handshaken.completeExceptionally(cause);
                                            ctx.close();
                                        }
                                    });
                        }
                    })
                    // Connect to the GT server; the Host header (id1.example.com) picks the client.
                    .connect(gt.addr()).sync().channel();
            handshaken.get(10, TimeUnit.SECONDS);

            String[] messages = {"hello", "", "second message", "x".repeat(60_000), "ünïcödé ✓"};
            for (String m : messages) {
                ch.writeAndFlush(new TextWebSocketFrame(m));
                String echoed = received.poll(10, TimeUnit.SECONDS);
                assertNotNull(echoed, "no echo of a message of " + m.length() + " chars");
                assertEquals("echo:" + m, echoed);
            }
            // Several in flight at once come back in order.
            for (int i = 0; i < 20; i++) {
                ch.write(new TextWebSocketFrame("burst " + i));
            }
            ch.flush();
            for (int i = 0; i < 20; i++) {
                assertEquals("echo:burst " + i, received.poll(10, TimeUnit.SECONDS));
            }
            ch.writeAndFlush(new CloseWebSocketFrame());
            ch.closeFuture().await(10, TimeUnit.SECONDS);
            ch.close().sync();
        } finally {
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS).sync();
        }
    }
}

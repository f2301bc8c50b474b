package dev.gt.core.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.gt.api.ServiceSpec;
import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.handler.ssl.SslCloseCompletionEvent;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslHandshakeCompletionEvent;
import io.netty.handler.ssl.util.InsecureTrustManagerFactory;
import io.netty.util.ReferenceCountUtil;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The error pages of HTTPS visitors on {@code -tlsAddr} (generated certificate) go through TLS:
 * the visitor's TLS stack reads a complete page, then a close_notify, never plain bytes in the
 * middle of a TLS connection (curl's "wrong version number"). The server's timeout is 60 s, so
 * an answer that only comes from a timeout fails the test.
 */
@Timeout(60)
class TlsErrorPageTest {
    private static Backend backend;
    private static GtPair gt;
    private static EventLoopGroup group;
    private static int closedPort;

    @BeforeAll
    static void start() throws Exception {
        backend = new Backend();
        group = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
        closedPort = FreePorts.closedPort();
        gt = GtPair.start(s -> s.tlsListenAddress("127.0.0.1:0").user("id2", "secret2").idleTimeout(Duration.ofSeconds(60)), c -> c
                .service(ServiceSpec.local(backend.url()).build())
                .service(ServiceSpec.local("http://127.0.0.1:" + closedPort).hostPrefix("down").build()));
    }

    @AfterAll
    static void stop() throws Exception {
        if (gt != null) {
            gt.close();
        }
        if (backend != null) {
            backend.close();
        }
        if (group != null) {
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS).sync();
        }
    }

    @Test
    void aServedRequestStillWorks() throws Exception {
        Answer a = https("id1.example.com", "GET /ok HTTP/1.1\r\nHost: id1.example.com\r\nConnection: close\r\n\r\n");
        assertEquals(200, a.response().status(), a.response().head());
        assertEquals("ok GET /ok host=id1.example.com", a.response().text());
    }

    @Test
    void unknownHostPrefixIsA404PageThenCloseNotify() throws Exception {
        Answer a = https("nobody.example.com", "GET / HTTP/1.1\r\nHost: nobody.example.com\r\n\r\n");
        assertEquals(404, a.response().status(), a.response().head());
        assertTrue(a.response().text().contains("nobody"), a.response().text());
        assertTrue(a.closeNotify(), "no close_notify after the page");
    }

    @Test
    void configuredUserWithoutAClientIsA503PageThenCloseNotify() throws Exception {
        Answer a = https("id2.example.com", "GET / HTTP/1.1\r\nHost: id2.example.com\r\n\r\n");
        assertEquals(503, a.response().status(), a.response().head());
        assertTrue(a.closeNotify(), "no close_notify after the page");
    }

    @Test
    void malformedRequestIsA400PageThenCloseNotify() throws Exception {
        Answer a = https("id1.example.com", "GARBAGE\r\n\r\n");
        assertEquals(400, a.response().status(), a.response().head());
        assertTrue(a.closeNotify(), "no close_notify after the page");
    }

    @Test
    void serviceWhoseLocalPortIsClosedIsA502PageThenCloseNotify() throws Exception {
        Answer a = https("down.example.com", "GET / HTTP/1.1\r\nHost: down.example.com\r\n\r\n");
        assertEquals(502, a.response().status(), a.response().head());
        assertTrue(a.closeNotify(), "no close_notify after the page");
    }

    /** What a TLS visitor read, and whether the connection ended with the server's close_notify. */
    record Answer(RawHttp.Response response, boolean closeNotify) {
    }

    /**
     * Connects to -tlsAddr with SNI {@code host} (trusting any certificate), sends {@code request}
     * and reads until the connection ends, through Netty's SslHandler: it tells a close_notify from
     * a bare TCP close, and fails on bytes that are not TLS.
     */
    private static Answer https(String host, String request) throws Exception {
        SslContext ssl = SslContextBuilder.forClient().trustManager(InsecureTrustManagerFactory.INSTANCE).build();
        InetSocketAddress addr = gt.server.tlsListenAddress();
        ByteArrayOutputStream got = new ByteArrayOutputStream();
        boolean[] closeNotify = {false};
        CompletableFuture<Void> ended = new CompletableFuture<>();
        Channel ch = new Bootstrap().group(group).channel(NioSocketChannel.class)
                .handler(new ChannelInitializer<Channel>() {
                    @Override
                    protected void initChannel(Channel c) {
                        c.pipeline().addLast(ssl.newHandler(c.alloc(), host, addr.getPort()),
                                new ChannelInboundHandlerAdapter() {
                                    @Override
                                    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
                                        if (evt instanceof SslHandshakeCompletionEvent e && e.isSuccess()) {
                                            ctx.writeAndFlush(Unpooled.copiedBuffer(request, StandardCharsets.ISO_8859_1));
                                        } else if (evt instanceof SslCloseCompletionEvent e && e.isSuccess()) {
                                            closeNotify[0] = true;
                                        }
                                        ctx.fireUserEventTriggered(evt);
                                    }

                                    @Override
                                    public void channelRead(ChannelHandlerContext ctx, Object msg) {
                                        ByteBuf b = (ByteBuf) msg;
                                        try {
                                            byte[] bytes = new byte[b.readableBytes()];
                                            b.readBytes(bytes);
                                            synchronized (got) {
                                                got.writeBytes(bytes);
                                            }
                                        } finally {
                                            ReferenceCountUtil.release(msg);
                                        }
                                    }

                                    @Override
                                    public void channelInactive(ChannelHandlerContext ctx) {
                                        ended.complete(null);
                                    }

                                    @Override
                                    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
                                        ended.completeExceptionally(cause);
                                        ctx.close();
                                    }
                                });
                    }
                }).connect(addr).sync().channel();
        try {
            ended.get(10, TimeUnit.SECONDS);
        } finally {
            ch.close().sync();
        }
        byte[] bytes;
        synchronized (got) {
            bytes = got.toByteArray();
        }
        try {
            return new Answer(RawHttp.read(new java.io.ByteArrayInputStream(bytes)), closeNotify[0]);
        } catch (IOException e) {
            throw new AssertionError("not an HTTP response: " + new String(bytes, StandardCharsets.ISO_8859_1), e);
        }
    }
}

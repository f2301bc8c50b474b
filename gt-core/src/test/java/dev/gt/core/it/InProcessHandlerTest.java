package dev.gt.core.it;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.gt.api.ServiceKind;
import dev.gt.api.ServiceSpec;
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
import java.io.BufferedInputStream;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** A service served by a Netty pipeline inside the client process: no local socket at all. */
@Timeout(60)
class InProcessHandlerTest {
    private static GtPair gt;

    @BeforeAll
    static void start() throws Exception {
        gt = GtPair.start(s -> { }, c -> c.service(ServiceSpec.handler(ServiceKind.HTTP, new ChannelInitializer<Channel>() {
            @Override
            protected void initChannel(Channel ch) {
                ch.pipeline().addLast(new HttpServerCodec(), new HttpObjectAggregator(1 << 20),
                        new SimpleChannelInboundHandler<FullHttpRequest>() {
                            @Override
                            protected void channelRead0(ChannelHandlerContext ctx, FullHttpRequest req) {
                                ByteBuf body = req.uri().startsWith("/echo") ? req.content().retain()
                                        : Unpooled.copiedBuffer("in-process", StandardCharsets.UTF_8);
                                FullHttpResponse res = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1,
                                        HttpResponseStatus.OK, body);
                                res.headers().set(HttpHeaderNames.CONTENT_LENGTH, body.readableBytes());
                                boolean keepAlive = HttpUtil.isKeepAlive(req);
                                if (!keepAlive) {
                                    res.headers().set(HttpHeaderNames.CONNECTION, "close");
                                }
                                var f = ctx.writeAndFlush(res);
                                if (!keepAlive) {
                                    f.addListener(ChannelFutureListener.CLOSE);
                                }
                            }
                        });
            }
        }).build()));
    }

    @AfterAll
    static void stop() {
        if (gt != null) {
            gt.close();
        }
    }

    @Test
    void handlerServiceAnswersThroughTheServer() throws Exception {
        RawHttp.Response r = RawHttp.get(gt.addr(), "id1.example.com", "/");
        assertEquals(200, r.status(), r.head() + "\n\n" + r.text());
        assertEquals("in-process", r.text());
    }

    @Test
    void handlerServiceEchoesALargeBody() throws Exception {
        byte[] body = Data.random(512 * 1024, 3);
        RawHttp.Response r = RawHttp.post(gt.addr(), "id1.example.com", "/echo", body);
        assertEquals(200, r.status(), r.head() + "\n\n" + r.text());
        Data.assertSameBytes(body, r.body(), "echoed body");
    }

    @Test
    void handlerServiceServesKeepAliveRequests() throws Exception {
        try (Socket s = new Socket()) {
            s.connect(gt.addr(), 5000);
            s.setSoTimeout(10_000);
            OutputStream out = s.getOutputStream();
            InputStream in = new BufferedInputStream(s.getInputStream());
            for (int i = 0; i < 3; i++) {
                out.write(("GET /" + i + " HTTP/1.1\r\nHost: id1.example.com\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
                out.flush();
                RawHttp.Response r = Http1.readResponse(in);
                assertEquals(200, r.status(), r.head() + "\n\n" + r.text());
                assertEquals("in-process", r.text());
            }
        }
    }

    @Test
    void manySequentialRequestsWithConnectionClose() throws Exception {
        for (int i = 0; i < 30; i++) {
            RawHttp.Response r = RawHttp.get(gt.addr(), "id1.example.com", "/n" + i);
            assertEquals(200, r.status(), "request " + i + ": " + r.head() + "\n\n" + r.text());
            assertEquals("in-process", r.text(), "request " + i);
        }
    }
}

package dev.gt.p2p;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.gt.api.spi.IoEngine;
import dev.gt.p2p.internal.Stun;
import dev.gt.p2p.internal.TurnAuth;
import dev.gt.transport.tcp.NioEngineProvider;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The entry points a host server uses: recognising STUN among other protocols on one TCP port,
 * handing such a connection to {@link StunServer#tcpHandler()}, sharing the host's engine, and
 * issuing TURN REST credentials.
 */
@Timeout(30)
class EmbeddingTest {

    @Test
    void looksLikeStunNeedsTheCookieAndEightBytes() {
        byte[] binding = TestMessage.request(Stun.BINDING).bytes();
        assertTrue(StunMessages.looksLikeStun(Unpooled.wrappedBuffer(binding)));
        assertFalse(StunMessages.looksLikeStun(Unpooled.wrappedBuffer(binding, 0, 7)), "too short to tell");
        assertFalse(StunMessages.looksLikeStun(Unpooled.copiedBuffer("GET / HTTP/1.1\r\n", StandardCharsets.US_ASCII)));
        assertFalse(StunMessages.looksLikeStun(Unpooled.wrappedBuffer(new byte[] {0x16, 3, 1, 0, 0x40, 1, 0, 0})),
                "a TLS ClientHello");
        assertFalse(StunMessages.looksLikeStun(Unpooled.wrappedBuffer(TestMessage.rfc3489Binding().bytes())),
                "no cookie: not recognisable on a shared port");
        ByteBuf offset = Unpooled.buffer();
        offset.writeBytes(new byte[3]).writeBytes(binding).skipBytes(3);
        assertTrue(StunMessages.looksLikeStun(offset), "reads from the reader index");
        assertEquals(3, offset.readerIndex());
    }

    /** A stand-in for GT's main-port sniffer: reads until it can tell, then hands STUN over or echoes. */
    private static final class Sniffer extends ChannelInboundHandlerAdapter {
        private final StunServer stun;
        private ByteBuf seen = Unpooled.buffer();

        Sniffer(StunServer stun) {
            this.stun = stun;
        }

        @Override
        public void channelActive(ChannelHandlerContext ctx) {
            ctx.read();
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            seen.writeBytes((ByteBuf) msg);
            ((ByteBuf) msg).release();
            if (seen.readableBytes() < StunMessages.bytesNeeded()) {
                ctx.read();
                return;
            }
            ByteBuf bytes = seen;
            seen = null;
            if (StunMessages.looksLikeStun(bytes)) {
                // The pattern StunServer.tcpHandler() documents: add after, fire from here, then leave.
                ctx.pipeline().addAfter(ctx.name(), "stun", stun.tcpHandler());
                ctx.fireChannelRead(bytes);
                ctx.pipeline().remove(this);
            } else {
                ctx.writeAndFlush(bytes).addListener(f -> ctx.close());
            }
        }

        @Override
        public void handlerRemoved(ChannelHandlerContext ctx) {
            if (seen != null) {
                seen.release();
                seen = null;
            }
        }
    }

    @Test
    void aHostServerHandsStunConnectionsToTheTcpHandlerOnItsOwnEngine() throws Exception {
        IoEngine host = new NioEngineProvider().create(1, "host");
        try (StunServer stun = StunServer.builder().ioEngine(host).turnUser("alice", "wonderland")
                .turnAllowPeer("127.0.0.0/8").build()) {
            assertThrows(IllegalStateException.class, stun::tcpHandler, "not started yet");
            stun.start().join();
            assertEquals(0, stun.port(), "no listener of its own");
            Channel listener = new ServerBootstrap().group(host.group()).channelFactory(host.serverChannelFactory())
                    .childOption(ChannelOption.AUTO_READ, false)
                    .childHandler(new ChannelInitializer<Channel>() {
                        @Override
                        protected void initChannel(Channel ch) {
                            ch.pipeline().addLast(new Sniffer(stun));
                        }
                    }).bind(new InetSocketAddress("127.0.0.1", 0)).sync().channel();
            InetSocketAddress port = (InetSocketAddress) listener.localAddress();
            try (TestClient c = TestClient.tcp(port)) {
                // Two messages in the first segment: the sniffer's bytes include the start of the second.
                TestMessage m1 = TestMessage.request(Stun.BINDING);
                TestMessage m2 = TestMessage.request(Stun.BINDING);
                byte[] a = m1.bytes();
                byte[] b = m2.bytes();
                byte[] both = new byte[a.length + b.length];
                System.arraycopy(a, 0, both, 0, a.length);
                System.arraycopy(b, 0, both, a.length, b.length);
                c.send(both);
                assertTrue(new TestMessage.Answer(c.receive()).answers(m1));
                assertTrue(new TestMessage.Answer(c.receive()).answers(m2));
                // TURN on the shared port, relays on the host's loop.
                TurnClient turn = new TurnClient(c, "alice", "wonderland");
                assertTrue(turn.allocate().getPort() > 0);
                assertEquals(1, stun.counters().allocations());
            }
            try (java.net.Socket other = new java.net.Socket()) {
                other.connect(port, 5000);
                other.setSoTimeout(5000);
                other.getOutputStream().write("hello, not STUN".getBytes(StandardCharsets.US_ASCII));
                assertEquals("hello, not STUN", new String(other.getInputStream().readAllBytes(),
                        StandardCharsets.US_ASCII), "other protocols stay with the host");
            }
            listener.close().sync();
        } finally {
            host.close();
        }
    }

    @Test
    void restCredentialsAreWhatTheServerAccepts() {
        Clock clock = Clock.fixed(Instant.ofEpochSecond(1_700_000_000L), ZoneOffset.UTC);
        TurnRestCredentials c = TurnRestCredentials.issue("s3cret", "client-7", Duration.ofHours(1), clock);
        assertEquals("1700003600:client-7", c.username());
        assertEquals(Instant.ofEpochSecond(1_700_003_600L), c.expiresAt());
        // printf '1700003600:client-7' | openssl dgst -sha1 -hmac s3cret -binary | base64
        assertEquals("/8VLKXehBpnRMPrJYKvbWsPOt3k=", c.password());
        assertFalse(c.toString().contains(c.password()));
        assertEquals(1_700_003_600L, TurnAuth.restExpiry(c.username()));
        assertEquals(-1, TurnAuth.restExpiry("alice"));
        assertEquals(42, TurnAuth.restExpiry("42"));
        assertThrows(IllegalArgumentException.class, () -> TurnRestCredentials.issue("", "x", Duration.ofHours(1), clock));
        assertThrows(IllegalArgumentException.class, () -> TurnRestCredentials.issue("s", "x", Duration.ZERO, clock));
    }
}

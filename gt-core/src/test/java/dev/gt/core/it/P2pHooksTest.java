package dev.gt.core.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.gt.api.IceServer;
import dev.gt.api.ServiceSpec;
import dev.gt.api.spi.SharedPortProtocol;
import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import java.io.DataInputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The hooks peer-to-peer builds on, without gt-p2p: a protocol sharing the main port (STUN/TURN
 * over TCP), STUN/TURN servers handed to clients with fresh credentials, and a client's public
 * address from a probe (a STUN query).
 */
@Timeout(30)
class P2pHooksTest {
    /** Recognises 8-byte messages starting with 0x00 and echoes whatever comes. */
    private static final class EchoProtocol implements SharedPortProtocol {
        final AtomicInteger takenOver = new AtomicInteger();

        @Override
        public String name() {
            return "echo";
        }

        @Override
        public int bytesNeeded() {
            return 8;
        }

        @Override
        public boolean matches(ByteBuf firstBytes) {
            return firstBytes.getByte(firstBytes.readerIndex()) == 0;
        }

        @Override
        public ChannelHandler newHandler() {
            takenOver.incrementAndGet();
            return new ChannelInboundHandlerAdapter() {
                @Override
                public void handlerAdded(ChannelHandlerContext ctx) {
                    ctx.channel().config().setAutoRead(true);
                }

                @Override
                public void channelRead(ChannelHandlerContext ctx, Object msg) {
                    ctx.writeAndFlush(msg);
                }
            };
        }
    }

    @Test
    void aProtocolSharingTheMainPortGetsItsConnectionsAndHttpAndTunnelsGoOn() throws Exception {
        EchoProtocol echo = new EchoProtocol();
        try (TextHttpServer backend = new TextHttpServer("web");
                GtPair gt = GtPair.start(s -> s.sharedPortProtocol(echo),
                        c -> c.service(ServiceSpec.local(backend.url()).build()))) {
            try (Socket s = new Socket()) {
                s.connect(gt.addr(), 5000);
                s.setSoTimeout(10_000);
                // Split in two writes: the sniffer waits for the 8 bytes it needs to decide.
                s.getOutputStream().write(new byte[] {0, 1, 2});
                s.getOutputStream().flush();
                s.getOutputStream().write(new byte[] {3, 4, 5, 6, 7, 8, 9});
                byte[] back = new byte[10];
                new DataInputStream(s.getInputStream()).readFully(back);
                assertEquals(9, back[9]);
                assertEquals(0, back[0]);
            }
            assertEquals(1, echo.takenOver.get());
            RawHttp.Response r = RawHttp.get(gt.addr(), "id1.example.com", "/");
            assertEquals(200, r.status(), "HTTP visitors are not offered to it: their first byte is a letter");
            assertEquals(1, echo.takenOver.get());
        }
    }

    @Test
    void theServerHandsItsClientsIceServersWithFreshCredentials() throws Exception {
        AtomicInteger asked = new AtomicInteger();
        try (TextHttpServer backend = new TextHttpServer("web");
                GtPair gt = GtPair.start(s -> s.iceServers((id, seen) -> {
                    asked.incrementAndGet();
                    String host = seen.getAddress().getHostAddress();
                    return List.of(new IceServer(List.of("stun:" + host + ":3478"), "", "", Instant.MAX),
                            new IceServer(List.of("turn:" + host + ":3478?transport=udp"), "1700000000:" + id,
                                    "c2VjcmV0", Instant.now().plus(Duration.ofHours(1))));
                }), c -> c.service(ServiceSpec.local(backend.url()).build()))) {
            Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> gt.client.state().iceServers().size() == 2);
            List<IceServer> got = gt.client.state().iceServers();
            assertEquals(List.of("stun:127.0.0.1:3478"), got.get(0).urls());
            assertEquals("1700000000:id1", got.get(1).username());
            assertEquals("c2VjcmV0", got.get(1).credential());
            assertFalse(got.get(1).toString().contains("c2VjcmV0"), "a credential is never printed");
            assertTrue(asked.get() >= 1);
        }
    }

    @Test
    void aClientLearnsItsPublicAddressFromItsProbe() throws Exception {
        InetSocketAddress reflexive = new InetSocketAddress("203.0.113.7", 40000);
        try (TextHttpServer backend = new TextHttpServer("web");
                GtPair gt = GtPair.start(s -> { }, c -> c.publicAddressProbe(
                        () -> CompletableFuture.completedFuture(reflexive))
                        .service(ServiceSpec.local(backend.url()).build()))) {
            Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> reflexive.equals(gt.client.state().publicAddress()));
        }
    }
}

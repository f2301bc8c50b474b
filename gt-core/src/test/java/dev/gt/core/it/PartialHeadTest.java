package dev.gt.core.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.gt.api.GtEvent;
import dev.gt.api.ServiceSpec;
import dev.gt.core.GtServer;
import java.io.InputStream;
import java.net.Socket;
import java.net.SocketException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * GT's TestInCompleteHTTPReqToServer: a visitor that sends "GET " and goes silent is dropped when
 * the server's timeout expires, without disturbing the tunnel or other visitors. A visitor that
 * ends its side before its head (or ClientHello) is complete is closed at once, not at the timeout.
 */
@Timeout(30)
class PartialHeadTest {
    @Test
    void silentVisitorWithAPartialHeadIsClosedAndTheTunnelIsUntouched() throws Exception {
        try (Backend backend = new Backend();
                GtPair gt = GtPair.start(s -> s.idleTimeout(Duration.ofSeconds(1)),
                        c -> c.service(ServiceSpec.local(backend.url()).build()))) {
            List<String> before = ErrorPageTest.identities(gt.serverClient(GtPair.ID).tunnels());

            try (Socket silent = new Socket()) {
                silent.connect(gt.addr(), 5000);
                silent.setSoTimeout(15_000);
                silent.getOutputStream().write("GET ".getBytes(StandardCharsets.US_ASCII));
                silent.getOutputStream().flush();

                // Meanwhile other visitors are served.
                RawHttp.Response r = RawHttp.get(gt.addr(), "id1.example.com", "/meanwhile");
                assertEquals(200, r.status(), r.head());
                assertEquals("ok GET /meanwhile host=id1.example.com", r.text());

                // The server gives up on the silent one: EOF (or a reset), not a response.
                InputStream in = silent.getInputStream();
                int first;
                try {
                    first = in.read();
                } catch (SocketException reset) {
                    first = -1;
                }
                assertEquals(-1, first, "the server should close a visitor whose head never completes");
            }

            // Several timeouts later the tunnel is still the same one and still works.
            RawHttp.Response r = RawHttp.get(gt.addr(), "id1.example.com", "/after");
            assertEquals(200, r.status(), r.head());
            assertEquals(before, ErrorPageTest.identities(gt.serverClient(GtPair.ID).tunnels()), "same tunnel");
            assertTrue(gt.clientEvents.of(GtEvent.TunnelDisconnected.class).isEmpty(),
                    "no tunnel closed: " + gt.clientEvents);
            assertEquals(1, gt.clientEvents.of(GtEvent.TunnelConnected.class).size());
        }
    }

    /** The start of a ClientHello record that announces 512 bytes. */
    private static final byte[] PARTIAL_CLIENT_HELLO = {0x16, 0x03, 0x01, 0x02, 0x00, 0x01, 0x00, 0x01, (byte) 0xFC,
        0x03, 0x03, 0x00, 0x00, 0x00, 0x00};

    @ParameterizedTest
    @EnumSource(ServerListener.class)
    void aVisitorThatEndsItsSideBeforeACompleteHeadIsClosedAtOnce(ServerListener listener) throws Exception {
        try (GtServer server = GtServer.builder().listenAddress("127.0.0.1:0").tlsListenAddress("127.0.0.1:0").sniListenAddress("127.0.0.1:0")
                .user(GtPair.ID, GtPair.SECRET).idleTimeout(Duration.ofSeconds(60)).build()) {
            server.start().get(10, TimeUnit.SECONDS);
            try (ServerListener.Connection c = listener.open(server, "id1.example.com")) {
                c.write(listener == ServerListener.SNI ? PARTIAL_CLIENT_HELLO
                        : "GET / HTTP/1.1\r\nHo".getBytes(StandardCharsets.US_ASCII));
                // A bare FIN, also under TLS (a close_notify is handled by the TLS layer itself).
                c.fin();
                // The server's timeout is 60 s: an end within 3 s is the EOF's doing.
                c.socket().setSoTimeout(3000);
                RawTunnel.awaitEnd(c.socket());
            }
        }
    }
}

package dev.gt.core.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.gt.api.GtEvent;
import dev.gt.api.ServiceSpec;
import java.io.InputStream;
import java.net.Socket;
import java.net.SocketException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * GT's TestInCompleteHTTPReqToServer: a visitor that sends "GET " and goes silent is dropped when
 * the server's timeout expires, without disturbing the tunnel or other visitors.
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
}

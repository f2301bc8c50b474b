package dev.gt.core.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.gt.api.GtErrorCode;
import dev.gt.api.GtEvent;
import dev.gt.api.GtException;
import dev.gt.api.ServiceSpec;
import java.io.IOException;
import java.io.OutputStream;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A logged-in client that sends PING after PING and never reads what the server answers: the
 * server keeps reading it (so it is never idle) but cannot write to it, and closes its tunnel once
 * it has been unwritable, or its own PING has gone unanswered, for {@code -timeout}, instead of
 * queueing a PONG per PING for ever. The
 * other clients of the server are served all along. (MuxTunnelTest pins the rule on an
 * EmbeddedChannel; this is the same over real sockets.)
 */
@Timeout(60)
class PingFloodTest {
    /** How long the flood goes on at most if the server never closes the tunnel. */
    private static final long FLOOD_LIMIT_NANOS = TimeUnit.SECONDS.toNanos(15);

    @Test
    void aClientThatFloodsPingsWithoutReadingLosesItsTunnelWhileOthersAreServed() throws Exception {
        try (Backend backend = new Backend();
                GtPair gt = GtPair.start(s -> s.user("flood", "flood-secret").idleTimeout(Duration.ofSeconds(1)),
                        c -> c.service(ServiceSpec.local(backend.url()).build()));
                // A small receive buffer: the server's PONGs back up at once.
                RawTunnel flood = RawTunnel.login(gt.addr(), "flood", "flood-secret", List.of(RawTunnel.http()),
                        4096)) {
            List<String> before = ErrorPageTest.identities(gt.serverClient(GtPair.ID).tunnels());
            CompletableFuture<String> flooding = CompletableFuture.supplyAsync(() -> flood(flood));

            for (int i = 0; !flooding.isDone() && i < 20; i++) {
                RawHttp.Response r = RawHttp.get(gt.addr(), "id1.example.com", "/during-" + i);
                assertEquals(200, r.status(), r.head());
                assertEquals("ok GET /during-" + i + " host=id1.example.com", r.text());
            }

            GtEvent.ClientDisconnected gone = gt.serverEvents.await(GtEvent.ClientDisconnected.class,
                    e -> e.id().equals("flood"));
            // The flood was still going when the server closed: the close is not an idle timeout.
            String end = flooding.get(20, TimeUnit.SECONDS);
            assertTrue(end.startsWith("closed"), end);
            GtException why = assertInstanceOf(GtException.class, gone.cause(), gone + "; flood " + end);
            assertEquals(GtErrorCode.TIMEOUT, why.code(), why + "; flood " + end);
            // Whichever rule saw it first: it reads nothing, so it answers no PING either.
            assertTrue(why.getMessage().contains("read nothing") || why.getMessage().contains("no answer to a PING"),
                    why + "; flood " + end);

            RawHttp.Response after = RawHttp.get(gt.addr(), "id1.example.com", "/after");
            assertEquals(200, after.status(), after.head());
            assertEquals(before, ErrorPageTest.identities(gt.serverClient(GtPair.ID).tunnels()),
                    "id1's tunnel is the same");
        }
    }

    /** Writes PINGs until the server closes the connection (or the limit passes); says which. */
    private static String flood(RawTunnel t) {
        byte[] batch = new byte[1000 * 18];
        for (int i = 0; i < 1000; i++) {
            System.arraycopy(RawTunnel.ping(i), 0, batch, i * 18, 18);
        }
        long start = System.nanoTime();
        long written = 0;
        try {
            OutputStream out = t.socket.getOutputStream();
            while (System.nanoTime() - start < FLOOD_LIMIT_NANOS) {
                out.write(batch);
                written += batch.length;
            }
            return "still open after " + written + " bytes of PINGs";
        } catch (IOException e) {
            return "closed after " + written + " bytes of PINGs: " + e;
        }
    }
}

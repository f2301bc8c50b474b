package dev.gt.core.it;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.gt.api.ServiceSpec;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Stopping drains: {@code stop()} takes no new visitors but lets a request in flight to a slow
 * service finish within the drain timeout, and cuts it off (a 502 for an HTTP visitor that got
 * nothing yet) once the drain timeout has passed, without waiting for the service. For the server
 * and for the client.
 */
@Timeout(60)
class DrainTest {
    @Test
    void serverStopLetsARequestInFlightFinishAndRefusesNewVisitors() throws Exception {
        try (Backend backend = new Backend();
                GtPair gt = GtPair.start(s -> s.drainTimeout(Duration.ofSeconds(5)),
                        c -> c.service(ServiceSpec.local(backend.url()).build()))) {
            InetSocketAddress addr = gt.addr();
            CompletableFuture<RawHttp.Response> slow = slowRequest(addr, 1000);
            await().atMost(Duration.ofSeconds(10)).until(() -> gt.serverStreams(GtPair.ID) == 1);

            CompletableFuture<Void> stopping = gt.server.stop();
            await("connections refused once stop() began").atMost(Duration.ofSeconds(5)).until(() -> refuses(addr));
            assertFalse(stopping.isDone(), "stop() did not wait for the stream in flight");

            RawHttp.Response r = slow.get(10, TimeUnit.SECONDS);
            assertEquals(200, r.status(), r.head());
            assertEquals("delayed 1000", r.text());
            stopping.get(10, TimeUnit.SECONDS);
        }
    }

    @Test
    void serverStopCutsOffWhatIsStillOpenAfterTheDrainTimeout() throws Exception {
        try (Backend backend = new Backend();
                GtPair gt = GtPair.start(s -> s.drainTimeout(Duration.ofMillis(200)),
                        c -> c.service(ServiceSpec.local(backend.url()).build()))) {
            CompletableFuture<RawHttp.Response> slow = slowRequest(gt.addr(), 3000);
            await().atMost(Duration.ofSeconds(10)).until(() -> gt.serverStreams(GtPair.ID) == 1);
            // Well before the service answers (3 s).
            gt.server.stop().get(2, TimeUnit.SECONDS);
            assertCutOff(slow);
        }
    }

    @Test
    void clientStopLetsARequestInFlightFinishAndTakesNoNewStreams() throws Exception {
        try (Backend backend = new Backend();
                GtPair gt = GtPair.start(s -> { }, c -> c.drainTimeout(Duration.ofSeconds(5))
                        .service(ServiceSpec.local(backend.url()).build()))) {
            CompletableFuture<RawHttp.Response> slow = slowRequest(gt.addr(), 1000);
            await().atMost(Duration.ofSeconds(10)).until(() -> gt.client.state().tunnels().stream()
                    .mapToInt(t -> t.streams()).sum() == 1);

            CompletableFuture<Void> stopping = gt.client.stop();
            RawHttp.Response late = RawHttp.request(gt.addr(),
                    "GET /late HTTP/1.1\r\nHost: id1.example.com\r\nConnection: close\r\n\r\n", null, 10_000);
            assertNotEquals(200, late.status(), "a stream opened after the client began to stop: " + late.head());
            assertFalse(stopping.isDone(), "stop() did not wait for the stream in flight");

            RawHttp.Response r = slow.get(10, TimeUnit.SECONDS);
            assertEquals(200, r.status(), r.head());
            assertEquals("delayed 1000", r.text());
            stopping.get(10, TimeUnit.SECONDS);
        }
    }

    @Test
    void clientStopCutsOffWhatIsStillOpenAfterTheDrainTimeout() throws Exception {
        try (Backend backend = new Backend();
                GtPair gt = GtPair.start(s -> { }, c -> c.drainTimeout(Duration.ofMillis(200))
                        .service(ServiceSpec.local(backend.url()).build()))) {
            CompletableFuture<RawHttp.Response> slow = slowRequest(gt.addr(), 3000);
            await().atMost(Duration.ofSeconds(10)).until(() -> gt.client.state().tunnels().stream()
                    .mapToInt(t -> t.streams()).sum() == 1);
            gt.client.stop().get(2, TimeUnit.SECONDS);
            assertCutOff(slow);
        }
    }

    /** GET /delay?ms={@code millis} through the tunnel, in the background. */
    private static CompletableFuture<RawHttp.Response> slowRequest(InetSocketAddress addr, int millis) {
        return CompletableFuture.supplyAsync(() -> {
            try {
                return RawHttp.request(addr, "GET /delay?ms=" + millis + " HTTP/1.1\r\nHost: id1.example.com\r\n"
                        + "Connection: close\r\n\r\n", null, 10_000);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        });
    }

    /** The visitor got no complete answer from the service: a 502 page, or the connection failed. */
    private static void assertCutOff(CompletableFuture<RawHttp.Response> visitor) throws Exception {
        try {
            RawHttp.Response r = visitor.get(5, TimeUnit.SECONDS);
            assertEquals(502, r.status(), r.head() + "\n" + r.text());
        } catch (ExecutionException e) {
            assertTrue(e.getCause() instanceof UncheckedIOException, e.toString());
        }
    }

    private static boolean refuses(InetSocketAddress addr) {
        try (Socket s = new Socket()) {
            s.connect(addr, 1000);
            return false;
        } catch (ConnectException e) {
            return true;
        } catch (IOException e) {
            return false;
        }
    }
}

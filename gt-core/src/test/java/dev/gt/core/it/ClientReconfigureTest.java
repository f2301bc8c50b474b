package dev.gt.core.it;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.gt.api.ClientState;
import dev.gt.api.GtEvent;
import dev.gt.api.ServiceSpec;
import dev.gt.api.TunnelInfo;
import dev.gt.core.GtClientConfig;
import dev.gt.core.Reconfiguration;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** {@link dev.gt.core.GtClient#reconfigure}: services change by difference. */
@Timeout(60)
class ClientReconfigureTest {

    private static CompletableFuture<RawHttp.Response> slowRequest(InetSocketAddress addr, String host, int millis) {
        return CompletableFuture.supplyAsync(() -> {
            try {
                return RawHttp.request(addr, "GET /delay?ms=" + millis + " HTTP/1.1\r\nHost: " + host
                        + "\r\nConnection: close\r\n\r\n", null, 15_000);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        });
    }

    @Test
    void aNewLocalTargetKeepsTheTunnelsAndServesNewStreams() throws Exception {
        try (Backend slow = new Backend();
                TextHttpServer b = new TextHttpServer("B");
                GtPair gt = GtPair.start(s -> { }, c -> c.service(ServiceSpec.local(slow.url()).build()))) {
            TunnelInfo before = gt.client.state().tunnels().get(0);
            CompletableFuture<RawHttp.Response> inFlight = slowRequest(gt.server.listenAddress(), "id1.example.com", 1000);
            await().atMost(Duration.ofSeconds(10)).until(() -> gt.client.state().tunnels().get(0).streams() == 1);

            Reconfiguration r = gt.client.reconfigure(gt.client.config().toBuilder().clearServices()
                    .service(ServiceSpec.local(b.url()).build()).buildConfig());
            assertEquals(1, r.changed().size(), r.toString());
            assertTrue(r.letGo().isEmpty(), r.toString());

            RawHttp.Response answer = inFlight.get(10, TimeUnit.SECONDS);
            assertEquals("delayed 1000", answer.text());
            RawHttp.Response now = RawHttp.get(gt.server.listenAddress(), "id1.example.com", "/x");
            assertTrue(now.text().startsWith("B GET /x"), now.text());
            assertEquals(before.tunnel(), gt.client.state().tunnels().get(0).tunnel());
            assertTrue(gt.clientEvents.of(GtEvent.TunnelDisconnected.class).isEmpty(), gt.clientEvents.toString());
        }
    }

    @Test
    void anAddedServiceIsRegisteredAfterTheTunnelsAreReplaced() throws Exception {
        try (Backend backend = new Backend();
                TextHttpServer blog = new TextHttpServer("blog");
                GtPair gt = GtPair.start(s -> { }, c -> c.drainTimeout(Duration.ofSeconds(5))
                        .service(ServiceSpec.local(backend.url()).build()))) {
            CompletableFuture<RawHttp.Response> inFlight = slowRequest(gt.server.listenAddress(), "id1.example.com", 1000);
            await().atMost(Duration.ofSeconds(10)).until(() -> gt.client.state().tunnels().get(0).streams() == 1);

            GtClientConfig next = gt.client.config().toBuilder()
                    .service(ServiceSpec.local(blog.url()).hostPrefix("blog").build()).buildConfig();
            Reconfiguration r = gt.client.reconfigure(next);
            assertEquals(1, r.added().size(), r.toString());
            assertEquals(1, r.letGo().size(), r.toString());

            // The stream of the old tunnel finishes; the new tunnel registers both services.
            assertEquals("delayed 1000", inFlight.get(10, TimeUnit.SECONDS).text());
            await().atMost(Duration.ofSeconds(10)).until(() -> {
                ClientState s = gt.client.state();
                return s.services().size() == 2 && s.services().get(1).host() != null;
            });
            assertTrue(RawHttp.get(gt.server.listenAddress(), "blog.example.com", "/").text().startsWith("blog GET /"));
            assertEquals(200, RawHttp.get(gt.server.listenAddress(), "id1.example.com", "/").status());
            assertEquals(next, gt.client.config());
        }
    }

    @Test
    void aRemovedServiceIsNoLongerRouted() throws Exception {
        try (Backend backend = new Backend();
                TextHttpServer blog = new TextHttpServer("blog");
                GtPair gt = GtPair.start(s -> { }, c -> c.service(ServiceSpec.local(backend.url()).build())
                        .service(ServiceSpec.local(blog.url()).hostPrefix("blog").build()))) {
            assertEquals(200, RawHttp.get(gt.server.listenAddress(), "blog.example.com", "/").status());
            GtClientConfig next = gt.client.config().toBuilder().clearServices()
                    .service(ServiceSpec.local(backend.url()).build()).buildConfig();
            Reconfiguration r = gt.client.reconfigure(next);
            assertEquals(1, r.removed().size(), r.toString());
            await().atMost(Duration.ofSeconds(10)).until(() ->
                    RawHttp.get(gt.server.listenAddress(), "blog.example.com", "/").status() == 404
                    && RawHttp.get(gt.server.listenAddress(), "id1.example.com", "/").status() == 200);
            assertEquals(List.of(0), gt.client.state().services().stream().map(ClientState.RegisteredService::index)
                    .toList());
        }
    }

    @Test
    void theCertificateChecksCannotChangeLive() throws Exception {
        try (Backend backend = new Backend();
                GtPair gt = GtPair.start(s -> { }, c -> c.service(ServiceSpec.local(backend.url()).build()))) {
            GtClientConfig next = gt.client.config().toBuilder().trustAnyCertificate(true).reconnectDelay(Duration.ofSeconds(9))
                    .buildConfig();
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> gt.client.reconfigure(next));
            assertTrue(e.getMessage().contains("certificate checks") && e.getMessage().contains("nothing was applied"),
                    e.getMessage());
            assertEquals(Duration.ofMillis(200), gt.client.config().reconnectDelay());
        }
    }
}

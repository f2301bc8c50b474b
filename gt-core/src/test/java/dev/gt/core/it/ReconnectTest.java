package dev.gt.core.it;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.gt.api.GtEvent;
import dev.gt.api.ServiceSpec;
import dev.gt.core.GtClient;
import dev.gt.core.GtServer;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The client outlives its server: after a restart on the same port it reconnects by itself. */
@Timeout(60)
class ReconnectTest {
    @Test
    void clientReconnectsAfterTheServerRestartsOnTheSamePort() throws Exception {
        Events events = new Events();
        try (Backend backend = new Backend()) {
            GtServer first = GtServer.builder().listenAddress("127.0.0.1:0").user("id1", "secret1").build();
            first.start().get(10, TimeUnit.SECONDS);
            int port = first.listenAddress().getPort();
            AtomicReference<GtServer> second = new AtomicReference<>();
            try (GtClient client = GtPair.newClient(first, b -> b.reconnectDelay(Duration.ofMillis(100))
                    .eventListener(events).service(ServiceSpec.local(backend.url()).build()))) {
                client.start().get(10, TimeUnit.SECONDS);
                assertEquals(200, RawHttp.get(first.listenAddress(), "id1.example.com", "/before").status());

                first.close();
                events.awaitCount(GtEvent.TunnelDisconnected.class, 1);

                // Bind the same port again; the old socket may take a moment to be released.
                await("rebinding 127.0.0.1:" + port).atMost(Duration.ofSeconds(20))
                        .pollInterval(Duration.ofMillis(100)).until(() -> {
                            GtServer s = GtServer.builder().listenAddress(new InetSocketAddress("127.0.0.1", port))
                                    .user("id1", "secret1").build();
                            try {
                                s.start().get(5, TimeUnit.SECONDS);
                                second.set(s);
                                return true;
                            } catch (Exception e) {
                                s.close();
                                return false;
                            }
                        });

                events.awaitCount(GtEvent.TunnelConnected.class, 2);
                await().atMost(Duration.ofSeconds(10)).until(() -> second.get().state().clients().size() == 1);
                RawHttp.Response r = RawHttp.get(second.get().listenAddress(), "id1.example.com", "/after");
                assertEquals(200, r.status(), r.head());
                assertEquals("ok GET /after host=id1.example.com", r.text());
                assertEquals(1, client.state().tunnels().size());
            } finally {
                first.close();
                if (second.get() != null) {
                    second.get().close();
                }
            }
        }
    }
}

package dev.gt.core.it;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.gt.api.GtErrorCode;
import dev.gt.api.GtEvent;
import dev.gt.api.ServerState;
import dev.gt.api.ServiceSpec;
import dev.gt.api.TunnelInfo;
import dev.gt.core.GtClient;
import dev.gt.core.GtServer;
import dev.gt.core.GtServerConfig;
import dev.gt.core.Reconfiguration;
import dev.gt.core.User;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * {@link GtServer#reconfigure}: users and limits change by difference while clients that are not
 * concerned keep their tunnels and visitors.
 */
@Timeout(60)
class ServerReconfigureTest {

    private static GtServer server(GtServer.Builder b) throws Exception {
        GtServer s = b.listenAddress("127.0.0.1:0").tcpBindAddress("127.0.0.1").build();
        s.start().get(10, TimeUnit.SECONDS);
        return s;
    }

    private static GtClient client(GtServer server, String id, String secret, Events events, ServiceSpec... services)
            throws Exception {
        GtClient.Builder b = GtClient.builder().id(id).secret(secret)
                .server("tcp://127.0.0.1:" + server.listenAddress().getPort())
                .reconnectDelay(Duration.ofMillis(100)).eventListener(events);
        for (ServiceSpec s : services) {
            b.service(s);
        }
        GtClient c = b.build();
        c.start().get(10, TimeUnit.SECONDS);
        return c;
    }

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

    private static ServerState.ClientInfo client(GtServer server, String id) {
        return server.state().clients().stream().filter(c -> c.id().equals(id)).findFirst().orElse(null);
    }

    @Test
    void addingAndRemovingUsersLeavesAnUnaffectedTunnelAndItsVisitorsUntouched() throws Exception {
        Events id1Events = new Events();
        Events id2Events = new Events();
        try (Backend backend = new Backend();
                GtServer server = server(GtServer.builder().user("id1", "secret1").user("id2", "secret2")
                        .drainTimeout(Duration.ofSeconds(5)));
                GtClient c1 = client(server, "id1", "secret1", id1Events, ServiceSpec.local(backend.url()).build());
                GtClient c2 = client(server, "id2", "secret2", id2Events, ServiceSpec.local(backend.url()).build())) {
            TunnelInfo before = client(server, "id1").tunnels().get(0);
            CompletableFuture<RawHttp.Response> inFlight = slowRequest(server.listenAddress(), "id1.example.com", 1500);
            await().atMost(Duration.ofSeconds(10)).until(() -> client(server, "id1").tunnels().get(0).streams() == 1);

            GtServerConfig next = server.config().toBuilder().user("id3", "secret3").buildConfig();
            GtServerConfig withoutId2 = withoutUser(next, "id2");
            Reconfiguration r = server.reconfigure(withoutId2);

            assertEquals(List.of("id3"), r.added());
            assertEquals(List.of("id2"), r.removed());
            assertEquals(Map.of("id2", "user removed"), r.letGo());
            assertEquals(withoutId2, server.config());

            // id1: the request in flight completes, new requests work, the same tunnel carries them.
            RawHttp.Response answer = inFlight.get(10, TimeUnit.SECONDS);
            assertEquals(200, answer.status(), answer.head());
            assertEquals("delayed 1500", answer.text());
            assertEquals(200, RawHttp.get(server.listenAddress(), "id1.example.com", "/").status());
            TunnelInfo after = client(server, "id1").tunnels().get(0);
            assertEquals(before.tunnel(), after.tunnel(), "id1's tunnel was replaced");
            assertTrue(after.age().compareTo(before.age()) > 0);
            assertTrue(id1Events.of(GtEvent.TunnelDisconnected.class).isEmpty(), id1Events.toString());

            // id2 is let go, refused on its way back (a wrong id is permanent: the client stops).
            id2Events.await(GtEvent.HandshakeRejected.class, e -> e.code() == GtErrorCode.INVALID_ID_OR_SECRET);
            c2.whenStopped().get(10, TimeUnit.SECONDS);
            await().atMost(Duration.ofSeconds(10)).until(() -> client(server, "id2") == null);
            assertEquals(404, RawHttp.get(server.listenAddress(), "id2.example.com", "/").status());

            // id3 logs in now.
            try (GtClient c3 = client(server, "id3", "secret3", new Events(), ServiceSpec.local(backend.url()).build())) {
                assertEquals(200, RawHttp.get(server.listenAddress(), "id3.example.com", "/").status());
            }
        }
    }

    @Test
    void aRemovedUsersOpenStreamsFinishWithinTheDrainTimeout() throws Exception {
        try (Backend backend = new Backend();
                GtServer server = server(GtServer.builder().user("id1", "secret1").user("id2", "secret2")
                        .drainTimeout(Duration.ofSeconds(5)));
                GtClient c2 = client(server, "id2", "secret2", new Events(), ServiceSpec.local(backend.url()).build())) {
            CompletableFuture<RawHttp.Response> inFlight = slowRequest(server.listenAddress(), "id2.example.com", 1000);
            await().atMost(Duration.ofSeconds(10)).until(() -> client(server, "id2").tunnels().get(0).streams() == 1);
            server.reconfigure(withoutUser(server.config(), "id2"));
            // Taken out of the tables at once: a new visitor is not routed to it ...
            assertEquals(404, RawHttp.get(server.listenAddress(), "id2.example.com", "/").status());
            // ... while the stream it carries finishes.
            RawHttp.Response answer = inFlight.get(10, TimeUnit.SECONDS);
            assertEquals(200, answer.status(), answer.head());
            assertEquals("delayed 1000", answer.text());
        }
    }

    @Test
    void aLowerHostLimitLetsGoOnlyTheClientThatHoldsTooMany() throws Exception {
        Events e1 = new Events();
        Events e2 = new Events();
        try (Backend backend = new Backend();
                GtServer server = server(GtServer.builder().user("id1", "secret1").user("id2", "secret2"));
                GtClient c1 = client(server, "id1", "secret1", e1, ServiceSpec.local(backend.url()).build());
                GtClient c2 = client(server, "id2", "secret2", e2, ServiceSpec.local(backend.url()).hostPrefix("a").build(),
                        ServiceSpec.local(backend.url()).hostPrefix("b").build())) {
            Reconfiguration r = server.reconfigure(server.config().toBuilder().maxHostPrefixesPerClient(1).buildConfig());
            assertEquals(List.of("maxHostPrefixesPerClient"), r.settings());
            assertEquals(List.of("id2"), List.copyOf(r.letGo().keySet()));
            assertTrue(r.letGo().get("id2").contains("2 host prefixes"), r.letGo().toString());
            // id2 comes back and is refused under the new rule; id1 is untouched and has the new limit in force.
            e2.await(GtEvent.HandshakeRejected.class, e -> e.code() == GtErrorCode.HOST_NUMBER_LIMITED);
            assertEquals(1, client(server, "id1").limits().maxHostPrefixes());
            assertEquals(1, server.state().limits().maxHostPrefixes());
            assertTrue(e1.of(GtEvent.TunnelDisconnected.class).isEmpty(), e1.toString());
            assertEquals(200, RawHttp.get(server.listenAddress(), "id1.example.com", "/").status());
        }
    }

    @Test
    void aLowerTunnelLimitRetiresTheSurplusTunnels() throws Exception {
        try (Backend backend = new Backend();
                GtServer server = server(GtServer.builder().user("id1", "secret1"));
                GtClient c1 = GtClient.builder().id("id1").secret("secret1")
                        .server("tcp://127.0.0.1:" + server.listenAddress().getPort())
                        .reconnectDelay(Duration.ofMillis(100)).maxTunnels(3).idleTunnels(3)
                        .service(ServiceSpec.local(backend.url()).build()).build()) {
            c1.start().get(10, TimeUnit.SECONDS);
            await().atMost(Duration.ofSeconds(10)).until(() -> client(server, "id1").tunnels().size() == 3);
            Reconfiguration r = server.reconfigure(server.config().toBuilder()
                    .user("id1", User.builder("secret1").maxTunnels(1).build()).buildConfig());
            assertEquals(List.of("id1"), r.changed());
            assertEquals(2, r.tunnelsRetired());
            await().atMost(Duration.ofSeconds(10)).until(() -> client(server, "id1").tunnels().size() == 1);
            assertEquals(1, client(server, "id1").limits().maxTunnels());
            assertEquals(200, RawHttp.get(server.listenAddress(), "id1.example.com", "/").status());
        }
    }

    @Test
    void aSpeedLimitSetLiveSlowsTheClientsNewStreams() throws Exception {
        long rate = 256 * 1024;
        try (Backend backend = new Backend();
                GtServer server = server(GtServer.builder().user("id1", "secret1"));
                GtClient c1 = client(server, "id1", "secret1", new Events(), ServiceSpec.local(backend.url()).build())) {
            server.reconfigure(server.config().toBuilder().speedLimitPerClient(rate).buildConfig());
            assertEquals(rate, client(server, "id1").limits().speedLimit());
            long start = System.nanoTime();
            RawHttp.Response r = RawHttp.get(server.listenAddress(), "id1.example.com", "/bytes?n=" + (3 * rate));
            long elapsed = System.nanoTime() - start;
            assertEquals(200, r.status());
            assertEquals(3 * rate, r.body().length);
            // 3 s worth of bytes less one burst (1/8 s): a lower bound, which load cannot break.
            assertTrue(elapsed >= TimeUnit.MILLISECONDS.toNanos(2500), "took only " + elapsed / 1_000_000 + " ms");
        }
    }

    @Test
    void listenAddressesCannotChangeAndNothingIsAppliedThen() throws Exception {
        try (GtServer server = server(GtServer.builder().user("id1", "secret1"))) {
            GtServerConfig next = server.config().toBuilder().listenAddress("127.0.0.1:1").user("id2", "secret2")
                    .sniListenAddress("127.0.0.1:0").buildConfig();
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> server.reconfigure(next));
            assertTrue(e.getMessage().contains("listenAddress cannot change while the server runs"), e.getMessage());
            assertTrue(e.getMessage().contains("sniListenAddress cannot change"), e.getMessage());
            assertTrue(e.getMessage().contains("nothing was applied"), e.getMessage());
            assertFalse(server.config().users().containsKey("id2"));
            // A listener object given anew is refused too: the running one must be passed on.
            GtServerConfig other = server.config().toBuilder().eventListener(new Events()).buildConfig();
            IllegalArgumentException l = assertThrows(IllegalArgumentException.class, () -> server.reconfigure(other));
            assertTrue(l.getMessage().contains("eventListener cannot change"), l.getMessage());
        }
    }

    @Test
    void reconfigureNeedsARunningServer() {
        GtServer server = GtServer.builder().listenAddress("127.0.0.1:0").build();
        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> server.reconfigure(server.config()));
        assertTrue(e.getMessage().contains("not running"), e.getMessage());
        server.close();
    }

    @Test
    void countersAndLimitsAreInTheSnapshot() throws Exception {
        try (Backend backend = new Backend();
                GtServer server = server(GtServer.builder().user("id1", "secret1").maxTcpPortsPerClient(2)
                        .failedLoginsBeforeBan(0));
                GtClient c1 = client(server, "id1", "secret1", new Events(), ServiceSpec.local(backend.url()).build())) {
            assertEquals(200, RawHttp.get(server.listenAddress(), "id1.example.com", "/bytes?n=1000").status());
            try (Attempt wrong = Attempt.connect(server, "id1", "wrong", List.of(ServiceSpec.local(backend.url()).build()))) {
                wrong.refused(GtErrorCode.INVALID_ID_OR_SECRET);
            }
            ServerState s = server.state();
            assertEquals(2, s.limits().maxTcpPorts());
            assertEquals(1, s.counters().tunnelsAccepted());
            assertTrue(s.counters().tunnelsRejected() >= 1);
            assertEquals(1, s.counters().failedLogins());
            assertEquals(1, s.counters().streamsOpened());
            assertTrue(s.counters().bytesToVisitors() >= 1000, s.counters().toString());
            assertEquals(1, s.bans().bannedAddresses());
            assertEquals("127.0.0.1", s.bans().banned().get(0).address());
            assertTrue(s.bans().banned().get(0).remaining().toSeconds() > 200);
        }
    }

    /** {@code c} without user {@code id}. */
    static GtServerConfig withoutUser(GtServerConfig c, String id) {
        return c.toBuilder().removeUser(id).buildConfig();
    }
}

package dev.gt.core.it;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.gt.api.ClientState;
import dev.gt.api.GtEvent;
import dev.gt.api.ServerState;
import dev.gt.api.ServiceKind;
import dev.gt.api.ServiceSpec;
import dev.gt.core.GtClient;
import dev.gt.core.GtServer;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** What the listener hears and what the state snapshots say; several instances in one JVM. */
@Timeout(60)
class EventsAndStateTest {
    @Test
    void eventsAndSnapshotsDescribeTunnelsServicesHostsAndPorts() throws Exception {
        int base = FreePorts.block(10);
        try (TextHttpServer web = new TextHttpServer("web");
                EchoServer echo = new EchoServer();
                GtPair gt = GtPair.start(s -> s.tcpPortRange(base + "-" + (base + 9)), c -> c
                        .maxTunnels(1).idleTunnels(1)
                        .service(ServiceSpec.local(web.url()).build())
                        .service(ServiceSpec.local(web.url()).hostPrefix("blog").build())
                        .service(ServiceSpec.local(echo.url()).serverPort(base + 2).build()))) {
            int port = base + 2;

            // Client events.
            GtEvent.TunnelConnected connected = gt.clientEvents.awaitCount(GtEvent.TunnelConnected.class, 1);
            assertEquals(gt.addr().getPort(), ((InetSocketAddress) connected.serverAddress()).getPort());
            List<GtEvent.ServiceRegistered> registered = gt.clientEvents.of(GtEvent.ServiceRegistered.class);
            assertEquals(3, registered.size(), "ServiceRegistered events: " + registered);
            GtEvent.ServiceRegistered s0 = byIndex(registered, 0);
            GtEvent.ServiceRegistered s1 = byIndex(registered, 1);
            GtEvent.ServiceRegistered s2 = byIndex(registered, 2);
            assertEquals("id1", s0.host());
            assertEquals(0, s0.tcpPort());
            assertEquals("blog", s1.host());
            assertNull(s2.host());
            assertEquals(port, s2.tcpPort());
            assertEquals(ServiceKind.TCP, s2.service().kind());
            assertTrue(gt.clientEvents.of(GtEvent.HandshakeRejected.class).isEmpty());

            // Server events.
            GtEvent.ClientConnected cc = gt.serverEvents.awaitCount(GtEvent.ClientConnected.class, 1);
            assertEquals("id1", cc.id());
            assertEquals(1, cc.tunnels());

            // Client snapshot.
            ClientState cs = gt.client.state();
            assertTrue(cs.running());
            assertEquals(1, cs.tunnels().size());
            assertEquals(gt.addr().getPort(), ((InetSocketAddress) cs.tunnels().get(0).peer()).getPort());
            assertNotNull(cs.tunnels().get(0).transport());
            assertEquals(3, cs.services().size());
            assertEquals("id1", cs.services().get(0).host());
            assertEquals("blog", cs.services().get(1).host());
            assertEquals(port, cs.services().get(2).tcpPort());

            // Server snapshot.
            ServerState ss = gt.server.state();
            assertTrue(ss.running());
            assertEquals(gt.addr(), ss.listeners().get("addr"));
            assertEquals(1, ss.clients().size());
            ServerState.ClientInfo info = ss.clients().get(0);
            assertEquals("id1", info.id());
            assertEquals(1, info.tunnels().size());
            assertEquals(List.of("blog", "id1"), info.hosts().stream().sorted().toList());
            assertEquals(List.of(port), info.tcpPorts());
            assertEquals(port, ss.listeners().get("tcp:id1:2").getPort());

            // Stream counts show up while a visitor is connected.
            try (java.net.Socket v = TransferTest.connect(port)) {
                v.getOutputStream().write(1);
                assertEquals(1, v.getInputStream().read());
                assertEquals(1, gt.serverStreams("id1"));
                assertEquals(1, gt.client.state().tunnels().get(0).streams());
            }

            // Closing: events on both sides, then empty snapshots; close() twice is harmless.
            await().atMost(Duration.ofSeconds(10)).until(() -> gt.serverStreams("id1") == 0);
            gt.client.close();
            gt.client.close();
            assertSame(gt.client.stop(), gt.client.stop(), "stop() returns the same future every time");
            gt.clientEvents.awaitCount(GtEvent.TunnelDisconnected.class, 1);
            gt.serverEvents.awaitCount(GtEvent.ClientDisconnected.class, 1);
            assertFalse(gt.client.state().running());
            assertTrue(gt.client.state().tunnels().isEmpty());
            await().atMost(Duration.ofSeconds(10)).until(() -> gt.server.state().clients().isEmpty());

            gt.server.close();
            gt.server.close();
            assertFalse(gt.server.state().running());
            assertTrue(gt.server.stop().isDone());
        }
    }

    /**
     * The server pings too (a third of its timeout), so its state shows each tunnel's round trip,
     * not only the client's.
     */
    @Test
    void theServerMeasuresTheRoundTripOfEachTunnel() throws Exception {
        try (Backend backend = new Backend();
                GtPair gt = GtPair.start(s -> s.idleTimeout(Duration.ofSeconds(1)),
                        c -> c.service(ServiceSpec.local(backend.url()).build()))) {
            await().atMost(Duration.ofSeconds(3)).until(() -> {
                ServerState.ClientInfo c = gt.serverClient(GtPair.ID);
                return c != null && !c.tunnels().isEmpty() && c.tunnels().get(0).rtt() != null;
            });
            Duration rtt = gt.serverClient(GtPair.ID).tunnels().get(0).rtt();
            assertFalse(rtt.isNegative(), rtt.toString());
            assertTrue(rtt.compareTo(Duration.ofSeconds(1)) < 0, rtt.toString());
        }
    }

    @Test
    void closeBeforeStartAndStartAfterCloseAreHandled() throws Exception {
        GtServer server = GtServer.builder().listenAddress("127.0.0.1:0").build();
        server.close();
        server.close();
        IllegalStateException late = assertThrows(IllegalStateException.class, server::start,
                "start() after close() must fail, not bind");
        assertTrue(late.getMessage().contains("stopped"), late.getMessage());

        GtClient client = GtClient.builder().id("x").server("tcp://127.0.0.1:1")
                .service(ServiceSpec.local("http://127.0.0.1:1").build()).build();
        client.close();
        client.close();
        assertThrows(IllegalStateException.class, client::start);
    }

    @Test
    void twoServersAndThreeClientsInOneJvm() throws Exception {
        List<AutoCloseable> toClose = new ArrayList<>();
        try {
            GtServer s1 = GtServer.builder().listenAddress("127.0.0.1:0").user("id1", "secret1").user("id2", "secret2").build();
            GtServer s2 = GtServer.builder().listenAddress("127.0.0.1:0").user("id3", "secret3").build();
            toClose.add(s1);
            toClose.add(s2);
            CompletableFuture.allOf(s1.start(), s2.start()).get(10, TimeUnit.SECONDS);
            assertFalse(s1.listenAddress().equals(s2.listenAddress()));

            TextHttpServer[] webs = new TextHttpServer[3];
            GtClient[] clients = new GtClient[3];
            GtServer[] serverOf = {s1, s1, s2};
            for (int i = 0; i < 3; i++) {
                String id = "id" + (i + 1);
                webs[i] = new TextHttpServer("web" + (i + 1));
                toClose.add(0, webs[i]);
                TextHttpServer web = webs[i];
                clients[i] = GtPair.newClient(serverOf[i], b -> b.id(id).secret("secret" + id.substring(2))
                        .service(ServiceSpec.local(web.url()).build()));
                toClose.add(0, clients[i]);
            }
            CompletableFuture.allOf(clients[0].start(), clients[1].start(), clients[2].start()).get(10, TimeUnit.SECONDS);

            for (int round = 0; round < 2; round++) {
                for (int i = 0; i < 3; i++) {
                    String id = "id" + (i + 1);
                    RawHttp.Response r = RawHttp.get(serverOf[i].listenAddress(), id + ".example.com", "/r" + round);
                    assertEquals(200, r.status(), r.head());
                    assertEquals("web" + (i + 1) + " GET /r" + round + " host=" + id + ".example.com", r.text());
                }
            }
            // Each server knows only its own clients.
            assertEquals(List.of("id1", "id2"), s1.state().clients().stream().map(c -> c.id()).sorted().toList());
            assertEquals(List.of("id3"), s2.state().clients().stream().map(c -> c.id()).toList());
            assertEquals(404, RawHttp.get(s2.listenAddress(), "id1.example.com", "/").status());

            // Closing one client or server leaves the others working.
            clients[0].close();
            s2.close();
            RawHttp.Response r = RawHttp.get(s1.listenAddress(), "id2.example.com", "/still");
            assertEquals("web2 GET /still host=id2.example.com", r.text());
        } finally {
            for (AutoCloseable c : toClose) {
                c.close();
            }
        }
    }

    private static GtEvent.ServiceRegistered byIndex(List<GtEvent.ServiceRegistered> events, int index) {
        return events.stream().filter(e -> e.serviceIndex() == index).findFirst()
                .orElseThrow(() -> new AssertionError("no ServiceRegistered for service " + index + ": " + events));
    }
}

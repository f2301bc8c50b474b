package dev.gt.core.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.gt.api.ClientState;
import dev.gt.api.GtErrorCode;
import dev.gt.api.GtEvent;
import dev.gt.api.ServiceSpec;
import dev.gt.core.GtClient;
import dev.gt.core.GtServer;
import dev.gt.core.User;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Per-user rules with global defaults, as GT's TestHostNumber, TestHostRegex,
 * TestTCPNumberAndTCPRange, TestHostPrefixConflict, TestConnectionsLimit and TestServices, seen
 * from outside: which hellos are accepted, which are refused with which code, and where visitors go.
 */
@Timeout(60)
class MultiUserRulesTest {

    private static GtServer server(Consumer<GtServer.Builder> config) throws Exception {
        GtServer.Builder b = GtServer.builder().listenAddress("127.0.0.1:0").tcpBindAddress("127.0.0.1");
        config.accept(b);
        GtServer s = b.build();
        s.start().get(10, TimeUnit.SECONDS);
        return s;
    }

    private static List<ServiceSpec> http(Backend backend, String... prefixes) {
        List<ServiceSpec> l = new ArrayList<>();
        for (String p : prefixes) {
            l.add(ServiceSpec.local(backend.url()).hostPrefix(p).build());
        }
        return l;
    }

    private static List<ServiceSpec> tcp(Backend backend, int... ports) {
        List<ServiceSpec> l = new ArrayList<>();
        for (int p : ports) {
            ServiceSpec.Builder b = ServiceSpec.local("tcp://127.0.0.1:" + backend.port());
            l.add(p == 0 ? b.allowRandomServerPort(true).build() : b.serverPort(p).build());
        }
        return l;
    }

    @Test
    void hostNumberIsGlobalUnlessTheUserHasItsOwn() throws Exception {
        try (Backend backend = new Backend();
                GtServer server = server(b -> b.user("id1", "secret1").user("id2", "secret2")
                        .user("id3", User.builder("secret3").maxHostPrefixes(2).build())
                        .user("id4", User.builder("secret4").maxHostPrefixes(2).build())
                        .maxHostPrefixesPerClient(1).prependIdToHostPrefixes(true))) {
            try (Attempt a = Attempt.connect(server, "id1", "secret1", http(backend, "1"))) {
                a.ready();
                assertEquals(200, RawHttp.get(server.listenAddress(), "id1-1.example.com", "/").status());
            }
            try (Attempt a = Attempt.connect(server, "id2", "secret2", http(backend, "1", "2"))) {
                String msg = a.refused(GtErrorCode.HOST_NUMBER_LIMITED);
                assertTrue(msg.contains("2 host prefixes") && msg.contains("allows 1"), msg);
            }
            try (Attempt a = Attempt.connect(server, "id3", "secret3", http(backend, "1", "2"))) {
                a.ready();
                assertEquals(200, RawHttp.get(server.listenAddress(), "id3-2.example.com", "/").status());
                // With host.withID the bare prefix is not registered.
                assertEquals(404, RawHttp.get(server.listenAddress(), "2.example.com", "/").status());
            }
            try (Attempt a = Attempt.connect(server, "id4", "secret4", http(backend, "1", "2", "3"))) {
                a.refused(GtErrorCode.HOST_NUMBER_LIMITED);
            }
        }
    }

    @Test
    void hostRegexIsGlobalUnlessTheUserHasItsOwn() throws Exception {
        try (Backend backend = new Backend();
                GtServer server = server(b -> b.user("id1", "secret1").user("id2", "secret2")
                        .user("id3", User.builder("secret3").hostPrefixPattern("^[a-z]+$").build())
                        .user("id4", User.builder("secret4").hostPrefixPattern("^[a-z]+$").build())
                        .hostPrefixPattern("^[0-9]+$").maxHostPrefixesPerClient(2).prependIdToHostPrefixes(true))) {
            try (Attempt a = Attempt.connect(server, "id1", "secret1", http(backend, "1", "2"))) {
                a.ready();
            }
            try (Attempt a = Attempt.connect(server, "id2", "secret2", http(backend, "a", "b"))) {
                String msg = a.refused(GtErrorCode.HOST_REGEX_MISMATCH);
                assertTrue(msg.contains("'a'") && msg.contains("^[0-9]+$"), msg);
            }
            try (Attempt a = Attempt.connect(server, "id3", "secret3", http(backend, "a", "b"))) {
                a.ready();
                assertEquals(200, RawHttp.get(server.listenAddress(), "id3-b.example.com", "/").status());
            }
            try (Attempt a = Attempt.connect(server, "id4", "secret4", http(backend, "1", "2"))) {
                a.refused(GtErrorCode.HOST_REGEX_MISMATCH);
            }
            // The id itself (no explicit prefix) is exempt from the patterns.
            try (Attempt a = Attempt.connect(server, "id2", "secret2", List.of(ServiceSpec.local(backend.url()).build()))) {
                a.ready();
                assertEquals(200, RawHttp.get(server.listenAddress(), "id2.example.com", "/").status());
            }
        }
    }

    @Test
    void tcpNumberAndRangesPerUser() throws Exception {
        int global = FreePorts.block(40);
        int own4 = FreePorts.block(40);
        int own5 = FreePorts.block(10);
        try (Backend backend = new Backend();
                GtServer server = server(b -> b.user("id1", "secret1").user("id2", "secret2").user("id3", "secret3")
                        .user("id4", User.builder("secret4").tcpPortRange(own4 + "-" + (own4 + 19))
                                .tcpPortRange((own4 + 20) + "-" + (own4 + 39)).build())
                        .user("id5", User.builder("secret5").tcpPortRange(own5 + "-" + (own5 + 9)).build())
                        .maxTcpPortsPerClient(2).tcpPortRange(global + "-" + (global + 19)).tcpPortRange((global + 20) + "-" + (global + 39)))) {
            try (Attempt a = Attempt.connect(server, "id1", "secret1", tcp(backend, global, global + 20))) {
                a.ready();
                assertEquals(200, RawHttp.get(new java.net.InetSocketAddress("127.0.0.1", global + 20), "x", "/")
                        .status());
            }
            try (Attempt a = Attempt.connect(server, "id2", "secret2", tcp(backend, global + 1, global + 2, global + 3))) {
                String msg = a.refused(GtErrorCode.TCP_NUMBER_LIMITED);
                assertTrue(msg.contains("3 tcp services") && msg.contains("allows 2"), msg);
            }
            try (Attempt a = Attempt.connect(server, "id3", "secret3", tcp(backend, global - 1))) {
                String msg = a.refused(GtErrorCode.FAILED_TO_OPEN_TCP_PORT);
                assertTrue(msg.contains("outside"), msg);
            }
            try (Attempt a = Attempt.connect(server, "id4", "secret4", tcp(backend, own4 + 39, 0))) {
                a.ready();
                for (ClientState.RegisteredService s : a.client.state().services()) {
                    assertTrue(s.tcpPort() >= own4 && s.tcpPort() <= own4 + 39, s.toString());
                }
            }
            // A user with ranges of its own may not use the global pool, nor ports outside its ranges.
            try (Attempt a = Attempt.connect(server, "id5", "secret5", tcp(backend, global + 5))) {
                a.refused(GtErrorCode.FAILED_TO_OPEN_TCP_PORT);
            }
            try (Attempt a = Attempt.connect(server, "id5", "secret5", tcp(backend, own4 + 1))) {
                a.refused(GtErrorCode.FAILED_TO_OPEN_TCP_PORT);
            }
        }
    }

    @Test
    void overlappingRangesAreAStartUpErrorNamingBothOwners() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> GtServer.builder()
                .listenAddress("127.0.0.1:0").tcpPortRange("20000-20100")
                .user("alice", User.builder("s1").tcpPortRange("30000-30010").build())
                .user("bob", User.builder("s2").tcpPortRange("30005-30020").build()).buildConfig());
        assertTrue(e.getMessage().contains("'bob'") && e.getMessage().contains("'alice'"), e.getMessage());
        IllegalArgumentException g = assertThrows(IllegalArgumentException.class, () -> GtServer.builder()
                .listenAddress("127.0.0.1:0").tcpPortRange("20000-20100")
                .user("carol", User.builder("s3").tcpPortRange("20100-20200").build()).buildConfig());
        assertTrue(g.getMessage().contains("'carol'") && g.getMessage().contains("global"), g.getMessage());
    }

    @Test
    void aHostPrefixHeldByAnotherClientIsAConflict() throws Exception {
        try (Backend backend = new Backend();
                GtServer server = server(b -> { })) {
            Events one = new Events();
            Events two = new Events();
            try (GtClient c1 = GtPair.newClient(server, b -> b.id("id1").secret("s1").eventListener(one)
                    .reconnectDelay(Duration.ofHours(24)).service(ServiceSpec.local(backend.url()).hostPrefix("a").build()));
                    GtClient c2 = GtPair.newClient(server, b -> b.id("id2").secret("s2").eventListener(two)
                            .reconnectDelay(Duration.ofHours(24))
                            .service(ServiceSpec.local(backend.url()).hostPrefix("a").build()))) {
                c1.start();
                c2.start();
                Awaitility.await().atMost(Duration.ofSeconds(20)).until(() ->
                        one.of(GtEvent.HandshakeRejected.class).size() + two.of(GtEvent.HandshakeRejected.class).size() == 1
                        && one.of(GtEvent.TunnelConnected.class).size() + two.of(GtEvent.TunnelConnected.class).size() == 1);
                List<GtEvent.HandshakeRejected> rejected = new ArrayList<>(one.of(GtEvent.HandshakeRejected.class));
                rejected.addAll(two.of(GtEvent.HandshakeRejected.class));
                assertEquals(GtErrorCode.HOST_CONFLICT, rejected.get(0).code());
                assertEquals(200, RawHttp.get(server.listenAddress(), "a.example.com", "/").status());
            }
        }
    }

    @Test
    void aPrefixEqualToAnotherUsersIdIsRefusedEvenWhileThatUserIsOffline() throws Exception {
        try (Backend backend = new Backend();
                GtServer server = server(b -> b.user("alice", "s1").user("mallory", "s2"))) {
            try (Attempt a = Attempt.connect(server, "mallory", "s2", http(backend, "Alice"))) {
                String msg = a.refused(GtErrorCode.HOST_CONFLICT);
                assertTrue(msg.contains("id of another user"), msg);
            }
            try (Attempt a = Attempt.connect(server, "alice", "s1", List.of(ServiceSpec.local(backend.url()).build()))) {
                a.ready();
                assertEquals(200, RawHttp.get(server.listenAddress(), "alice.example.com", "/").status());
            }
        }
    }

    @Test
    void connectionsLimitTunnelsPerIdGloballyAndPerUser() throws Exception {
        try (Backend backend = new Backend();
                GtServer server = server(b -> b.maxTunnelsPerClient(3).allowAnyClient(true)
                        .user("solo", User.builder("s").maxTunnels(1).build()))) {
            Events events = new Events();
            try (GtClient c = GtPair.newClient(server, b -> b.id("many").secret("m").eventListener(events)
                    .maxTunnels(5).idleTunnels(5).reconnectDelay(Duration.ofHours(24))
                    .service(ServiceSpec.local(backend.url()).build()))) {
                c.start().get(10, TimeUnit.SECONDS);
                events.awaitCount(GtEvent.HandshakeRejected.class, 2);
                Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> events.of(GtEvent.TunnelConnected.class).size() == 3);
                assertTrue(events.of(GtEvent.HandshakeRejected.class).stream()
                        .allMatch(r -> r.code() == GtErrorCode.MAX_CONNECTIONS), events.toString());
                assertEquals(3, server.state().clients().stream().filter(x -> x.id().equals("many"))
                        .findFirst().orElseThrow().tunnels().size());
                assertEquals(200, RawHttp.get(server.listenAddress(), "many.example.com", "/").status());
            }
            Events soloEvents = new Events();
            try (GtClient c = GtPair.newClient(server, b -> b.id("solo").secret("s").eventListener(soloEvents)
                    .maxTunnels(2).idleTunnels(2).reconnectDelay(Duration.ofHours(24))
                    .service(ServiceSpec.local(backend.url()).build()))) {
                c.start().get(10, TimeUnit.SECONDS);
                GtEvent.HandshakeRejected r = soloEvents.awaitCount(GtEvent.HandshakeRejected.class, 1);
                assertEquals(GtErrorCode.MAX_CONNECTIONS, r.code());
                assertTrue(r.message().contains("1 tunnel"), r.message());
            }
        }
    }

    /** GT's TestServices: CLI users with global rules and file users with their own, many services each. */
    @Test
    void manyServicesOfUsersWithGlobalAndOwnRules() throws Exception {
        int global = FreePorts.block(60);
        int own = FreePorts.block(60);
        try (Backend backend = new Backend();
                GtServer server = server(b -> b.user("id1", "secret1").user("id2", "secret2")
                        .user("id3", User.builder("secret3").prependIdToHostPrefixes(true).maxHostPrefixes(4)
                                .tcpPortRange(own + "-" + (own + 59)).maxTcpPorts(4).build())
                        .maxHostPrefixesPerClient(4).tcpPortRange(global + "-" + (global + 59)).maxTcpPortsPerClient(4))) {
            List<ServiceSpec> s1 = new ArrayList<>();
            s1.add(ServiceSpec.local(backend.url()).build());
            s1.addAll(http(backend, "id1-2", "id1-3", "id1-4"));
            s1.addAll(tcp(backend, 0, 0, 0, 0));
            List<ServiceSpec> s3 = new ArrayList<>();
            s3.add(ServiceSpec.local(backend.url()).build());
            s3.addAll(http(backend, "2", "3", "4"));
            s3.addAll(tcp(backend, 0, 0, 0, 0));
            try (Attempt a1 = Attempt.connect(server, "id1", "secret1", s1).ready();
                    Attempt a3 = Attempt.connect(server, "id3", "secret3", s3).ready()) {
                for (String host : List.of("id1", "id1-2", "id1-3", "id1-4", "id3", "id3-2", "id3-3", "id3-4")) {
                    RawHttp.Response r = RawHttp.get(server.listenAddress(), host + ".example.com", "/");
                    assertEquals(200, r.status(), host + ": " + r.head());
                }
                int tcpPorts = 0;
                for (Attempt a : List.of(a1, a3)) {
                    int lo = a == a1 ? global : own;
                    for (ClientState.RegisteredService s : a.client.state().services()) {
                        if (s.tcpPort() != 0) {
                            tcpPorts++;
                            assertTrue(s.tcpPort() >= lo && s.tcpPort() < lo + 60, s.toString());
                            RawHttp.Response r = RawHttp.get(new java.net.InetSocketAddress("127.0.0.1", s.tcpPort()),
                                    "x", "/");
                            assertEquals(200, r.status(), s.toString());
                        }
                    }
                }
                assertEquals(8, tcpPorts);
            }
        }
    }
}

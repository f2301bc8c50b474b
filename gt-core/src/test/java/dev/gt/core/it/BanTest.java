package dev.gt.core.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.gt.api.GtErrorCode;
import dev.gt.api.GtEvent;
import dev.gt.api.ServiceSpec;
import dev.gt.core.GtClient;
import dev.gt.core.GtServer;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Failed-login ban (GT's TestReconnectLimit): after {@code -reconnectTimes} failures an address is
 * refused for {@code -reconnectDuration}, then let in again; visitors from it are never refused.
 */
@Timeout(60)
class BanTest {
    @Test
    void anAddressIsRefusedAfterFailedLoginsUntilTheBanExpires() throws Exception {
        Events serverEvents = new Events();
        try (Backend backend = new Backend();
                GtServer server = GtServer.builder().listenAddress("127.0.0.1:0").user("id1", "secret1").user("id2", "secret2")
                        .failedLoginsBeforeBan(0).banDuration(Duration.ofSeconds(2)).eventListener(serverEvents).build()) {
            server.start().get(10, TimeUnit.SECONDS);
            // A client that got in before the ban keeps working and keeps its visitors.
            try (Attempt ok = Attempt.connect(server, "id2", "secret2",
                    List.of(ServiceSpec.local(backend.url()).build())).ready()) {
                Events bad = new Events();
                try (GtClient wrong = GtPair.newClient(server, b -> b.id("id1").secret("wrong").eventListener(bad)
                        .keepRetryingAfterRefusal(true)
                        .reconnectDelay(Duration.ofMillis(50)).service(ServiceSpec.local(backend.url()).build()))) {
                    wrong.start();
                    assertEquals(GtErrorCode.INVALID_ID_OR_SECRET, bad.awaitCount(GtEvent.HandshakeRejected.class, 1).code());
                    GtEvent.HandshakeRejected banned = bad.awaitCount(GtEvent.HandshakeRejected.class, 2);
                    assertEquals(GtErrorCode.BANNED, banned.code(), bad.toString());
                    assertTrue(banned.message().contains("127.0.0.1"), banned.message());
                }
                // Visitors are never banned.
                assertEquals(200, RawHttp.get(server.listenAddress(), "id2.example.com", "/").status());

                Events good = new Events();
                try (GtClient right = GtPair.newClient(server, b -> b.id("id1").secret("secret1").eventListener(good)
                        .reconnectDelay(Duration.ofMillis(100)).service(ServiceSpec.local(backend.url()).build()))) {
                    // start() reports the first refusal; the client keeps trying with backoff.
                    right.start();
                    good.awaitCount(GtEvent.TunnelConnected.class, 1);
                    // The right secret from the banned address waited for the ban to end.
                    assertTrue(good.of(GtEvent.HandshakeRejected.class).stream().allMatch(r -> r.code() == GtErrorCode.BANNED),
                            good.toString());
                    assertEquals(1, good.of(GtEvent.TunnelConnected.class).size());
                    assertEquals(200, RawHttp.get(server.listenAddress(), "id1.example.com", "/").status());
                }
                // Exactly one failed login was counted: banned attempts are refused before authentication.
                long invalid = serverEvents.of(GtEvent.ClientRejected.class).stream()
                        .filter(r -> r.code() == GtErrorCode.INVALID_ID_OR_SECRET).count();
                assertEquals(1, invalid, serverEvents.toString());
            }
        }
    }

    @Test
    void zeroDurationMeansNoBan() throws Exception {
        try (Backend backend = new Backend();
                GtServer server = GtServer.builder().listenAddress("127.0.0.1:0").user("id1", "secret1")
                        .failedLoginsBeforeBan(0).banDuration(Duration.ZERO).build()) {
            server.start().get(10, TimeUnit.SECONDS);
            for (int i = 0; i < 5; i++) {
                try (Attempt a = Attempt.connect(server, "id1", "wrong" + i, List.of(ServiceSpec.local(backend.url()).build()))) {
                    a.refused(GtErrorCode.INVALID_ID_OR_SECRET);
                }
            }
            try (Attempt a = Attempt.connect(server, "id1", "secret1", List.of(ServiceSpec.local(backend.url()).build()))) {
                a.ready();
            }
        }
    }
}

package dev.gt.core.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.gt.api.GtErrorCode;
import dev.gt.api.GtEvent;
import dev.gt.api.GtException;
import dev.gt.api.ServiceSpec;
import dev.gt.core.GtClient;
import dev.gt.core.GtServer;
import java.time.Duration;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Who may connect: configured users with their secret, or in allow-any mode the first secret of an id. */
@Timeout(30)
class AuthenticationTest {
    @Test
    void wrongSecretIsRejectedWithInvalidIdOrSecret() throws Exception {
        try (Backend backend = new Backend();
                GtPair gt = GtPair.start(s -> { }, c -> c.service(ServiceSpec.local(backend.url()).build()))) {
            assertRejected(gt.server, "id1", "wrong-secret", backend);
        }
    }

    @Test
    void unknownIdIsRejectedWithInvalidIdOrSecretWhenUsersAreConfigured() throws Exception {
        try (Backend backend = new Backend();
                GtPair gt = GtPair.start(s -> { }, c -> c.service(ServiceSpec.local(backend.url()).build()))) {
            assertRejected(gt.server, "id9", "secret1", backend);
        }
    }

    @Test
    void allowAnyModeBindsAnIdToTheFirstSecretWhileItIsConnected() throws Exception {
        try (Backend backend = new Backend();
                GtServer server = GtServer.builder().listenAddress("127.0.0.1:0").allowAnyClientHold(Duration.ZERO).build()) {
            server.start().get(10, TimeUnit.SECONDS);
            Events secondEvents = new Events();
            try (GtClient first = GtPair.newClient(server, b -> b.id("anyone").secret("first-secret")
                    .service(ServiceSpec.local(backend.url()).build()));
                    GtClient second = GtPair.newClient(server, b -> b.id("anyone").secret("second-secret")
                            .reconnectDelay(Duration.ofMillis(100)).eventListener(secondEvents)
                            .keepRetryingAfterRefusal(true)
                            .service(ServiceSpec.local(backend.url()).build()))) {
                first.start().get(10, TimeUnit.SECONDS);
                RawHttp.Response r = RawHttp.get(server.listenAddress(), "anyone.example.com", "/");
                assertEquals(200, r.status(), r.head());

                ExecutionException e = assertThrows(ExecutionException.class,
                        () -> second.start().get(10, TimeUnit.SECONDS));
                GtException gtE = assertInstanceOf(GtException.class, e.getCause(), e.toString());
                assertEquals(GtErrorCode.INVALID_ID_OR_SECRET, gtE.code(), gtE.toString());
                assertEquals(GtErrorCode.INVALID_ID_OR_SECRET,
                        secondEvents.awaitCount(GtEvent.HandshakeRejected.class, 1).code());
                assertEquals(1, server.state().clients().size());

                // Once the first client is gone the binding is forgotten; the second one, still
                // retrying, gets in with its own secret.
                first.close();
                secondEvents.awaitCount(GtEvent.TunnelConnected.class, 1);
                RawHttp.Response again = RawHttp.get(server.listenAddress(), "anyone.example.com", "/again");
                assertEquals(200, again.status(), again.head());
            }
        }
    }

    /**
     * Allow-any mode lets anyone register services: an id that is not a configured user gets at
     * most allowAnyClientServices (16 by default) per hello, so that one peer cannot take every
     * port or prefix; a configured user is bounded by its own limits only.
     */
    @Test
    void allowAnyModeLimitsAnUnknownIdTo16ServicesButNotAConfiguredUser() throws Exception {
        try (Backend backend = new Backend();
                GtServer server = GtServer.builder().listenAddress("127.0.0.1:0").allowAnyClient(true).user("id1", "secret1")
                        .build()) {
            server.start().get(10, TimeUnit.SECONDS);
            try (Attempt tooMany = Attempt.connect(server, "anyone", "any-secret", prefixed(backend, "a", 17))) {
                String msg = tooMany.refused(GtErrorCode.MAX_HANDSHAKE_OPTIONS);
                assertTrue(msg.contains("16"), msg);
            }
            assertEquals(404, RawHttp.get(server.listenAddress(), "a0.example.com", "/").status());
            try (Attempt sixteen = Attempt.connect(server, "anyone", "any-secret", prefixed(backend, "b", 16))) {
                sixteen.ready();
                assertEquals(200, RawHttp.get(server.listenAddress(), "b15.example.com", "/").status());
            }
            try (Attempt user = Attempt.connect(server, "id1", "secret1", prefixed(backend, "u", 17))) {
                user.ready();
                assertEquals(200, RawHttp.get(server.listenAddress(), "u16.example.com", "/").status());
            }
        }
    }

    /** {@code count} HTTP services of {@code backend} with prefixes {@code prefix0}, {@code prefix1}, ... */
    private static java.util.List<ServiceSpec> prefixed(Backend backend, String prefix, int count) {
        java.util.List<ServiceSpec> services = new java.util.ArrayList<>();
        for (int i = 0; i < count; i++) {
            services.add(ServiceSpec.local(backend.url()).hostPrefix(prefix + i).build());
        }
        return services;
    }

    @Test
    void noSecretInAllowAnyModeConnectsWithAGeneratedOne() throws Exception {
        try (Backend backend = new Backend();
                GtServer server = GtServer.builder().listenAddress("127.0.0.1:0").build()) {
            server.start().get(10, TimeUnit.SECONDS);
            try (GtClient client = GtClient.builder().id("auto").server("tcp://127.0.0.1:" + server.listenAddress().getPort())
                    .service(ServiceSpec.local(backend.url()).build()).build()) {
                client.start().get(10, TimeUnit.SECONDS);
                assertEquals(200, RawHttp.get(server.listenAddress(), "auto.example.com", "/").status());
            }
        }
    }

    @Test
    void anAllowAnyIdStaysBoundToItsSecretForAWhileAfterItsClientLeft() throws Exception {
        try (Backend backend = new Backend();
                GtServer server = GtServer.builder().listenAddress("127.0.0.1:0").build()) {
            server.start().get(10, TimeUnit.SECONDS);
            try (Attempt first = Attempt.connect(server, "mine", "my-secret",
                    java.util.List.of(ServiceSpec.local(backend.url()).build()))) {
                first.ready();
            }
            Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> server.state().clients().isEmpty());
            // Someone else, while the owner reconnects: refused, so it cannot take the id's host.
            try (Attempt thief = Attempt.connect(server, "mine", "other-secret",
                    java.util.List.of(ServiceSpec.local(backend.url()).build()))) {
                String msg = thief.refused(GtErrorCode.INVALID_ID_OR_SECRET);
                assertTrue(msg.endsWith("invalid id or secret"), msg);
            }
            try (Attempt back = Attempt.connect(server, "mine", "my-secret",
                    java.util.List.of(ServiceSpec.local(backend.url()).build()))) {
                back.ready();
                assertEquals(200, RawHttp.get(server.listenAddress(), "mine.example.com", "/").status());
            }
        }
    }

    private static void assertRejected(GtServer server, String id, String secret, Backend backend) throws Exception {
        Events events = new Events();
        try (GtClient bad = GtPair.newClient(server, b -> b.id(id).secret(secret).eventListener(events)
                .reconnectDelay(Duration.ofSeconds(30)).service(ServiceSpec.local(backend.url()).hostPrefix("bad")
                        .build()))) {
            ExecutionException e = assertThrows(ExecutionException.class, () -> bad.start().get(10, TimeUnit.SECONDS));
            GtException cause = assertInstanceOf(GtException.class, e.getCause(), e.toString());
            assertEquals(GtErrorCode.INVALID_ID_OR_SECRET, cause.code(), cause.toString());
            // An unknown id and a wrong secret read the same: the peer learns nothing about the users.
            assertTrue(cause.getMessage().endsWith("invalid id or secret"), cause.toString());
            assertFalse(cause.getMessage().contains("'" + id + "'") || cause.getMessage().contains("unknown")
                    || cause.getMessage().contains("wrong"), cause.toString());
            GtEvent.HandshakeRejected rejected = events.awaitCount(GtEvent.HandshakeRejected.class, 1);
            assertEquals(GtErrorCode.INVALID_ID_OR_SECRET, rejected.code());
            assertEquals(0, events.of(GtEvent.TunnelConnected.class).size());
            assertEquals(0, events.of(GtEvent.ServiceRegistered.class).size());
            // The rejected client registered nothing on the server.
            assertEquals(404, RawHttp.get(server.listenAddress(), "bad.example.com", "/").status());
        }
    }
}

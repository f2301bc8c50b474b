package dev.gt.core.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.net.httpserver.HttpServer;
import dev.gt.api.GtErrorCode;
import dev.gt.api.ServiceSpec;
import dev.gt.api.spi.AuthRequest;
import dev.gt.api.spi.AuthResult;
import dev.gt.api.spi.UserLimits;
import dev.gt.core.GtClient;
import dev.gt.core.GtServer;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Authentication outside the server's user list: GT's {@code -authAPI} (TestAuthAPI, plus the
 * API down, slow and answering garbage), the {@code Authenticator} SPI, and the client's
 * {@code -remoteAPI} (TestRemoteAPI).
 */
@Timeout(60)
class AuthApiTest {
    private final List<String> bodies = new CopyOnWriteArrayList<>();
    private final CountDownLatch never = new CountDownLatch(1);
    private HttpServer api;

    @AfterEach
    void stopApi() {
        never.countDown();
        if (api != null) {
            api.stop(0);
        }
    }

    /** A mock API on 127.0.0.1 answering every request with {@code status} and {@code body}. */
    private String startApi(int status, String body) throws IOException {
        api = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        api.createContext("/", ex -> {
            bodies.add(new String(ex.getRequestBody().readAllBytes(), StandardCharsets.UTF_8)
                    + " query=" + ex.getRequestURI().getRawQuery() + " request-id=" + ex.getRequestHeaders().getFirst("Request-Id"));
            if (status == 0) {
                try {
                    never.await(30, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
            byte[] b = body.getBytes(StandardCharsets.UTF_8);
            ex.sendResponseHeaders(status == 0 ? 200 : status, b.length);
            ex.getResponseBody().write(b);
            ex.close();
        });
        api.setExecutor(java.util.concurrent.Executors.newCachedThreadPool());
        api.start();
        return "http://127.0.0.1:" + api.getAddress().getPort() + "/auth";
    }

    private static GtServer server(Consumer<GtServer.Builder> config) throws Exception {
        GtServer.Builder b = GtServer.builder().listenAddress("127.0.0.1:0");
        config.accept(b);
        GtServer s = b.build();
        s.start().get(10, TimeUnit.SECONDS);
        return s;
    }

    private static List<ServiceSpec> services(Backend backend, String... prefixes) {
        List<ServiceSpec> l = new java.util.ArrayList<>();
        l.add(ServiceSpec.local(backend.url()).build());
        for (String p : prefixes) {
            l.add(ServiceSpec.local(backend.url()).hostPrefix(p).build());
        }
        return l;
    }

    @Test
    void theAuthApiAcceptsAndGrantsHostPrefixes() throws Exception {
        String url = startApi(200, "{\"result\":true,\"appletTokens\":[\"granted\"]}");
        try (Backend backend = new Backend();
                GtServer server = server(b -> b.authUrl(url).user("ignored", "x"));
                Attempt a = Attempt.connect(server, "apiuser", "api-secret", services(backend, "granted", "other"))) {
            a.ready();
            String body = bodies.get(0);
            assertTrue(body.contains("\"networkClientId\":\"apiuser\"") && body.contains("\"networkSecretKey\":\"api-secret\"")
                    && body.contains("\"appletTokens\":[\"apiuser\",\"granted\",\"other\"]"), body);
            assertTrue(body.matches("(?s).*request-id=\\d+$"), body);
            assertEquals(200, RawHttp.get(server.listenAddress(), "apiuser.example.com", "/").status());
            assertEquals(200, RawHttp.get(server.listenAddress(), "granted.example.com", "/").status());
            // Not granted: dropped without failing the tunnel, as in GT.
            assertEquals(404, RawHttp.get(server.listenAddress(), "other.example.com", "/").status());
        }
    }

    @Test
    void aRefusalIsInvalidIdOrSecret() throws Exception {
        String url = startApi(200, "{\"result\":false}");
        try (Backend backend = new Backend();
                GtServer server = server(b -> b.authUrl(url));
                Attempt a = Attempt.connect(server, "apiuser", "bad", services(backend))) {
            a.refused(GtErrorCode.INVALID_ID_OR_SECRET);
        }
    }

    @Test
    void garbageFromTheApiIsUnavailableNotARefusal() throws Exception {
        String url = startApi(200, "<html>oops</html>");
        try (Backend backend = new Backend();
                GtServer server = server(b -> b.authUrl(url).failedLoginsBeforeBan(0));
                Attempt a = Attempt.connect(server, "apiuser", "s", services(backend))) {
            String msg = a.refused(GtErrorCode.AUTH_UNAVAILABLE);
            assertTrue(!msg.contains("\"s\""), msg);
        }
        // Not counted as a failed login: with -reconnectTimes 0 a counted failure would ban 127.0.0.1.
    }

    @Test
    void aSlowApiTimesOutAfterTheServerTimeout() throws Exception {
        String url = startApi(0, "{\"result\":true}");
        try (Backend backend = new Backend();
                GtServer server = server(b -> b.authUrl(url).idleTimeout(Duration.ofMillis(500)));
                Attempt a = Attempt.connect(server, "apiuser", "s", services(backend))) {
            a.refused(GtErrorCode.AUTH_UNAVAILABLE);
        }
    }

    @Test
    void anApiThatIsDownIsUnavailable() throws Exception {
        int port;
        try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            port = s.getLocalPort();
        }
        try (Backend backend = new Backend();
                GtServer server = server(b -> b.authUrl("http://127.0.0.1:" + port + "/auth"));
                Attempt a = Attempt.connect(server, "apiuser", "s", services(backend))) {
            String msg = a.refused(GtErrorCode.AUTH_UNAVAILABLE);
            // The auth API's address is the operator's business, not the peer's.
            assertFalse(msg.contains("127.0.0.1") || msg.contains("/auth"), msg);
            assertTrue(msg.contains("try again later"), msg);
        }
    }

    @Test
    void anAuthenticatorOfTheHostApplicationDecides() throws Exception {
        List<AuthRequest> seen = new CopyOnWriteArrayList<>();
        try (Backend backend = new Backend();
                GtServer server = server(b -> b.prependIdToHostPrefixes(true).authenticator(req -> {
                    seen.add(req);
                    return CompletableFuture.supplyAsync(() -> req.secret().equals("open-sesame")
                            ? AuthResult.accept() : AuthResult.reject("not in the user store"));
                }))) {
            try (Attempt a = Attempt.connect(server, "app", "open-sesame", services(backend, "web"))) {
                a.ready();
                assertEquals(200, RawHttp.get(server.listenAddress(), "app-web.example.com", "/").status());
                assertEquals(List.of("app", "app-web"), seen.get(0).hostPrefixes());
                assertTrue(!seen.get(0).toString().contains("open-sesame"));
            }
            try (Attempt a = Attempt.connect(server, "app", "wrong", services(backend))) {
                String msg = a.refused(GtErrorCode.INVALID_ID_OR_SECRET);
                // The same words as for an unknown id: the peer learns nothing about the user store.
                assertTrue(msg.endsWith("invalid id or secret"), msg);
                assertFalse(msg.contains("not in the user store"), msg);
            }
        }
    }

    @Test
    void anAuthenticatorCanSetTheLimitsOfTheIdItAccepts() throws Exception {
        try (Backend backend = new Backend();
                GtServer server = server(b -> b.maxTunnelsPerClient(10).authenticator(req -> CompletableFuture.completedFuture(
                        req.id().equals("small") ? AuthResult.accept().withLimits(new UserLimits(1, null, null, null))
                                : AuthResult.accept())))) {
            try (Attempt first = Attempt.connect(server, "small", "s", services(backend))) {
                first.ready();
                try (Attempt second = Attempt.connect(server, "small", "s", services(backend))) {
                    String msg = second.refused(GtErrorCode.MAX_CONNECTIONS);
                    assertTrue(msg.contains("1 tunnel"), msg);
                }
            }
            // Another id keeps the server's limit of 10.
            try (Attempt a = Attempt.connect(server, "big", "s", services(backend));
                    Attempt b = Attempt.connect(server, "big", "s", services(backend))) {
                a.ready();
                b.ready();
            }
        }
    }

    @Test
    void theClientAsksTheRemoteApiForTheServerAddress() throws Exception {
        try (Backend backend = new Backend();
                GtServer server = server(b -> b.user("id1", "secret1"))) {
            String url = startApi(200, "{\"serverAddress\":\"tcp://127.0.0.1:" + server.listenAddress().getPort() + "\"}");
            try (GtClient c = GtClient.builder().id("id1").secret("secret1").serverLookupUrl(url)
                    .service(ServiceSpec.local(backend.url()).build()).build()) {
                c.start().get(15, TimeUnit.SECONDS);
                assertEquals(200, RawHttp.get(server.listenAddress(), "id1.example.com", "/").status());
                assertTrue(bodies.get(0).contains("query=network_client_id=id1"), bodies.toString());
            }
        }
    }
}

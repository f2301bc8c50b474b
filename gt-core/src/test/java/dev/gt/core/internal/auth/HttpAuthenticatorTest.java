package dev.gt.core.internal.auth;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.gt.api.GtErrorCode;
import dev.gt.api.GtException;
import dev.gt.api.spi.AuthRequest;
import dev.gt.api.spi.AuthResult;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** GT's -authAPI against a mock API: GT's exact request, and rejection kept apart from unavailability. */
class HttpAuthenticatorTest {

    private static final String SECRET = "s3cr\"et\\with\u00e9\u2603\ud83d\ude00\n";
    private static final Duration TIMEOUT = Duration.ofSeconds(5);

    /** What the mock API answers: status and body (the body may be written in several ways). */
    @FunctionalInterface
    interface Responder {
        void respond(HttpExchange exchange) throws IOException;
    }

    private record Seen(String method, Map<String, List<String>> headers, byte[] body) { }

    private HttpServer server;
    private ExecutorService executor;
    private volatile Responder responder;
    private final BlockingQueue<Seen> seen = new LinkedBlockingQueue<>();
    private final CountDownLatch release = new CountDownLatch(1);

    @BeforeEach
    void start() throws IOException {
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        // Handlers may park on the latch: each exchange gets its own thread.
        executor = Executors.newCachedThreadPool();
        server.setExecutor(executor);
        server.createContext("/auth", exchange -> {
            try (exchange) {
                seen.add(new Seen(exchange.getRequestMethod(), new LinkedHashMap<>(exchange.getRequestHeaders()),
                        exchange.getRequestBody().readAllBytes()));
                responder.respond(exchange);
            } catch (IOException e) {
                // The client hung up (deadline, oversized body): expected in some tests.
            }
        });
        server.start();
    }

    @AfterEach
    void stop() throws InterruptedException {
        release.countDown();
        server.stop(0);
        executor.shutdownNow();
        assertTrue(executor.awaitTermination(10, TimeUnit.SECONDS));
    }

    private URI api() {
        return URI.create("http://127.0.0.1:" + server.getAddress().getPort() + "/auth?key=apikey");
    }

    private static AuthRequest request(String... prefixes) {
        return new AuthRequest("client-1", SECRET, new InetSocketAddress("10.0.0.1", 5000), List.of(prefixes));
    }

    private static Responder json(int status, String body) {
        return exchange -> {
            byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
            exchange.getResponseHeaders().set("Content-Type", "application/json");
            exchange.sendResponseHeaders(status, bytes.length == 0 ? -1 : bytes.length);
            if (bytes.length > 0) {
                try (OutputStream out = exchange.getResponseBody()) {
                    out.write(bytes);
                }
            }
        };
    }

    private AuthResult authenticate(HttpAuthenticator auth, AuthRequest request) throws Exception {
        return auth.authenticate(request).toCompletableFuture().get(10, TimeUnit.SECONDS);
    }

    /** Runs a check that must fail as AUTH_UNAVAILABLE; returns the exception after the common checks. */
    private static GtException unavailable(CompletableFuture<AuthResult> stage) throws Exception {
        ExecutionException e = assertThrows(ExecutionException.class, () -> stage.get(10, TimeUnit.SECONDS));
        GtException gt = assertInstanceOf(GtException.class, e.getCause());
        assertEquals(GtErrorCode.AUTH_UNAVAILABLE, gt.code());
        assertNoSecret(gt);
        assertTrue(gt.getMessage().contains("/auth"), gt.getMessage());
        assertFalse(gt.getMessage().contains("apikey"), "query string leaked: " + gt.getMessage());
        return gt;
    }

    private static void assertNoSecret(Throwable t) {
        for (Throwable c = t; c != null; c = c.getCause()) {
            String m = String.valueOf(c.getMessage());
            assertFalse(m.contains(SECRET) || m.contains("s3cr"), "secret leaked: " + m);
        }
    }

    @Test
    void sendsGtsExactRequestAndAcceptsWithTheApisTokens() throws Exception {
        responder = json(200, "{\"result\":true,\"appletTokens\":[\"web\",\"api\"],\"extra\":{\"a\":[1,{\"b\":2}]}}");
        HttpAuthenticator auth = new HttpAuthenticator(api(), TIMEOUT);

        AuthResult result = authenticate(auth, request("web", "api", "other"));

        assertTrue(result.accepted());
        assertEquals(Set.of("web", "api"), result.allowedHostPrefixes());
        Seen s = seen.poll(10, TimeUnit.SECONDS);
        assertNotNull(s);
        assertEquals("POST", s.method());
        assertEquals(List.of("application/json"), s.headers().get("Content-type"));
        List<String> requestId = s.headers().get("Request-id");
        assertNotNull(requestId, "Request-Id header missing: " + s.headers());
        long sentAt = Long.parseLong(requestId.get(0));
        assertTrue(Math.abs(sentAt - System.currentTimeMillis() / 1000) <= 5, "Request-Id " + sentAt);

        Map<String, Object> body = parseObject(s.body());
        assertEquals(List.of("networkClientId", "networkSecretKey", "appletTokens"), new ArrayList<>(body.keySet()));
        assertEquals("client-1", body.get("networkClientId"));
        assertEquals(SECRET, body.get("networkSecretKey"));
        assertEquals(List.of("web", "api", "other"), body.get("appletTokens"));
    }

    @Test
    void secretIsJsonEscaped() throws Exception {
        responder = json(200, "{\"result\":true}");
        authenticate(new HttpAuthenticator(api(), TIMEOUT), request());

        String raw = new String(seen.poll(10, TimeUnit.SECONDS).body(), StandardCharsets.UTF_8);
        assertTrue(raw.contains("\"networkSecretKey\":\"s3cr\\\"et\\\\with\u00e9\u2603\ud83d\ude00\\n\""), raw);
        assertTrue(raw.contains("\"appletTokens\":[]"), raw);
    }

    @Test
    void acceptWithoutTokensLeavesOnlyTheId() throws Exception {
        responder = json(200, "{\"result\":true}");
        AuthResult result = authenticate(new HttpAuthenticator(api(), TIMEOUT), request("web"));
        assertTrue(result.accepted());
        assertEquals(Set.of(), result.allowedHostPrefixes(), "absent appletTokens must not mean 'no restriction'");

        responder = json(200, "{\"appletTokens\":null,\"result\":true}");
        result = authenticate(new HttpAuthenticator(api(), TIMEOUT), request("web"));
        assertEquals(Set.of(), result.allowedHostPrefixes());
    }

    @Test
    void resultFalseRejects() throws Exception {
        responder = json(200, "{\"result\":false,\"appletTokens\":[\"web\"]}");
        AuthResult result = authenticate(new HttpAuthenticator(api(), TIMEOUT), request("web"));
        assertFalse(result.accepted());
        assertEquals("the auth API refused id 'client-1'", result.reason());
        assertNull(result.allowedHostPrefixes());
    }

    @Test
    void unauthorizedAndForbiddenReject() throws Exception {
        for (int status : new int[] {401, 403}) {
            responder = json(status, "nope");
            AuthResult result = authenticate(new HttpAuthenticator(api(), TIMEOUT), request());
            assertFalse(result.accepted());
            assertTrue(result.reason().contains("client-1") && result.reason().contains(String.valueOf(status)),
                    result.reason());
            assertFalse(result.reason().contains("s3cr"));
        }
    }

    @Test
    void apiDownIsUnavailableQuickly() throws Exception {
        int port;
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            port = s.getLocalPort();
        }
        HttpAuthenticator auth = new HttpAuthenticator(URI.create("http://127.0.0.1:" + port + "/auth"), TIMEOUT);
        long start = System.nanoTime();
        GtException e = unavailable(auth.authenticate(request()));
        assertTrue(System.nanoTime() - start < TimeUnit.SECONDS.toNanos(4), "refused connection took too long");
        assertTrue(e.getMessage().contains("cannot be reached"), e.getMessage());
    }

    @Test
    void slowApiIsUnavailableAfterTheTimeout() throws Exception {
        responder = exchange -> {
            try {
                release.await(30, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        };
        HttpAuthenticator auth = new HttpAuthenticator(api(), Duration.ofMillis(300));
        long start = System.nanoTime();
        GtException e = unavailable(auth.authenticate(request()));
        long tookMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
        assertTrue(tookMs >= 250 && tookMs < 3000, "took " + tookMs + " ms");
        assertTrue(e.getMessage().contains("within 300 ms"), e.getMessage());
    }

    @Test
    void tricklingBodyIsCutAtTheDeadline() throws Exception {
        // Headers arrive at once, the body never finishes: the request timeout alone would not fire.
        responder = exchange -> {
            exchange.sendResponseHeaders(200, 100);
            OutputStream out = exchange.getResponseBody();
            out.write('{');
            out.flush();
            try {
                release.await(30, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        };
        HttpAuthenticator auth = new HttpAuthenticator(api(), Duration.ofMillis(300));
        long start = System.nanoTime();
        GtException e = unavailable(auth.authenticate(request()));
        long tookMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
        assertTrue(tookMs < 3000, "took " + tookMs + " ms");
        assertTrue(e.getMessage().contains("within 300 ms"), e.getMessage());
    }

    @Test
    void unusableAnswersAreUnavailable() throws Exception {
        Map<String, String> cases = new LinkedHashMap<>();
        cases.put("garbage " + SECRET, "invalid JSON");
        cases.put("{\"result\":\"true\"}", "not a boolean");
        cases.put("{\"result\":1}", "not a boolean");
        cases.put("{\"result\":null}", "not a boolean");
        cases.put("{\"ok\":true}", "without a boolean 'result'");
        cases.put("", "empty body");
        cases.put("[true]", "not an object");
        cases.put("{\"result\":true,\"appletTokens\":\"web\"}", "not an array");
        cases.put("{\"result\":true,\"appletTokens\":[1]}", "not a string");
        cases.put("{\"result\":true}{\"result\":false}", "extra content");
        cases.put("{\"result\":false,\"result\":true}", "invalid JSON");
        cases.put("{\"result\":true", "invalid JSON");
        for (Map.Entry<String, String> c : cases.entrySet()) {
            responder = json(200, c.getKey());
            GtException e = unavailable(new HttpAuthenticator(api(), TIMEOUT).authenticate(request()));
            assertTrue(e.getMessage().contains(c.getValue()), c.getKey() + " -> " + e.getMessage());
        }
    }

    @Test
    void echoedSecretNeverReachesTheMessage() throws Exception {
        responder = json(200, "{\"result\":\"" + SECRET.replace("\\", "\\\\").replace("\"", "\\\"")
                .replace("\n", "\\n") + "\"}");
        unavailable(new HttpAuthenticator(api(), TIMEOUT).authenticate(request()));
        responder = json(200, SECRET);
        unavailable(new HttpAuthenticator(api(), TIMEOUT).authenticate(request()));
    }

    @Test
    void otherStatusesAreUnavailable() throws Exception {
        for (int status : new int[] {500, 404, 302, 503}) {
            responder = json(status, "{\"result\":true}");
            GtException e = unavailable(new HttpAuthenticator(api(), TIMEOUT).authenticate(request()));
            assertTrue(e.getMessage().contains("HTTP " + status), e.getMessage());
        }
    }

    @Test
    void oversizedBodyIsUnavailable() throws Exception {
        String big = "{\"result\":true,\"pad\":\"" + "x".repeat(1024 * 1024) + "\"}";
        responder = json(200, big);
        GtException e = unavailable(new HttpAuthenticator(api(), TIMEOUT).authenticate(request()));
        assertTrue(e.getMessage().contains("larger than 65536"), e.getMessage());

        // Chunked (no Content-Length) and slightly over the cap.
        responder = exchange -> {
            exchange.sendResponseHeaders(200, 0);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(("{\"result\":true,\"pad\":\"" + "y".repeat(64 * 1024) + "\"}")
                        .getBytes(StandardCharsets.UTF_8));
            }
        };
        e = unavailable(new HttpAuthenticator(api(), TIMEOUT).authenticate(request()));
        assertTrue(e.getMessage().contains("larger than 65536"), e.getMessage());
    }

    @Test
    void bodyJustUnderTheCapIsRead() throws Exception {
        String prefix = "{\"result\":true,\"pad\":\"";
        String body = prefix + "z".repeat(64 * 1024 - prefix.length() - 2) + "\"}";
        assertEquals(64 * 1024, body.length());
        responder = json(200, body);
        assertTrue(authenticate(new HttpAuthenticator(api(), TIMEOUT), request()).accepted());
    }

    @Test
    void authenticateReturnsBeforeTheApiAnswers() throws Exception {
        responder = exchange -> {
            try {
                release.await(30, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            json(200, "{\"result\":true}").respond(exchange);
        };
        CompletableFuture<AuthResult> stage = new HttpAuthenticator(api(), TIMEOUT).authenticate(request());
        assertFalse(stage.isDone());
        release.countDown();
        assertTrue(stage.get(10, TimeUnit.SECONDS).accepted());
    }

    @Test
    void constructorChecksTheUrl() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new HttpAuthenticator(URI.create("ftp://host/auth"), TIMEOUT));
        assertTrue(e.getMessage().contains("-authAPI") && e.getMessage().contains("http"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> new HttpAuthenticator(URI.create("http:///auth"), TIMEOUT));
        assertTrue(e.getMessage().contains("-authAPI") && e.getMessage().contains("host"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> new HttpAuthenticator(URI.create("auth"), TIMEOUT));
        assertThrows(IllegalArgumentException.class,
                () -> new HttpAuthenticator(URI.create("http://host/auth"), Duration.ZERO));
    }

    /** A flat JSON object of strings and string arrays, read with the same streaming parser. */
    private static Map<String, Object> parseObject(byte[] body) throws IOException {
        Map<String, Object> fields = new LinkedHashMap<>();
        try (JsonParser p = new JsonFactory().createParser(body)) {
            assertEquals(JsonToken.START_OBJECT, p.nextToken());
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                String name = p.currentName();
                if (p.nextToken() == JsonToken.START_ARRAY) {
                    List<String> items = new ArrayList<>();
                    while (p.nextToken() != JsonToken.END_ARRAY) {
                        items.add(p.getText());
                    }
                    fields.put(name, items);
                } else {
                    fields.put(name, p.getText());
                }
            }
            assertNull(p.nextToken());
        }
        return fields;
    }
}

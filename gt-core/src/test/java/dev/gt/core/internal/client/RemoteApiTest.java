package dev.gt.core.internal.client;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
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
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
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
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** GT's client -remoteAPI against a mock API. */
class RemoteApiTest {

    private static final Duration TIMEOUT = Duration.ofSeconds(5);

    private record Seen(String method, URI uri, Map<String, List<String>> headers) { }

    private HttpServer server;
    private ExecutorService executor;
    private volatile String status = "200";
    private volatile String answer;
    private final BlockingQueue<Seen> seen = new LinkedBlockingQueue<>();
    private final CountDownLatch release = new CountDownLatch(1);
    private volatile boolean hang;

    @BeforeEach
    void start() throws IOException {
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        executor = Executors.newCachedThreadPool();
        server.setExecutor(executor);
        server.createContext("/remote", exchange -> {
            try (exchange) {
                seen.add(new Seen(exchange.getRequestMethod(), exchange.getRequestURI(),
                        new LinkedHashMap<>(exchange.getRequestHeaders())));
                if (hang) {
                    release.await(30, TimeUnit.SECONDS);
                }
                respond(exchange);
            } catch (IOException | InterruptedException e) {
                // The client gave up: expected in the timeout test.
            }
        });
        server.start();
    }

    private void respond(HttpExchange exchange) throws IOException {
        byte[] bytes = answer.getBytes(StandardCharsets.UTF_8);
        exchange.sendResponseHeaders(Integer.parseInt(status), bytes.length == 0 ? -1 : bytes.length);
        if (bytes.length > 0) {
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(bytes);
            }
        }
    }

    @AfterEach
    void stop() throws InterruptedException {
        release.countDown();
        server.stop(0);
        executor.shutdownNow();
        assertTrue(executor.awaitTermination(10, TimeUnit.SECONDS));
    }

    private URI api(String query) {
        return URI.create("http://127.0.0.1:" + server.getAddress().getPort() + "/remote" + query);
    }

    private static String get(CompletableFuture<String> stage) throws Exception {
        return stage.get(10, TimeUnit.SECONDS);
    }

    private static IOException failure(CompletableFuture<String> stage) {
        ExecutionException e = assertThrows(ExecutionException.class, () -> stage.get(10, TimeUnit.SECONDS));
        IOException io = assertInstanceOf(IOException.class, e.getCause());
        assertTrue(io.getMessage().startsWith("-remoteAPI http://127.0.0.1:"), io.getMessage());
        assertFalse(io.getMessage().contains("token=t0p"), "query string leaked: " + io.getMessage());
        return io;
    }

    @Test
    void sendsGtsQueryAndReturnsTheServerAddress() throws Exception {
        answer = "{\"serverAddress\":\"tcp://gt.example.com:8080\",\"stunAddress\":\"stun:gt.example.com:3478\"}";
        String address = get(new RemoteApi(api(""), TIMEOUT).serverAddress("id with space&=é"));

        assertEquals("tcp://gt.example.com:8080", address);
        Seen s = seen.poll(10, TimeUnit.SECONDS);
        assertNotNull(s);
        assertEquals("GET", s.method());
        assertEquals("network_client_id=id+with+space%26%3D%C3%A9", s.uri().getRawQuery());
        List<String> requestId = s.headers().get("Request-id");
        assertNotNull(requestId, "Request-Id header missing: " + s.headers());
        long sentAt = Long.parseLong(requestId.get(0));
        assertTrue(Math.abs(sentAt - System.currentTimeMillis() / 1000) <= 5, "Request-Id " + sentAt);
    }

    @Test
    void appendsToAnExistingQuery() throws Exception {
        answer = "{\"serverAddress\":\"gt.example.com:443\",\"extra\":[{\"a\":1}]}";
        assertEquals("gt.example.com:443", get(new RemoteApi(api("?token=t0p%2Fsecret"), TIMEOUT).serverAddress("c1")));
        assertEquals("token=t0p%2Fsecret&network_client_id=c1", seen.poll(10, TimeUnit.SECONDS).uri().getRawQuery());
    }

    @Test
    void nonOkStatusFails() {
        status = "500";
        answer = "{\"serverAddress\":\"tcp://gt.example.com:8080\"}";
        IOException e = failure(new RemoteApi(api("?token=t0p"), TIMEOUT).serverAddress("c1"));
        assertTrue(e.getMessage().contains("HTTP 500"), e.getMessage());
    }

    @Test
    void unusableAnswersFail() {
        Map<String, String> cases = new LinkedHashMap<>();
        cases.put("not json", "invalid JSON");
        cases.put("", "empty body");
        cases.put("{\"stunAddress\":\"stun:x\"}", "no serverAddress");
        cases.put("{\"serverAddress\":\"\"}", "no serverAddress");
        cases.put("{\"serverAddress\":42}", "not a string");
        cases.put("[\"tcp://a:1\"]", "not an object");
        cases.put("{\"serverAddress\":\"http://gt.example.com\"}", "unusable serverAddress");
        cases.put("{\"serverAddress\":\"tcp://:80\"}", "unusable serverAddress");
        for (Map.Entry<String, String> c : cases.entrySet()) {
            answer = c.getKey();
            IOException e = failure(new RemoteApi(api("?token=t0p"), TIMEOUT).serverAddress("c1"));
            assertTrue(e.getMessage().contains(c.getValue()), c.getKey() + " -> " + e.getMessage());
        }
    }

    @Test
    void apiDownFails() throws Exception {
        int port;
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            port = s.getLocalPort();
        }
        RemoteApi remote = new RemoteApi(URI.create("http://127.0.0.1:" + port + "/remote"), TIMEOUT);
        ExecutionException e = assertThrows(ExecutionException.class,
                () -> remote.serverAddress("c1").get(10, TimeUnit.SECONDS));
        IOException io = assertInstanceOf(IOException.class, e.getCause());
        assertTrue(io.getMessage().startsWith("-remoteAPI http://127.0.0.1:" + port + "/remote: cannot be reached"),
                io.getMessage());
    }

    @Test
    void slowApiFailsAfterTheTimeout() {
        hang = true;
        answer = "{\"serverAddress\":\"tcp://gt.example.com:8080\"}";
        long start = System.nanoTime();
        IOException e = failure(new RemoteApi(api(""), Duration.ofMillis(300)).serverAddress("c1"));
        long tookMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
        assertTrue(tookMs < 3000, "took " + tookMs + " ms");
        assertTrue(e.getMessage().contains("within 300 ms"), e.getMessage());
    }

    @Test
    void constructorChecksTheUrl() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new RemoteApi(URI.create("tcp://host:1/remote"), TIMEOUT));
        assertTrue(e.getMessage().contains("-remoteAPI") && e.getMessage().contains("http"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> new RemoteApi(URI.create("https:/remote"), TIMEOUT));
        assertTrue(e.getMessage().contains("-remoteAPI") && e.getMessage().contains("host"), e.getMessage());
    }
}

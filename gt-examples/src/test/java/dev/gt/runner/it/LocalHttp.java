package dev.gt.runner.it;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * A "local service" behind a GT client: an HTTP server on 127.0.0.1 (JDK's com.sun.net.httpserver).
 * GET answers {@code <name> host=<Host header> path=<path>}; POST echoes the request body.
 */
public final class LocalHttp implements AutoCloseable {
    private final String name;
    private final HttpServer server;
    private final ExecutorService executor;
    private final Queue<String> hosts = new ConcurrentLinkedQueue<>();

    private LocalHttp(String name) {
        this.name = name;
        try {
            server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 50);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        executor = Executors.newFixedThreadPool(4, r -> {
            Thread t = new Thread(r, "local-http-" + name);
            t.setDaemon(true);
            return t;
        });
        server.setExecutor(executor);
        server.createContext("/", this::handle);
        server.start();
    }

    /** Starts a service called {@code name} on a free port of 127.0.0.1. */
    public static LocalHttp start(String name) {
        return new LocalHttp(name);
    }

    public int port() {
        return server.getAddress().getPort();
    }

    /** {@code http://127.0.0.1:PORT}, the form a -local flag takes. */
    public String url() {
        return "http://127.0.0.1:" + port();
    }

    /** The Host headers of the requests seen so far. */
    public Queue<String> hosts() {
        return hosts;
    }

    /** The body a GET with this Host and path gets. */
    public String expectedGet(String host, String path) {
        return name + " host=" + host + " path=" + path + "\n";
    }

    private void handle(HttpExchange ex) throws IOException {
        try (ex) {
            String host = ex.getRequestHeaders().getFirst("Host");
            hosts.add(String.valueOf(host));
            byte[] body;
            try (InputStream in = ex.getRequestBody()) {
                body = in.readAllBytes();
            }
            byte[] answer = "POST".equals(ex.getRequestMethod()) ? body
                    : expectedGet(host, ex.getRequestURI().getPath()).getBytes(StandardCharsets.UTF_8);
            ex.getResponseHeaders().set("Content-Type", "application/octet-stream");
            ex.sendResponseHeaders(200, answer.length == 0 ? -1 : answer.length);
            try (OutputStream out = ex.getResponseBody()) {
                out.write(answer);
            }
        }
    }

    @Override
    public void close() {
        server.stop(0);
        executor.shutdownNow();
    }
}

package dev.gt.examples.recipes;

import com.sun.net.httpserver.HttpServer;
import dev.gt.api.ServiceSpec;
import dev.gt.core.GtClient;
import dev.gt.core.GtServer;
import java.io.IOException;
import java.math.BigInteger;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;

/**
 * Quick start: a GT server and a GT client in one process, the client exposing a local HTTP service
 * through the server. Run it and open the printed visitor URL; the client's id is the first label
 * of the host name visitors use.
 */
public final class QuickStart {
    static final String ID = "quickstart";

    /** The local service, the server and the client, running; {@link #close()} stops all three. */
    public record Running(HttpServer service, GtServer server, GtClient client) implements AutoCloseable {
        /** Where visitors go ({@code *.localhost} resolves to this machine in browsers and curl). */
        public String visitorUrl() {
            return "http://" + ID + ".localhost:" + server.listenAddress().getPort() + "/";
        }

        @Override
        public void close() {
            client.close();
            server.close();
            service.stop(0);
        }
    }

    /** Starts the service on a free port, the server on {@code port} (0: any free one) and the client. */
    public static Running run(int port) throws IOException {
        HttpServer service = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        service.createContext("/", exchange -> {
            byte[] body = "Hello through GT!\n".getBytes(StandardCharsets.UTF_8);
            exchange.sendResponseHeaders(200, body.length);
            exchange.getResponseBody().write(body);
            exchange.close();
        });
        service.start();
        String secret = new BigInteger(128, new SecureRandom()).toString(36);
        GtServer server = GtServer.builder().listenAddress(new InetSocketAddress("127.0.0.1", port))
                .user(ID, secret).build();
        GtClient client = GtClient.builder().id(ID).secret(secret)
                .server("tcp://127.0.0.1:" + server.start().join().listenAddress().getPort())
                .service(ServiceSpec.local("http://127.0.0.1:" + service.getAddress().getPort()).build())
                .build();
        Running running = new Running(service, server, client);
        try {
            client.start().join();
            return running;
        } catch (RuntimeException e) {
            running.close();
            throw e;
        }
    }

    public static void main(String[] args) throws Exception {
        Running running = run(8080);
        Runtime.getRuntime().addShutdownHook(new Thread(running::close));
        System.out.println("Visitor URL: " + running.visitorUrl() + "   (Ctrl-C stops)");
        running.server().awaitTermination();
    }
}

package dev.gt.testing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.gt.api.ServiceSpec;
import dev.gt.core.GtServer;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The extension as a user writes it: a server per class, a client per test, a request through both. */
@Timeout(60)
class GtServerExtensionTest {
    @RegisterExtension
    static final GtServerExtension gt = new GtServerExtension() {
        @Override
        protected void configure(GtServer.Builder server) {
            server.user("app", "secret");
        }
    };

    private static ServerSocket service;
    private static ExecutorService serviceThread;

    @BeforeAll
    static void startService() throws Exception {
        service = new ServerSocket(0, 50, java.net.InetAddress.getLoopbackAddress());
        serviceThread = Executors.newSingleThreadExecutor();
        serviceThread.submit(() -> {
            while (!service.isClosed()) {
                try (Socket s = service.accept()) {
                    readHead(s.getInputStream());
                    byte[] body = "hello from the service".getBytes(StandardCharsets.US_ASCII);
                    OutputStream out = s.getOutputStream();
                    out.write(("HTTP/1.1 200 OK\r\nContent-Length: " + body.length + "\r\nConnection: close\r\n\r\n")
                            .getBytes(StandardCharsets.US_ASCII));
                    out.write(body);
                } catch (java.io.IOException e) {
                    // The test closed the socket.
                }
            }
            return null;
        });
    }

    @AfterAll
    static void stopService() throws Exception {
        service.close();
        serviceThread.shutdownNow();
        assertTrue(serviceThread.awaitTermination(10, TimeUnit.SECONDS));
    }

    @Test
    void aRequestReachesTheServiceThroughTheTunnel() throws Exception {
        gt.connect("app", "secret", ServiceSpec.local("http://127.0.0.1:" + service.getLocalPort()).build());
        String answer = get(gt.address(), "app.example.com");
        assertTrue(answer.startsWith("HTTP/1.1 200"), answer);
        assertTrue(answer.endsWith("hello from the service"), answer);
    }

    @Test
    void theServerIsUpForTheWholeClass() {
        assertTrue(gt.server().state().running());
        assertEquals("tcp://127.0.0.1:" + gt.address().getPort(), gt.remoteUrl());
    }

    private static String get(InetSocketAddress server, String host) throws Exception {
        try (Socket s = new Socket(server.getAddress(), server.getPort())) {
            s.setSoTimeout(10_000);
            s.getOutputStream().write(("GET / HTTP/1.1\r\nHost: " + host + "\r\nConnection: close\r\n\r\n")
                    .getBytes(StandardCharsets.US_ASCII));
            ByteArrayOutputStream all = new ByteArrayOutputStream();
            s.getInputStream().transferTo(all);
            return all.toString(StandardCharsets.US_ASCII);
        }
    }

    private static void readHead(InputStream in) throws java.io.IOException {
        int matched = 0;
        int b;
        while ((b = in.read()) >= 0) {
            matched = (b == '\r' || b == '\n') ? matched + 1 : 0;
            if (matched == 4) {
                return;
            }
        }
    }
}

package dev.gt.runner;

import dev.gt.api.ServiceSpec;
import dev.gt.core.Addresses;
import dev.gt.core.GtClient;
import dev.gt.core.GtServer;
import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.Locale;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * What {@code gt demo} runs: a built-in HTTP service, a GT server and a GT client forwarding to
 * the service, all on 127.0.0.1 in this process, plus a request through the tunnel that checks the
 * whole chain.
 */
final class DemoRun implements AutoCloseable {
    static final String CLIENT_ID = "demo";
    static final String HOST = CLIENT_ID + ".example.com";
    private static final Duration START_TIMEOUT = Duration.ofSeconds(15);
    private static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(15);

    private DemoHttpService service;
    private GtServer server;
    private GtClient client;

    /** The answer of the self-check request. */
    record Answer(int status, String statusLine, String body) {
    }

    /**
     * Starts the service, the server and the client, in that order, each on a free port.
     *
     * @throws Exception the first start failure (what is running then is closed by {@link #close()})
     */
    void start() throws Exception {
        service = DemoHttpService.start("127.0.0.1");
        String secret = randomSecret();
        server = GtServer.builder().listenAddress("127.0.0.1:0").user(CLIENT_ID, secret).tcpBindAddress("127.0.0.1").build();
        await(server.start(), "the GT server");
        client = GtClient.builder()
                .id(CLIENT_ID)
                .secret(secret)
                .server("tcp://" + Addresses.text(server.listenAddress()))
                .service(ServiceSpec.local("http://" + Addresses.text(service.address())).build())
                .build();
        await(client.start(), "the GT client");
    }

    private static void await(java.util.concurrent.CompletableFuture<?> f, String what) throws Exception {
        try {
            f.get(START_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
        } catch (ExecutionException e) {
            throw e.getCause() instanceof Exception ? (Exception) e.getCause() : e;
        } catch (TimeoutException e) {
            throw new TimeoutException(what + " did not start within " + START_TIMEOUT.toSeconds() + "s");
        }
    }

    InetSocketAddress serviceAddress() {
        return service.address();
    }

    InetSocketAddress serverAddress() {
        return server.listenAddress();
    }

    /** The visitor's view: {@code GET path} with {@code Host: demo.example.com}, sent to the server. */
    Answer request(String path) throws IOException {
        return get(server.listenAddress(), HOST, path, REQUEST_TIMEOUT);
    }

    /**
     * A minimal HTTP/1.1 GET over a plain socket, so the self-check depends on nothing but the
     * tunnel. Reads the body by Content-Length, or to the end of the stream without one.
     */
    static Answer get(InetSocketAddress to, String host, String path, Duration timeout) throws IOException {
        int millis = (int) timeout.toMillis();
        try (Socket s = new Socket()) {
            s.connect(to, millis);
            s.setSoTimeout(millis);
            OutputStream out = s.getOutputStream();
            out.write(("GET " + path + " HTTP/1.1\r\nHost: " + host + "\r\nUser-Agent: gt-demo\r\nAccept: */*\r\n"
                    + "Connection: close\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            out.flush();
            InputStream in = new BufferedInputStream(s.getInputStream());
            String statusLine = line(in);
            if (statusLine == null) {
                throw new IOException("the connection was closed without an answer");
            }
            String[] parts = statusLine.split(" ", 3);
            int status;
            try {
                status = Integer.parseInt(parts.length > 1 ? parts[1] : "");
            } catch (NumberFormatException e) {
                throw new IOException("not an HTTP answer: '" + statusLine + "'", e);
            }
            int length = -1;
            for (String h = line(in); h != null && !h.isEmpty(); h = line(in)) {
                int colon = h.indexOf(':');
                if (colon > 0 && h.substring(0, colon).trim().toLowerCase(Locale.ROOT).equals("content-length")) {
                    length = Integer.parseInt(h.substring(colon + 1).trim());
                }
            }
            byte[] body = length >= 0 ? in.readNBytes(length) : in.readAllBytes();
            return new Answer(status, statusLine, new String(body, StandardCharsets.UTF_8));
        }
    }

    private static String line(InputStream in) throws IOException {
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        int c;
        while ((c = in.read()) >= 0) {
            if (c == '\n') {
                break;
            }
            buf.write(c);
        }
        if (c < 0 && buf.size() == 0) {
            return null;
        }
        String s = buf.toString(StandardCharsets.ISO_8859_1);
        return s.endsWith("\r") ? s.substring(0, s.length() - 1) : s;
    }

    private static String randomSecret() {
        byte[] b = new byte[16];
        new SecureRandom().nextBytes(b);
        StringBuilder sb = new StringBuilder();
        for (byte x : b) {
            sb.append(String.format("%02x", x));
        }
        return sb.toString();
    }

    /** Closes the client, the server and the service; idempotent, safe from a shutdown hook. */
    @Override
    public synchronized void close() {
        if (client != null) {
            client.close();
            client = null;
        }
        if (server != null) {
            server.close();
            server = null;
        }
        if (service != null) {
            service.close();
            service = null;
        }
    }
}

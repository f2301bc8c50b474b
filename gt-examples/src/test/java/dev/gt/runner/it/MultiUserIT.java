package dev.gt.runner.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * README "Server User Configuration" and "Server TCP Configuration", and the server options that
 * act per user: users from server.yaml, from the users file and from the command line, each
 * overriding the one before; per-user and global TCP ranges with {@code tcpNumber}; {@code -authAPI};
 * the failed-login ban ({@code -reconnectTimes}, {@code -reconnectDuration}); and {@code -speed}.
 * Every client is a real {@code gt client}; visitors are curl.
 */
class MultiUserIT extends AcceptanceBase {
    private static final String INVALID = "invalid id and secret";
    private static final String TCP_NUMBER = "the number of tcp ports exceeded the upper limit";
    private static final String BANNED = "too many failed logins";
    private static final int MIB = 1 << 20;
    private static final int SPEED = 256 * 1024;

    @Test
    @Timeout(value = 150, unit = TimeUnit.SECONDS)
    void readmeUsersFromConfigFileUsersFileAndCommandLine() throws Exception {
        LocalHttp web1 = closeLater(LocalHttp.start("web1"));
        LocalHttp web2 = closeLater(LocalHttp.start("web2"));
        LocalHttp tcp2 = closeLater(LocalHttp.start("tcp2"));
        LocalHttp tcp3 = closeLater(LocalHttp.start("tcp3"));
        int p = Ports.free();
        // Two disjoint port ranges: the global one (tcp:) and id3's own (a per-user range that overlaps
        // the global pool is a start-up error).
        int global = Ports.freeRange(2);
        int own = Ports.freeRange(2);
        while (Math.abs(own - global) < 2) {
            own = Ports.freeRange(2);
        }
        // The README's config file (version, users, tcp, options.users, options.tcpNumber), with the
        // options that need real paths left out, and one more user, id4, for the command line to override.
        Files.writeString(dir.resolve("server.yaml"), ""
                + "version: 1.0\n"
                + "users:\n"
                + "  id1:\n"
                + "    secret: secret1\n"
                + "  id2:\n"
                + "    secret: secret2\n"
                + "  id4:\n"
                + "    secret: secret4\n"
                + "tcp:\n"
                + "  - range: " + global + "-" + (global + 1) + "\n"
                + "options:\n"
                + "  addr: " + p + "\n"
                + "  users: users.yaml\n"
                + "  tcpNumber: 1\n");
        // The README's users file, id3 with its own range as in "Configure TCP via Users Configuration File".
        Files.writeString(dir.resolve("users.yaml"), ""
                + "id3:\n"
                + "  secret: secret3\n"
                + "  tcp:\n"
                + "    - range: " + own + "-" + (own + 1) + "\n"
                + "id1:\n"
                + "  secret: secret1-overwrite\n");
        server("server", "-config", "server.yaml", "-id", "id4", "-secret", "secret4-cli");
        String remote = "tcp://127.0.0.1:" + p;

        // The clients that must get in start together (a JVM start is the slow part on small machines).
        // id1: the users file's secret replaces the config file's one.
        GtProcess id1 = client("id1", "-remote", remote, "-id", "id1", "-secret", "secret1-overwrite",
                "-local", web1.url());
        // id2: only in the config file; one tcp service from the global tcp: pool.
        GtProcess id2 = client("id2", "-remote", remote, "-id", "id2", "-secret", "secret2",
                "-local", web2.url(), "-local", "tcp://127.0.0.1:" + tcp2.port());
        // id3: only in the users file, with its own range.
        GtProcess id3 = client("id3", "-remote", remote, "-id", "id3", "-secret", "secret3",
                "-local", "tcp://127.0.0.1:" + tcp3.port());
        awaitReady(id1);
        awaitReady(id2);
        awaitReady(id3);

        assertEquals(web1.expectedGet("id1.example.com:" + p, "/one"),
                curl("--resolve", resolve("id1.example.com", p), "http://id1.example.com:" + p + "/one").ok());
        assertEquals(web2.expectedGet("id2.example.com:" + p, "/two"),
                curl("--resolve", resolve("id2.example.com", p), "http://id2.example.com:" + p + "/two").ok());

        int port2 = Integer.parseInt(id2.awaitMatch(TCP_PORT, START).group(1));
        assertTrue(port2 == global || port2 == global + 1, "id2's tcp port=" + port2 + " is outside the global "
                + "tcp: range " + global + "-" + (global + 1));
        assertEquals(tcp2.expectedGet("127.0.0.1:" + port2, "/"), curl("http://127.0.0.1:" + port2 + "/").ok());

        int port3 = Integer.parseInt(id3.awaitMatch(TCP_PORT, START).group(1));
        assertTrue(port3 == own || port3 == own + 1, "id3's tcp port=" + port3 + " is outside its own range "
                + own + "-" + (own + 1) + " (global " + global + "-" + (global + 1) + ")");
        assertEquals(tcp3.expectedGet("127.0.0.1:" + port3, "/"), curl("http://127.0.0.1:" + port3 + "/").ok());

        // The refusals come last: each wrong secret counts towards the ban of 127.0.0.1 (-reconnectTimes 3
        // by default), which would otherwise keep later clients out. -reconnectDelay 1h: one attempt each.
        // id1 with the config file's secret, which the users file replaced.
        GtProcess id1Old = client("id1-old", "-remote", remote, "-id", "id1", "-secret", "secret1",
                "-reconnectDelay", "1h", "-local", web1.url(), "-hostPrefix", "old");
        id1Old.awaitLine(INVALID, START);
        // id4 with the config file's secret, which -id id4 -secret secret4-cli replaced.
        GtProcess id4Old = client("id4-old", "-remote", remote, "-id", "id4", "-secret", "secret4",
                "-reconnectDelay", "1h", "-local", web1.url(), "-hostPrefix", "four");
        id4Old.awaitLine(INVALID, START);
        // id4 with the command line's secret gets past authentication, and then meets options.tcpNumber 1
        // (a command-line user has every global limit) with two tcp services.
        GtProcess id4 = client("id4", "-remote", remote, "-id", "id4", "-secret", "secret4-cli",
                "-reconnectDelay", "1h", "-local", "tcp://127.0.0.1:" + tcp2.port(),
                "-local", "tcp://127.0.0.1:" + tcp3.port());
        id4.awaitLine(TCP_NUMBER, START);
        assertFalse(id4.output().contains(INVALID), id4::describe);
        for (GtProcess refused : List.of(id1Old, id4Old, id4)) {
            assertEquals(0, refused.count(READY), refused::describe);
            refused.stop();
        }

        // The accepted clients were never disturbed by the refused ones (same id1 for id1-old).
        assertEquals(web1.expectedGet("id1.example.com:" + p, "/again"),
                curl("--resolve", resolve("id1.example.com", p), "http://id1.example.com:" + p + "/again").ok());
    }

    @Test
    @Timeout(value = 90, unit = TimeUnit.SECONDS)
    void authApiDecidesAndGrantsTheHostPrefix() throws Exception {
        LocalHttp web = closeLater(LocalHttp.start("web"));
        Queue<String> requests = new ConcurrentLinkedQueue<>();
        Pattern secretField = Pattern.compile("\"networkSecretKey\"\\s*:\\s*\"([^\"]*)\"");
        HttpServer api = jdkServer(ex -> {
            String body;
            try (InputStream in = ex.getRequestBody()) {
                body = new String(in.readAllBytes(), StandardCharsets.UTF_8);
            }
            requests.add(ex.getRequestMethod() + " " + body);
            Matcher m = secretField.matcher(body);
            boolean right = m.find() && m.group(1).equals("api-secret");
            // GT's API contract: result, and the host prefixes the client may use besides its id.
            respond(ex, (right ? "{\"result\":true,\"appletTokens\":[\"app\"]}" : "{\"result\":false}")
                    .getBytes(StandardCharsets.UTF_8));
        });
        int p = Ports.free();
        server("server", "-addr", s(p), "-authAPI", "http://127.0.0.1:" + api.getAddress().getPort() + "/auth");
        String remote = "tcp://127.0.0.1:" + p;

        GtProcess good = client("good", "-remote", remote, "-id", "id1", "-secret", "api-secret",
                "-local", web.url(), "-hostPrefix", "app");
        awaitReady(good);
        assertEquals(web.expectedGet("app.example.com:" + p, "/app"),
                curl("--resolve", resolve("app.example.com", p), "http://app.example.com:" + p + "/app").ok());
        String first = requests.peek();
        assertTrue(first != null && first.startsWith("POST ") && first.contains("\"networkClientId\":\"id1\"")
                && first.contains("\"appletTokens\":[\"app\"]"), "auth API request: " + first);

        // The same id and prefix with a wrong secret: the API says no. One attempt (-reconnectDelay 1h).
        GtProcess bad = client("bad", "-remote", remote, "-id", "id1", "-secret", "wrong-secret",
                "-reconnectDelay", "1h", "-local", web.url(), "-hostPrefix", "app");
        bad.awaitLine(INVALID, START);
        assertEquals(0, bad.count(READY), bad::describe);
        assertTrue(requests.stream().anyMatch(r -> r.contains("wrong-secret")), "the API never saw the wrong "
                + "secret: " + requests);
        // The refused client did not take app away from the accepted one.
        assertEquals(web.expectedGet("app.example.com:" + p, "/still"),
                curl("--resolve", resolve("app.example.com", p), "http://app.example.com:" + p + "/still").ok());
    }

    @Test
    @Timeout(value = 90, unit = TimeUnit.SECONDS)
    void failedLoginsBanTheAddressForReconnectDuration() {
        LocalHttp web = closeLater(LocalHttp.start("web"));
        int p = Ports.free();
        // -reconnectTimes 0: the first failure bans 127.0.0.1, for 3 s after the last failure.
        GtProcess server = server("server", "-addr", s(p), "-id", "id1", "-secret", "secret1",
                "-reconnectTimes", "0", "-reconnectDuration", "3s");
        String remote = "tcp://127.0.0.1:" + p;

        GtProcess wrong = client("wrong", "-remote", remote, "-id", "id1", "-secret", "wrong-secret",
                "-reconnectDelay", "200ms", "-local", web.url());
        wrong.awaitLine(INVALID, START);
        // The retry 200 ms later is refused before the server even looks at the id and secret.
        wrong.awaitLine(BANNED, START);
        server.awaitMatch(Pattern.compile("127\\.0\\.0\\.1 is refused for \\S+ after too many failed logins"), START);
        assertEquals(0, wrong.count(READY), wrong::describe);
        wrong.stop();

        // Same address, right secret: refused while the ban lasts (whether this client still meets it
        // depends on how long its JVM took to start), then in once the 3 s are over.
        GtProcess right = client("right", "-remote", remote, "-id", "id1", "-secret", "secret1",
                "-reconnectDelay", "200ms", "-local", web.url());
        // The runner says "connected" also when a retry got in after a refused first attempt.
        awaitReady(right);
        assertFalse(right.output().contains(INVALID), right::describe);
        assertEquals(web.expectedGet("id1.example.com:" + p, "/in"),
                curl("--resolve", resolve("id1.example.com", p), "http://id1.example.com:" + p + "/in").ok());
    }

    @Test
    @Timeout(value = 90, unit = TimeUnit.SECONDS)
    void speedLimitsTheDownloadOfOneUser() throws Exception {
        byte[] big = new byte[MIB];
        HttpServer local = jdkServer(ex -> {
            try (InputStream in = ex.getRequestBody()) {
                in.readAllBytes();
            }
            respond(ex, big);
        });
        String localUrl = "http://127.0.0.1:" + local.getAddress().getPort();

        // 1 MiB at 256 KiB/s; the limiter's bucket starts full with 1/8 s (32 KiB), so
        // (1048576 - 32768) / 262144 = 3.875 s, give or take the tunnel's own latency.
        double limited = download(localUrl, "limited", "-speed", s(SPEED));
        assertTrue(limited >= 3.0 && limited <= 4.8, "1 MiB at -speed " + SPEED + " took " + limited
                + " s (expected about 3.9 s, 3.0 to 4.8)");

        // The same download without -speed.
        double free = download(localUrl, "unlimited");
        assertTrue(free < 1.5, "1 MiB without -speed took " + free + " s (expected under 1.5 s)");
    }

    /** A server (with {@code serverArgs}) and a client for localUrl; returns curl's time for one 1 MiB GET. */
    private double download(String localUrl, String name, String... serverArgs) {
        int p = Ports.free();
        String[] args = {"-addr", s(p), "-id", "id1", "-secret", "secret1"};
        String[] all = new String[args.length + serverArgs.length];
        System.arraycopy(args, 0, all, 0, args.length);
        System.arraycopy(serverArgs, 0, all, args.length, serverArgs.length);
        server(name + "-server", all);
        GtProcess client = client(name + "-client", "-remote", "tcp://127.0.0.1:" + p, "-id", "id1",
                "-secret", "secret1", "-local", localUrl);
        awaitReady(client);
        String out = curl("--resolve", resolve("id1.example.com", p), "-o", "/dev/null",
                "-w", "%{time_total} %{size_download}", "http://id1.example.com:" + p + "/big").ok().trim();
        String[] parts = out.split(" ");
        assertEquals(s(MIB), parts[1], "curl's size_download: " + out);
        return Double.parseDouble(parts[0]);
    }

    /** What a JDK HttpServer context does with one exchange. */
    private interface Handler {
        void handle(HttpExchange ex) throws IOException;
    }

    /** A JDK HttpServer on a free port of 127.0.0.1, stopped after the test. */
    private HttpServer jdkServer(Handler handler) throws IOException {
        HttpServer server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 50);
        server.createContext("/", ex -> {
            try (ex) {
                handler.handle(ex);
            }
        });
        server.start();
        closeLater(() -> server.stop(0));
        return server;
    }

    private static void respond(HttpExchange ex, byte[] body) throws IOException {
        ex.getResponseHeaders().set("Content-Type", "application/octet-stream");
        ex.sendResponseHeaders(200, body.length);
        try (OutputStream out = ex.getResponseBody()) {
            out.write(body);
        }
    }
}

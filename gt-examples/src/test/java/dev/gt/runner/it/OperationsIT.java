package dev.gt.runner.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.net.httpserver.HttpServer;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.zip.GZIPInputStream;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Operations of the runner as an operator meets them: the status API and its self-test, reload
 * by {@code gt -s} and SIGHUP, {@code gt -c DIR}, log files with rotation, and Sentry.
 */
@Timeout(180)
class OperationsIT extends AcceptanceBase {
    private static final Pattern API = Pattern.compile("status API on http://127\\.0\\.0\\.1:(\\d+) ");
    private static final Pattern ADDR = Pattern.compile("GT server listening on 127\\.0\\.0\\.1:(\\d+) \\(-addr\\)");

    /** Every gt process of a test keeps its control files here, so that gt -s reaches only those. */
    private List<String> runtime() {
        return List.of("-Dgt.runtimeDir=" + dir.resolve("run"));
    }

    private GtProcess gtServer(String name, String... args) {
        GtProcess p = closeLater(GtProcess.gt(dir, name, runtime(), prepend("server", args)));
        p.awaitLine("GT server listening on", START);
        return p;
    }

    private GtProcess gtClient(String name, String... args) {
        return closeLater(GtProcess.gt(dir, name, runtime(), prepend("client", args)));
    }

    /** {@code gt -s ...} with this test's runtime directory; returns its output. */
    private Cmd.Result signal(String... args) {
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString()));
        cmd.addAll(runtime());
        cmd.addAll(List.of("-jar", GtProcess.jar().toString()));
        cmd.addAll(List.of(args));
        return Cmd.run(dir, START, cmd);
    }

    private String get(int port, String path) {
        return curl("-s", "-w", "\n%{http_code}", "http://127.0.0.1:" + port + path).stdout();
    }

    @Test
    void statusApiSelfTestMetricsAndSnapshot() {
        GtProcess server = gtServer("server", "-addr", "127.0.0.1:0", "-apiAddr", "127.0.0.1:0", "-id", "id1",
                "-secret", "secret1");
        int api = Integer.parseInt(server.awaitMatch(API, START).group(1));
        assertTrue(get(api, "/statusResp").matches("(?s)\\{\"status\":\"ok\",\"version\":\".+\"}\n200"),
                get(api, "/statusResp"));
        String status = get(api, "/status");
        assertTrue(status.startsWith("{\"status\": \"ok\", \"version\":\"gt ") && status.endsWith("\n200"), status);
        String metrics = curl("-s", "http://127.0.0.1:" + api + "/metrics").ok();
        assertTrue(metrics.contains("# TYPE gt_server_clients gauge"), metrics);
        checkPrometheusText(metrics);
        assertTrue(get(api, "/api/state").contains("\"kind\":\"server\""), get(api, "/api/state"));
        assertTrue(get(api, "/nothing").endsWith("\n404"));
        // The self-test's user is the runner's own: not listed.
        assertFalse(get(api, "/api/state").contains("gt-selftest"), get(api, "/api/state"));
    }

    /** Lines of the Prometheus text format 0.0.4 (what promtool check metrics accepts). */
    private static final Pattern SAMPLE = Pattern.compile(
            "([a-zA-Z_:][a-zA-Z0-9_:]*)(\\{[a-zA-Z_][a-zA-Z0-9_]*=\"(?:[^\"\\\\]|\\\\.)*\""
            + "(?:,[a-zA-Z_][a-zA-Z0-9_]*=\"(?:[^\"\\\\]|\\\\.)*\")*,?})? (\\S+)");
    private static final Pattern TYPE = Pattern.compile("# TYPE ([a-zA-Z_:][a-zA-Z0-9_:]*) "
            + "(counter|gauge|histogram|summary|untyped)");

    /**
     * Every line of a /metrics answer is a HELP or TYPE comment or a sample of a family declared
     * just before it, named gt_*, with a number for a value; some families are there at all.
     */
    private static void checkPrometheusText(String text) {
        String family = null;
        int samples = 0;
        for (String line : text.split("\n")) {
            if (line.startsWith("# HELP ")) {
                continue;
            }
            Matcher type = TYPE.matcher(line);
            if (type.matches()) {
                family = type.group(1);
                continue;
            }
            Matcher sample = SAMPLE.matcher(line);
            assertTrue(sample.matches(), "not a line of the text format: '" + line + "' in\n" + text);
            String name = sample.group(1);
            assertTrue(name.startsWith("gt_") && family != null && name.startsWith(family), "'" + line
                    + "' outside its family (" + family + ") in\n" + text);
            String value = sample.group(3);
            if (!value.matches("[+-]Inf|NaN")) {
                Double.parseDouble(value);
            }
            samples++;
        }
        assertTrue(samples >= 5, text);
    }

    @Test
    void theClientsStatusApiCountsBytesWhileTheyMove() {
        GtProcess server = gtServer("server", "-addr", "127.0.0.1:0", "-id", "id1", "-secret", "secret1");
        int addr = Integer.parseInt(server.awaitMatch(ADDR, START).group(1));
        LocalHttp local = closeLater(LocalHttp.start("local"));
        GtProcess client = gtClient("client", "-local", local.url(), "-remote", "tcp://127.0.0.1:" + addr, "-id",
                "id1", "-secret", "secret1", "-apiAddr", "127.0.0.1:0");
        awaitReady(client);
        int api = Integer.parseInt(client.awaitMatch(API, START).group(1));
        assertTrue(get(api, "/status").matches("(?s)\\{.*\"status\":\"ok\".*}\n200"), get(api, "/status"));
        curl("-o", "/dev/null", "-H", "Host: id1.example.com", "http://127.0.0.1:" + addr + "/x").ok();
        Pattern toVisitors = Pattern.compile("gt_client_bytes_total\\{direction=\"to_visitors\",server=\"[^\"]+\"} "
                + "([0-9.E]+)");
        Awaitility.await("bytes on the client's /metrics").atMost(START).until(() -> {
            Matcher m = toVisitors.matcher(curl("-s", "http://127.0.0.1:" + api + "/metrics").ok());
            return m.find() && Double.parseDouble(m.group(1)) > 0;
        });
        checkPrometheusText(curl("-s", "http://127.0.0.1:" + api + "/metrics").ok());
        assertTrue(get(api, "/api/state").contains("\"kind\":\"client\""), get(api, "/api/state"));
    }

    /** Takes a port of GT's defaults while the test runs, if it is free, so that gt must take another. */
    private static java.net.ServerSocket holdIfFree(int port) {
        try {
            java.net.ServerSocket s = new java.net.ServerSocket();
            s.bind(new InetSocketAddress(port));
            return s;
        } catch (IOException taken) {
            return null;
        }
    }

    @Test
    void withNoArgumentsAndNoConfigurationFileItStartsAServerAndSaysWhereItsDashboardIs() throws Exception {
        // 8080 and 8000 are GT's defaults; a test must not take them from anyone, so they are held here and
        // gt falls back to free ports, as it does when someone else has them.
        try (java.net.ServerSocket a = holdIfFree(8080); java.net.ServerSocket b = holdIfFree(8000)) {
            GtProcess gt = closeLater(GtProcess.gt(dir, "gt", runtime()));
            Matcher web = gt.awaitMatch(Pattern.compile("Dashboard: http://127\\.0\\.0\\.1:(\\d+)/"), START);
            assertTrue(gt.stdout().contains("no configuration file here; starting a server (-addr any free port)"),
                    gt.stdout());
            Matcher login = gt.awaitMatch(Pattern.compile("user '(\\S+)', password (\\S+) \\(generated"), START);
            String url = "http://127.0.0.1:" + web.group(1);
            assertTrue(get(Integer.parseInt(web.group(1)), "/").endsWith("\n200"));
            String wrong = curl("-s", "-o", "/dev/null", "-w", "%{http_code}", "-H", "Content-Type: application/json",
                    "-d", "{\"username\":\"" + login.group(1) + "\",\"password\":\"nope\"}", url + "/api/login").stdout();
            assertEquals("401", wrong);
            String right = curl("-s", "-o", "/dev/null", "-w", "%{http_code}", "-H", "Content-Type: application/json",
                    "-d", "{\"username\":\"" + login.group(1) + "\",\"password\":\"" + login.group(2) + "\"}",
                    url + "/api/login").stdout();
            assertEquals("200", right);
            // The generated password is logged once, never again.
            assertEquals(1, gt.count(Pattern.compile(Pattern.quote(login.group(2)))));
        }
    }

    @Test
    void withNoArgumentsItStartsTheConfigurationFilesOfTheWorkingDirectory() throws Exception {
        Files.writeString(dir.resolve("server.yaml"), "options:\n  addr: 127.0.0.1:0\n  apiAddr: 127.0.0.1:0\n");
        GtProcess gt = closeLater(GtProcess.gt(dir, "gt", runtime()));
        gt.awaitLine("GT server listening on", START);
        int api = Integer.parseInt(gt.awaitMatch(API, START).group(1));
        assertTrue(gt.stdout().contains("gt: starting 1 configuration file of " + dir), gt.stdout());
        assertTrue(get(api, "/statusResp").endsWith("\n200"));
    }

    @Test
    void theSelfTestWorksOnATlsListenerAloneAndSaysWhyItCannotWithSniAlone() {
        GtProcess tls = gtServer("tls", "-addr", "", "-tlsAddr", "127.0.0.1:0", "-apiAddr", "127.0.0.1:0", "-id", "id1",
                "-secret", "secret1");
        int api = Integer.parseInt(tls.awaitMatch(API, START).group(1));
        String status = get(api, "/status");
        assertTrue(status.contains("\"ok\"") && status.endsWith("\n200"), status);

        GtProcess sni = gtServer("sni", "-addr", "", "-sniAddr", "127.0.0.1:0", "-apiAddr", "127.0.0.1:0", "-id", "id1",
                "-secret", "secret1");
        int api2 = Integer.parseInt(sni.awaitMatch(API, START).group(1));
        String failed = get(api2, "/status");
        assertTrue(failed.startsWith("{\"status\":\"failed\"") && failed.contains("no HTTP path to test")
                && failed.endsWith("\n503"), failed);
    }

    @Test
    void reloadAddsAndRemovesUsersWithoutTouchingTheOthers() throws Exception {
        Path config = dir.resolve("server.yaml");
        Files.writeString(config, "users:\n  id1:\n    secret: secret1\n  id2:\n    secret: secret2\n"
                + "options:\n  addr: 127.0.0.1:0\n");
        GtProcess server = gtServer("server", "-config", config.toString());
        int addr = Integer.parseInt(server.awaitMatch(ADDR, START).group(1));
        LocalHttp local = closeLater(LocalHttp.start("local"));
        GtProcess c1 = gtClient("c1", "-local", local.url(), "-remote", "tcp://127.0.0.1:" + addr, "-id", "id1",
                "-secret", "secret1");
        GtProcess c2 = gtClient("c2", "-local", local.url(), "-remote", "tcp://127.0.0.1:" + addr, "-id", "id2",
                "-secret", "secret2");
        awaitReady(c1);
        awaitReady(c2);

        Files.writeString(config, "users:\n  id1:\n    secret: secret1\n  id3:\n    secret: secret3\n"
                + "options:\n  addr: 127.0.0.1:0\n");
        Cmd.Result r = signal("-s", "reload", "-c", config.toString());
        assertEquals(0, r.exit(), r.toString());
        assertTrue(r.stdout().contains("ok: ") && r.stdout().contains("added [id3]") && r.stdout().contains("removed [id2]"),
                r.stdout());
        // id2 is let go and refused on its way back; id1's tunnel never dropped; id3 gets in.
        c2.awaitLine("invalid id or secret", START);
        GtProcess c3 = gtClient("c3", "-local", local.url(), "-remote", "tcp://127.0.0.1:" + addr, "-id", "id3",
                "-secret", "secret3");
        awaitReady(c3);
        assertEquals("200", curl("-o", "/dev/null", "-w", "%{http_code}", "-H", "Host: id1.example.com",
                "http://127.0.0.1:" + addr + "/").ok().trim());
        assertFalse(c1.output().contains("closed"), c1.output());

        // A bad file is refused whole and says why; the server runs on as it was.
        Files.writeString(config, "users:\n  id1:\n    secret: secret1\noptions:\n  addr: 127.0.0.1:0\n  speed: fast\n");
        Cmd.Result bad = signal("-s", "reload", "-c", config.toString());
        assertEquals(1, bad.exit(), bad.toString());
        assertTrue(bad.stdout().contains("not reloaded, nothing changed") && bad.stdout().contains("speed"), bad.stdout());
        assertFalse(c3.output().contains("closed"), c3.output());

        // SIGHUP reloads too.
        Files.writeString(config, "users:\n  id1:\n    secret: secret1\n  id3:\n    secret: secret3\n"
                + "options:\n  addr: 127.0.0.1:0\n  speed: 1048576\n");
        Cmd.run(dir, START, "kill", "-HUP", Long.toString(server.pid()));
        server.awaitLine("SIGHUP: ok: " + config + ": settings [speedLimitPerClient]", START);
    }

    @Test
    void reloadReReadsTheUsersFile() throws Exception {
        Path users = Files.writeString(dir.resolve("users.yaml"), "id1:\n  secret: secret1\n");
        gtServer("server", "-addr", "127.0.0.1:0", "-users", users.toString());
        Files.writeString(users, "id1:\n  secret: secret1\nid2:\n  secret: secret2\n");
        Cmd.Result r = signal("-s", "reload");
        assertEquals(0, r.exit(), r.toString());
        assertTrue(r.stdout().contains("added [id2]") && !r.stdout().contains("secret2"), r.stdout());
    }

    @Test
    void signalsReachOnlyTheProcessesOfTheGivenConfiguration() throws Exception {
        Path a = Files.writeString(dir.resolve("a.yaml"), "options:\n  addr: 127.0.0.1:0\n");
        Path b = Files.writeString(dir.resolve("b.yaml"), "options:\n  addr: 127.0.0.1:0\n");
        GtProcess sa = gtServer("a", "-config", a.toString());
        GtProcess sb = gtServer("b", "-config", b.toString());
        Cmd.Result r = signal("-s", "stop", "-c", a.toString());
        assertEquals(0, r.exit(), r.toString());
        assertTrue(r.stdout().contains("(" + a + "): ok: stopping"), r.stdout());
        Awaitility.await().atMost(START).until(() -> !sa.isAlive());
        assertTrue(sb.isAlive());
        Cmd.Result restart = signal("-s", "restart");
        assertTrue(restart.stdout().contains("(" + b + "): ok: " + b + ": restarted"), restart.stdout());
        sb.awaitMatches(Pattern.compile("GT server listening on"), 2, START);
        Cmd.Result none = signal("-s", "reload", "-c", dir.resolve("c.yaml").toString());
        assertEquals(1, none.exit());
        assertTrue(none.stderr().contains("no running gt process of this installation started from"), none.stderr());
    }

    @Test
    void aDirectoryStartsAServerAndAClientInOneProcess() throws Exception {
        int addr = Ports.free();
        LocalHttp local = closeLater(LocalHttp.start("local"));
        Path confd = Files.createDirectory(dir.resolve("conf.d"));
        Files.writeString(confd.resolve("server.yaml"), "users:\n  id1:\n    secret: secret1\noptions:\n  addr: 127.0.0.1:"
                + addr + "\n");
        Files.writeString(confd.resolve("client.yaml"), "services:\n  - local: " + local.url() + "\noptions:\n"
                + "  remote: tcp://127.0.0.1:" + addr + "\n  id: id1\n  secret: secret1\n");
        GtProcess gt = closeLater(GtProcess.gt(dir, "gt", runtime(), "-c", confd.toString()));
        awaitReady(gt);
        assertEquals(local.expectedGet("id1.example.com", "/x"), curl("-H", "Host: id1.example.com",
                "http://127.0.0.1:" + addr + "/x").ok());
        // A file added to the directory starts on reload.
        int other = Ports.free();
        Files.writeString(confd.resolve("second.yaml"), "options:\n  addr: 127.0.0.1:" + other + "\n");
        Cmd.Result r = signal("-s", "reload", "-c", confd.toString());
        assertTrue(r.stdout().contains("second.yaml: started"), r.stdout());
        assertTrue(Ports.accepts(other));
    }

    @Test
    void theLogFileRotatesAndDebugLogsEachStreamWithoutSecrets() throws Exception {
        Path log = dir.resolve("logs").resolve("gt.log");
        Files.createDirectories(log.getParent());
        GtProcess server = gtServer("server", "-addr", "127.0.0.1:0", "-id", "id1", "-secret", "secret-one-1",
                "-logFile", log.toString(), "-logFileMaxSize", "4000", "-logFileMaxCount", "2", "-logLevel", "debug");
        int addr = Integer.parseInt(server.awaitMatch(ADDR, START).group(1));
        LocalHttp local = closeLater(LocalHttp.start("local"));
        GtProcess client = gtClient("client", "-local", local.url(), "-remote", "tcp://127.0.0.1:" + addr, "-id", "id1",
                "-secret", "secret-one-1");
        awaitReady(client);
        for (int i = 0; i < 60; i++) {
            curl("-o", "/dev/null", "-H", "Host: id1.example.com", "http://127.0.0.1:" + addr + "/" + i).ok();
        }
        // logback looks at the file's size on a log event at most once a second (-logFileMaxSize's check):
        // requests go on until it has rotated, or the 60 above could all fall within one such second.
        Awaitility.await().atMost(START).pollInterval(Duration.ofMillis(200)).until(() -> {
            curl("-o", "/dev/null", "-H", "Host: id1.example.com", "http://127.0.0.1:" + addr + "/more").ok();
            return Files.exists(Path.of(log + ".1"));
        });
        String all = Files.readString(log) + Files.readString(Path.of(log + ".1"));
        assertTrue(Pattern.compile("DEBUG access - close id1 http:id1 tunnel \\d+ stream \\d+ from /127\\.0\\.0\\.1:\\d+: "
                + "\\d+ bytes in, \\d+ bytes out, \\d+ ms").matcher(all).find(), all);
        assertFalse(Files.exists(Path.of(log + ".3")), "more rotated files than -logFileMaxCount");
        assertFalse(all.contains("secret-one-1"), "a secret in the log file");
        assertFalse(server.output().contains("secret-one-1"), "a secret on standard error");
    }

    @Test
    void errorsReachSentryWithoutSecrets() throws Exception {
        Queue<String> events = new ConcurrentLinkedQueue<>();
        HttpServer sentry = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 10);
        sentry.createContext("/", ex -> {
            try (ex) {
                byte[] body;
                try (InputStream in = ex.getRequestBody()) {
                    body = in.readAllBytes();
                }
                if ("gzip".equalsIgnoreCase(ex.getRequestHeaders().getFirst("Content-Encoding"))) {
                    try (InputStream gz = new GZIPInputStream(new java.io.ByteArrayInputStream(body))) {
                        ByteArrayOutputStream o = new ByteArrayOutputStream();
                        gz.transferTo(o);
                        body = o.toByteArray();
                    }
                }
                events.add(new String(body, StandardCharsets.UTF_8));
                ex.sendResponseHeaders(200, -1);
            } catch (IOException e) {
                events.add("error: " + e);
            }
        });
        sentry.start();
        try {
            int port = sentry.getAddress().getPort();
            int deadAuthApi = Ports.free();
            String dsn = "http://0123456789abcdef0123456789abcdef@127.0.0.1:" + port + "/42";
            GtProcess server = gtServer("server", "-addr", "127.0.0.1:0", "-authAPI", "http://127.0.0.1:" + deadAuthApi
                    + "/auth", "-sentryDSN", dsn, "-sentryEnvironment", "ci", "-sentryRelease", "gt-test");
            int addr = Integer.parseInt(server.awaitMatch(ADDR, START).group(1));
            // The auth API is down: an error an operator must act on.
            gtClient("client", "-local", "http://127.0.0.1:1", "-remote", "tcp://127.0.0.1:" + addr, "-id", "id1",
                    "-secret", "very-secret-value");
            server.awaitLine("cannot be authenticated", START);
            Awaitility.await("an event at the fake Sentry").atMost(START)
                    .until(() -> events.stream().anyMatch(e -> e.contains("cannot be authenticated")));
            String event = events.stream().filter(e -> e.contains("cannot be authenticated")).findFirst().orElseThrow();
            assertTrue(event.contains("\"environment\":\"ci\"") && event.contains("\"release\":\"gt-test\""), event);
            assertFalse(event.contains("very-secret-value"), event);
            // The DSN's public key goes to Sentry in the envelope header (that is what it is for); the DSN
            // itself, as configured, does not appear.
            assertFalse(event.contains(dsn), event);
        } finally {
            sentry.stop(0);
        }
    }

    /**
     * The config file of GT's README ("Configure Users via Config Configuration File") with only
     * its addresses and paths made local: the status API, the TLS listener with certFile/keyFile,
     * tls1.3, the log file and the users file all work as written.
     */
    @Test
    void theReadmeConfigFileStartsWithLocalAddressesAndPaths() throws Exception {
        Cmd.run(dir, START, "openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
                "-nodes", "-keyout", "tls.key", "-out", "tls.crt", "-subj", "/CN=localhost", "-days", "2").ok();
        Files.createDirectories(dir.resolve("testdata"));
        Files.writeString(dir.resolve("testdata/users.yaml"),
                dev.gt.runner.options.ServerUsersOptionsTest.README_USERS_FILE);
        String text = dev.gt.runner.options.ServerUsersOptionsTest.README_USERS_CONFIG_VERBATIM
                .replace("apiAddr: 1.2.3.4:1234", "apiAddr: 127.0.0.1:0")
                .replace("certFile: /path", "certFile: " + dir.resolve("tls.crt"))
                .replace("keyFile: /path", "keyFile: " + dir.resolve("tls.key"))
                .replace("logFile: /path", "logFile: " + dir.resolve("gt.log"))
                .replace("addr: 1234", "addr: 127.0.0.1:0")
                .replace("tlsAddr: 1234", "tlsAddr: 127.0.0.1:0");
        Path config = Files.writeString(dir.resolve("server.yaml"), text);
        GtProcess server = gtServer("server", "-config", config.toString());
        int api = Integer.parseInt(server.awaitMatch(API, START).group(1));
        String status = get(api, "/status");
        assertTrue(status.contains("\"ok\"") && status.endsWith("\n200"), status);
        // logFileMaxSize: 1234 rotates about every second: the line may be in any of the files.
        StringBuilder logs = new StringBuilder();
        try (var files = Files.list(dir)) {
            for (Path f : (Iterable<Path>) files.filter(f -> f.getFileName().toString().startsWith("gt.log"))::iterator) {
                logs.append(Files.readString(f));
            }
        }
        assertTrue(logs.toString().contains("GT server listening on"), logs.toString());
        assertTrue(get(api, "/api/state").contains("\"users\":[\"id2\",\"id3\",\"id1\"]"), get(api, "/api/state"));
    }
}

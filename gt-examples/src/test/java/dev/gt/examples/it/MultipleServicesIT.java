package dev.gt.examples.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * README "Client Start Multiple Services Simultaneously": the client side verbatim (ports
 * substituted), from the command line and from the README's client.yaml. The server part of the
 * scenario (-hostNumber, -hostWithID, -hostRegex) is not supported yet, and the runner must say so.
 */
class MultipleServicesIT extends AcceptanceBase {

    private LocalHttp b1;
    private LocalHttp b2;
    private LocalHttp t1;
    private LocalHttp t2;
    private int p;
    private int r1;
    private int r2;

    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void theScenarioServerFlagsAreRejectedByName() {
        int range = Ports.freeRange(4);
        GtProcess server = closeLater(GtProcess.gt(dir, "server", List.of(), "server", "-addr", s(Ports.free()),
                "-id", "id1", "-secret", "secret1", "-tcpNumber", "2", "-tcpRange", range + "-" + (range + 3),
                "-hostNumber", "2", "-hostWithID", "-hostRegex", "^[0-9]+$", "-hostRegex", "^[a-zA-Z]+$"));
        assertEquals(2, server.awaitExit(START), server::describe);
        String err = server.stderr();
        assertTrue(err.contains("-hostNumber") && err.contains("not supported"), err);
        assertTrue(err.contains("gt server -h"), err);
        assertEquals("", server.stdout());
    }

    @Test
    @Timeout(value = 90, unit = TimeUnit.SECONDS)
    void fourServicesFromTheCommandLine() {
        startServicesAndServer();
        GtProcess client = client("client", "-remote", "tcp://id1.example.com:" + p, "-id", "id1",
                "-secret", "secret1",
                "-local", b1.url(), "-useLocalAsHTTPHost", "-hostPrefix", "1",
                "-local", b2.url(), "-useLocalAsHTTPHost", "-hostPrefix", "2",
                "-local", "tcp://127.0.0.1:" + t1.port(), "-remoteTCPPort", s(r1),
                "-local", "tcp://127.0.0.1:" + t2.port(), "-remoteTCPPort", s(r2));
        checkFourServices(client);
    }

    @Test
    @Timeout(value = 90, unit = TimeUnit.SECONDS)
    void fourServicesFromTheReadmeClientYaml() throws Exception {
        startServicesAndServer();
        Path yaml = Files.writeString(dir.resolve("client.yaml"), ""
                + "services:\n"
                + "  - local: http://127.0.0.1:" + b1.port() + "\n"
                + "    useLocalAsHTTPHost: true\n"
                + "    hostPrefix: 1\n"
                + "  - local: http://127.0.0.1:" + b2.port() + "\n"
                + "    useLocalAsHTTPHost: true\n"
                + "    hostPrefix: 2\n"
                + "  - local: tcp://127.0.0.1:" + t1.port() + "\n"
                + "    remoteTCPPort: " + r1 + "\n"
                + "  - local: tcp://127.0.0.1:" + t2.port() + "\n"
                + "    remoteTCPPort: " + r2 + "\n"
                + "options:\n"
                + "  remote: tcp://id1.example.com:" + p + "\n"
                + "  id: id1\n"
                + "  secret: secret1\n");
        // Relative to the working directory, as in the README (the client runs in dir).
        GtProcess client = client("client", "-config", yaml.getFileName().toString());
        checkFourServices(client);
    }

    private void startServicesAndServer() {
        b1 = closeLater(LocalHttp.start("b1"));
        b2 = closeLater(LocalHttp.start("b2"));
        t1 = closeLater(LocalHttp.start("t1"));
        t2 = closeLater(LocalHttp.start("t2"));
        p = Ports.free();
        int range = Ports.freeRange(4);
        r1 = range + 1;
        r2 = range + 2;
        server("server", "-addr", s(p), "-id", "id1", "-secret", "secret1", "-tcpNumber", "2",
                "-tcpRange", range + "-" + (range + 3));
    }

    private void checkFourServices(GtProcess client) {
        awaitReady(client);
        List<java.util.regex.Matcher> ports = client.awaitMatches(TCP_PORT, 2, START);
        assertEquals(List.of(s(r1), s(r2)), List.of(ports.get(0).group(1), ports.get(1).group(1)), client::describe);

        // 1.example.com -> b1 with the Host rewritten to the local address (useLocalAsHTTPHost).
        assertEquals(b1.expectedGet("127.0.0.1:" + b1.port(), "/one"),
                curl("--resolve", resolve("1.example.com", p), "http://1.example.com:" + p + "/one").ok());
        assertEquals(List.of("127.0.0.1:" + b1.port()), List.copyOf(b1.hosts()));
        assertEquals(b2.expectedGet("127.0.0.1:" + b2.port(), "/two"),
                curl("--resolve", resolve("2.example.com", p), "http://2.example.com:" + p + "/two").ok());
        assertEquals(List.of("127.0.0.1:" + b2.port()), List.copyOf(b2.hosts()));

        // Server ports r1 and r2 -> t1 and t2, bytes untouched (the Host stays the visitor's).
        assertEquals(t1.expectedGet("127.0.0.1:" + r1, "/"), tcpGet(t1, r1));
        assertEquals(t2.expectedGet("127.0.0.1:" + r2, "/"), tcpGet(t2, r2));
    }

    /** curl through server port {@code r}; a failure says whether the request reached the local service. */
    private String tcpGet(LocalHttp local, int r) {
        int before = local.hosts().size();
        Cmd.Result res = curl("http://127.0.0.1:" + r + "/");
        assertEquals(0, res.exit(), () -> res + "\nthe request " + (local.hosts().size() > before ? "reached"
                : "never reached") + " the local service behind server port " + r);
        return res.stdout();
    }
}

package dev.gt.runner.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * README "Client Start Multiple Services Simultaneously", both sides verbatim (ports substituted):
 * the server with -tcpNumber, -hostNumber, -hostWithID and two -hostRegex, the client from the
 * command line and from the README's client.yaml; visitors reach id1-1 and id1-2 as the README says.
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
    @Timeout(value = 90, unit = TimeUnit.SECONDS)
    void theServerRulesRefuseWhatTheyForbid() {
        startServicesAndServer();
        // "a-b" matches neither ^[0-9]+$ nor ^[a-zA-Z]+$.
        GtProcess regex = client("regex", "-remote", "tcp://127.0.0.1:" + p, "-id", "id1", "-secret", "secret1",
                "-reconnectDelay", "1h", "-local", b1.url(), "-hostPrefix", "a-b");
        regex.awaitLine("host regex mismatch", START);
        regex.stop();
        // Three host prefixes for -hostNumber 2.
        GtProcess number = client("number", "-remote", "tcp://127.0.0.1:" + p, "-id", "id1", "-secret", "secret1",
                "-reconnectDelay", "1h", "-local", b1.url(), "-hostPrefix", "1", "-local", b1.url(), "-hostPrefix", "2",
                "-local", b1.url(), "-hostPrefix", "3");
        number.awaitLine("the number of host prefixes exceeded the upper limit", START);
        number.stop();
        // Three tcp services for -tcpNumber 2.
        GtProcess tcp = client("tcp", "-remote", "tcp://127.0.0.1:" + p, "-id", "id1", "-secret", "secret1",
                "-reconnectDelay", "1h", "-local", "tcp://127.0.0.1:" + t1.port(), "-remoteTCPRandom",
                "-local", "tcp://127.0.0.1:" + t1.port(), "-remoteTCPRandom",
                "-local", "tcp://127.0.0.1:" + t1.port(), "-remoteTCPRandom");
        tcp.awaitLine("the number of tcp ports exceeded the upper limit", START);
        tcp.stop();
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
                "-tcpRange", range + "-" + (range + 3), "-hostNumber", "2", "-hostWithID",
                "-hostRegex", "^[0-9]+$", "-hostRegex", "^[a-zA-Z]+$");
    }

    private void checkFourServices(GtProcess client) {
        awaitReady(client);
        List<java.util.regex.Matcher> ports = client.awaitMatches(TCP_PORT, 2, START);
        assertEquals(List.of(s(r1), s(r2)), List.of(ports.get(0).group(1), ports.get(1).group(1)), client::describe);

        // id1-1.example.com -> b1 (-hostWithID) with the Host rewritten to the local address (useLocalAsHTTPHost).
        assertEquals(b1.expectedGet("127.0.0.1:" + b1.port(), "/one"),
                curl("--resolve", resolve("id1-1.example.com", p), "http://id1-1.example.com:" + p + "/one").ok());
        assertEquals(List.of("127.0.0.1:" + b1.port()), List.copyOf(b1.hosts()));
        assertEquals(b2.expectedGet("127.0.0.1:" + b2.port(), "/two"),
                curl("--resolve", resolve("id1-2.example.com", p), "http://id1-2.example.com:" + p + "/two").ok());
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

package dev.gt.runner.it;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * What the runner logs in the situations GT's own documents lead users into: every line must be
 * true and say what happened, never {@code ?}, {@code 'null'} or {@code []} where a value belongs.
 */
class RunnerMessagesIT extends AcceptanceBase {

    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void serverWithAddrOffNamesTheListenersItHas() {
        // GT's "Internal HTTPS Penetration" turns -addr off with -addr "" (here with -sniAddr, no certificate needed).
        GtProcess server = server("server", "-addr", "", "-sniAddr", "127.0.0.1:0", "-id", "id1", "-secret",
                "secret1");
        server.awaitMatch(Pattern.compile("INFO server - GT server listening on 127\\.0\\.0\\.1:\\d+ \\(-sniAddr\\); "
                + "-addr is off \\(users: \\[id1\\]"), START);
        assertFalse(server.output().contains("listening on ?"), server::describe);
    }

    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void serverAndClientSayHowManyEventLoopsTheyRun() {
        // Without -workerThreads: one on machines with at most two processors, else the library's
        // default (server: one per processor, client: two).
        int cpus = Runtime.getRuntime().availableProcessors();
        int serverLoops = cpus <= 2 ? 1 : cpus;
        int clientLoops = cpus <= 2 ? 1 : 2;
        int p = Ports.free();
        GtProcess auto = server("server", "-addr", "127.0.0.1:" + p, "-allowAnyClient");
        auto.awaitMatch(Pattern.compile("(?m)GT server using the \\w+ I/O engine with " + serverLoops
                + " event loops?$"), START);
        GtProcess client = client("client", "-remote", "tcp://127.0.0.1:" + p, "-id", "id1", "-secret", "s1",
                "-local", "http://127.0.0.1:1");
        client.awaitMatch(Pattern.compile("GT client 'id1' using the \\w+ I/O engine with " + clientLoops
                + " event loops?; "), START);
        GtProcess three = server("server", "-addr", "127.0.0.1:0", "-allowAnyClient", "-workerThreads", "3");
        three.awaitMatch(Pattern.compile("(?m)GT server using the \\w+ I/O engine with 3 event loops$"), START);
    }

    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void allowAnyClientWithoutLimitsWarnsAboutTcpNumberAndHostNumber() {
        GtProcess server = server("server", "-addr", "127.0.0.1:0", "-allowAnyClient");
        server.awaitMatch(Pattern.compile("WARN .*allow-any.*-tcpNumber.*-hostNumber"), START);
    }

    @Test
    @Timeout(value = 90, unit = TimeUnit.SECONDS)
    void aHostPrefixTheAuthApiRefusedIsLoggedAsNotRouted() throws IOException {
        // The API accepts the client but grants no host prefix besides its id (no appletTokens).
        HttpServer api = httpApi("{\"result\":true}");
        LocalHttp web = closeLater(LocalHttp.start("web"));
        int p = Ports.free();
        GtProcess server = server("server", "-addr", "127.0.0.1:" + p, "-authAPI",
                "http://127.0.0.1:" + api.getAddress().getPort() + "/auth");
        GtProcess client = client("client", "-remote", "tcp://127.0.0.1:" + p, "-id", "id1", "-secret", "s1",
                "-local", web.url(), "-hostPrefix", "app");
        awaitReady(client);
        client.awaitLine("service 0 (" + web.url() + ") is not routed: the server did not accept its host prefix "
                + "'app'; visitors cannot reach it", START);
        assertFalse(client.output().contains("'null'"), client::describe);
        assertFalse(client.output().contains("reachable"), client::describe);
        // The server's summary does not claim an empty user list either: the API decides.
        assertTrue(server.output().contains("(users: decided by the -authAPI at 127.0.0.1, timeout"), server::describe);
    }

    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void aRefusedTlsConnectIsNotACertificateError() {
        int nothing = Ports.free();
        GtProcess client = client("client", "-remote", "tls://127.0.0.1:" + nothing, "-id", "id1", "-secret", "s1",
                "-local", "http://127.0.0.1:1", "-reconnectDelay", "200ms");
        // Attempt 3 is scheduled only after attempts 1 and 2 were refused and handled.
        client.awaitLine("(attempt 3)", START);
        assertTrue(client.count(Pattern.compile("WARN RemotePool - cannot connect to tls://127\\.0\\.0\\.1:" + nothing
                + ": .*Connection refused")) >= 2, client::describe);
        assertFalse(client.output().contains("TLS handshake"), client::describe);
        assertFalse(client.output().contains("-remoteCert"), client::describe);
    }

    @Test
    @Timeout(value = 90, unit = TimeUnit.SECONDS)
    void aClientOnTheRemoteApiSaysWhereItAsks() throws IOException {
        LocalHttp web = closeLater(LocalHttp.start("web"));
        int p = Ports.free();
        server("server", "-addr", "127.0.0.1:" + p, "-id", "id1", "-secret", "secret1");
        HttpServer api = httpApi("{\"serverAddress\":\"tcp://127.0.0.1:" + p + "\"}");
        GtProcess client = client("client", "-remoteAPI", "http://127.0.0.1:" + api.getAddress().getPort()
                + "/api?token=t0ken", "-id", "id1", "-secret", "secret1", "-local", web.url());
        awaitReady(client);
        client.awaitLine("INFO client - GT client 'id1' connecting to the server named by the -remoteAPI at "
                + "127.0.0.1 with services", START);
        client.awaitLine("1 service, server from the server lookup API at 127.0.0.1", START);
        assertFalse(client.output().contains("connecting to []"), client::describe);
        // The API's own credentials (in its query) never reach the log.
        assertFalse(client.output().contains("t0ken"), client::describe);
    }

    @Test
    @Timeout(value = 90, unit = TimeUnit.SECONDS)
    void aTunnelDroppedForRemoteTimeoutSaysSo() {
        LocalHttp web = closeLater(LocalHttp.start("web"));
        int p = Ports.free();
        GtProcess server = server("server", "-addr", "127.0.0.1:" + p, "-id", "id1", "-secret", "secret1");
        GtProcess client = client("client", "-remote", "tcp://127.0.0.1:" + p, "-id", "id1", "-secret", "secret1",
                "-local", web.url(), "-remoteTimeout", "2s", "-reconnectDelay", "200ms");
        awaitReady(client);
        // A server that stops answering: frozen with SIGSTOP, so its sockets stay open but silent.
        signal("STOP", server);
        try {
            client.awaitLine("WARN RemotePool - tunnel 0 to tcp://127.0.0.1:" + p + " dropped: timeout (code 13): no "
                    + "data from the server for 2s (-remoteTimeout); reconnecting", START);
        } finally {
            signal("CONT", server);
        }
        // Back in once the server answers again.
        client.awaitMatches(READY, 2, START);
    }

    private void signal(String name, GtProcess p) {
        Cmd.run(dir, START, List.of("kill", "-" + name, Long.toString(p.pid()))).ok();
    }

    /** A JDK HttpServer on 127.0.0.1 answering every request with {@code json}, stopped after the test. */
    private HttpServer httpApi(String json) throws IOException {
        HttpServer server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 50);
        byte[] body = json.getBytes(StandardCharsets.UTF_8);
        server.createContext("/", ex -> {
            try (ex; InputStream in = ex.getRequestBody(); OutputStream out = ex.getResponseBody()) {
                in.readAllBytes();
                ex.getResponseHeaders().set("Content-Type", "application/json");
                ex.sendResponseHeaders(200, body.length);
                out.write(body);
            }
        });
        server.start();
        closeLater(() -> server.stop(0));
        return server;
    }
}

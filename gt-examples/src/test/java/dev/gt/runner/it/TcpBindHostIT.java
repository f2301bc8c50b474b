package dev.gt.runner.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * {@code -tcpBindHost}: TCP service ports listen on that address only. Checked through a second
 * loopback address of this machine, 127.0.0.2 (Linux routes all of 127.0.0.0/8 to lo): a port bound
 * to 127.0.0.1 refuses it, a port bound to every interface accepts it.
 */
class TcpBindHostIT extends AcceptanceBase {
    private static final String OTHER_LOCAL_ADDRESS = "127.0.0.2";

    @Test
    @Timeout(value = 90, unit = TimeUnit.SECONDS)
    void tcpServicePortsListenOnTheBindHostOnly() throws IOException {
        int port = startPair("bound", "-tcpBindHost", "127.0.0.1");
        assertTrue(connects("127.0.0.1", port), "the TCP service port refuses 127.0.0.1");
        assertFalse(connects(OTHER_LOCAL_ADDRESS, port), "with -tcpBindHost 127.0.0.1 the TCP service port "
                + port + " also accepts " + OTHER_LOCAL_ADDRESS);
    }

    @Test
    @Timeout(value = 90, unit = TimeUnit.SECONDS)
    void withoutItTcpServicePortsListenOnEveryInterfaceAsInGt() throws IOException {
        int port = startPair("every");
        assertTrue(connects("127.0.0.1", port), "the TCP service port refuses 127.0.0.1");
        // The control for the test above: this machine does reach a wildcard port through 127.0.0.2.
        assertTrue(connects(OTHER_LOCAL_ADDRESS, port), "a TCP service port on every interface refuses "
                + OTHER_LOCAL_ADDRESS);
    }

    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void helpListsIt() {
        Cmd.Result r = Cmd.run(dir, START, List.of(GtProcess.javaExecutable(), "-jar", GtProcess.jar().toString(),
                "server", "-h"));
        assertEquals(0, r.exit(), r::toString);
        assertTrue(r.stdout().contains("\n  -tcpBindHost string\n"), r::toString);
    }

    /** A server (-addr on 127.0.0.1) and a client with one tcp service; returns the service's server port. */
    private int startPair(String name, String... serverArgs) {
        LocalHttp local = closeLater(LocalHttp.start(name));
        int p = Ports.free();
        int r = Ports.freeRange(1);
        List<String> args = new java.util.ArrayList<>(List.of("-addr", "127.0.0.1:" + p, "-id", "id1", "-secret",
                "secret1", "-tcpNumber", "1", "-tcpRange", s(r)));
        args.addAll(List.of(serverArgs));
        GtProcess server = server(name + "-server", args.toArray(new String[0]));
        server.awaitLine(serverArgs.length == 0 ? "; TCP service ports on every interface)"
                : "; TCP service ports on 127.0.0.1 (-tcpBindHost))", START);
        GtProcess client = client(name + "-client", "-local", "tcp://127.0.0.1:" + local.port(),
                "-remote", "tcp://127.0.0.1:" + p, "-id", "id1", "-secret", "secret1", "-remoteTCPPort", s(r));
        awaitReady(client);
        assertEquals(s(r), client.awaitMatch(TCP_PORT, START).group(1));
        return r;
    }

    /** Whether a TCP connect to host:port succeeds; false when refused. */
    private static boolean connects(String host, int port) throws IOException {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress(host, port), 5_000);
            return true;
        } catch (ConnectException e) {
            return false;
        }
    }
}

package dev.gt.runner.it;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Many successive visitors of one TCP service port, each a curl that speaks first (an HTTP request
 * through a tcp:// service): every one must get its answer. One visitor is what the README
 * scenarios check; a hundred make an intermittent stall visible instead of flaky.
 */
class TcpVisitorsIT extends AcceptanceBase {
    private static final int VISITORS = 100;

    @Test
    @Timeout(value = 120, unit = TimeUnit.SECONDS)
    void everyVisitorOfATcpPortGetsItsAnswer() {
        LocalHttp local = closeLater(LocalHttp.start("t"));
        int p = Ports.free();
        int r = Ports.freeRange(1);
        server("server", "-addr", s(p), "-id", "id1", "-secret", "secret1", "-tcpNumber", "1",
                "-tcpRange", s(r));
        GtProcess client = client("client", "-local", "tcp://127.0.0.1:" + local.port(),
                "-remote", "tcp://id1.example.com:" + p, "-id", "id1", "-secret", "secret1", "-remoteTCPPort", s(r));
        awaitReady(client);
        assertEquals(s(r), client.awaitMatch(TCP_PORT, START).group(1));

        List<String> failures = new ArrayList<>();
        for (int i = 0; i < VISITORS; i++) {
            int seenBefore = local.hosts().size();
            Cmd.Result res = Cmd.run(dir, CURL, "curl", "-sS", "--max-time", "3", "http://127.0.0.1:" + r + "/v" + i);
            String expected = local.expectedGet("127.0.0.1:" + r, "/v" + i);
            if (res.exit() != 0 || !expected.equals(res.stdout())) {
                boolean reached = local.hosts().size() > seenBefore;
                failures.add("visitor " + i + ": curl exit " + res.exit() + " " + res.stderr().trim() + " (the request "
                        + (reached ? "reached" : "never reached") + " the local service)");
            }
        }
        assertEquals(List.of(), failures, failures.size() + " of " + VISITORS + " successive visitors of server port "
                + r + " got no answer; the local service received " + local.hosts().size() + " of " + VISITORS
                + " requests");
    }
}

package dev.gt.runner.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The server goes away and a new one starts on the same port with the same flags; the client
 * process, left alone, reconnects by itself ({@code -reconnectDelay 200ms}) and visitors get
 * through again. Once after a graceful stop (SIGTERM: the server says it is going away), once
 * after a crash (SIGKILL: the tunnel just breaks).
 */
class ServerRestartIT extends AcceptanceBase {

    @Test
    @Timeout(value = 90, unit = TimeUnit.SECONDS)
    void clientReconnectsAfterTheServerIsStoppedAndStartedAgain() {
        restart(false);
    }

    @Test
    @Timeout(value = 90, unit = TimeUnit.SECONDS)
    void clientReconnectsAfterTheServerCrashedAndStartedAgain() {
        restart(true);
    }

    private void restart(boolean crash) {
        int p = Ports.free();
        LocalHttp web = closeLater(LocalHttp.start("web"));
        String[] serverArgs = {"-addr", s(p), "-id", "id1", "-secret", "secret1"};
        GtProcess first = server("server1", serverArgs);
        GtProcess client = client("client", "-local", web.url(), "-remote", "tcp://id1.example.com:" + p,
                "-id", "id1", "-secret", "secret1", "-reconnectDelay", "200ms");
        awaitReady(client);
        assertEquals(web.expectedGet("id1.example.com:" + p, "/before"), get(p, "/before"));
        assertEquals(1, client.count(READY), client::describe);

        if (crash) {
            first.kill();
        } else {
            int status = first.stop();
            assertTrue(status == 0 || status == GtProcess.SIGTERM_STATUS, "server exit status after SIGTERM: "
                    + status);
        }
        assertTrue(client.isAlive(), "the client must keep running without its server:\n" + client.describe());

        server("server2", serverArgs);
        client.awaitMatches(READY, 2, START);
        assertTrue(client.isAlive(), client::describe);
        assertEquals(web.expectedGet("id1.example.com:" + p, "/after"), get(p, "/after"));
    }

    private String get(int p, String path) {
        return curl("--resolve", resolve("id1.example.com", p), "http://id1.example.com:" + p + path).ok();
    }
}

package dev.gt.runner.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The scenario: a client process frozen with {@code kill -STOP} (a hung machine, a
 * debugger, swapping). Its visitors used to get an empty reply after up to {@code -timeout}; now
 * each gets an answer, 502 (the tunnel was given up) or 504 (the stream was not answered in
 * time), within a few seconds of {@code -timeout 3s}.
 */
class FrozenClientIT extends AcceptanceBase {
    private static final int VISITORS = 5;

    @Test
    @Timeout(value = 90, unit = TimeUnit.SECONDS)
    void visitorsOfAFrozenClientGetA502Or504NotAnEmptyReply() throws Exception {
        LocalHttp web = closeLater(LocalHttp.start("web"));
        int p = Ports.free();
        server("server", "-addr", "127.0.0.1:" + p, "-id", "id1", "-secret", "secret1", "-timeout", "3s");
        GtProcess client = client("client", "-local", web.url(), "-remote", "tcp://127.0.0.1:" + p, "-id", "id1",
                "-secret", "secret1");
        awaitReady(client);
        String url = "http://127.0.0.1:" + p + "/";
        assertEquals("200", curl("-s", "-o", "/dev/null", "-w", "%{http_code}", "-H", "Host: id1.example.com", url)
                .ok());

        String pid = Long.toString(client.pid());
        Cmd.run(dir, CURL, "kill", "-STOP", pid).ok();
        try {
            List<CompletableFuture<Cmd.Result>> visits = new ArrayList<>();
            for (int i = 0; i < VISITORS; i++) {
                // curl's exit 52 is "empty reply from server"; --max-time 10 bounds the wait.
                visits.add(CompletableFuture.supplyAsync(() -> curl("-s", "-o", "/dev/null", "-w", "%{http_code}",
                        "-H", "Host: id1.example.com", url)));
            }
            for (CompletableFuture<Cmd.Result> v : visits) {
                Cmd.Result r = v.get(30, TimeUnit.SECONDS);
                assertEquals(0, r.exit(), r::toString);
                assertTrue(r.stdout().equals("502") || r.stdout().equals("504"), r::toString);
            }
        } finally {
            Cmd.run(dir, CURL, "kill", "-CONT", pid);
        }
    }

    /**
     * A client killed or frozen while another client of the same id runs (a restarted client
     * whose old QUIC tunnel, or whose vanished host's tunnel, the server still holds until its
     * idle timeout): visitors go to the live client. The frozen tunnel is found out by a PING the
     * server sends before putting a stream into a tunnel that has been quiet, so at most the
     * visitor that triggered it is lost.
     */
    @Test
    @Timeout(value = 120, unit = TimeUnit.SECONDS)
    void visitorsGoToTheLiveClientWhileAnotherOfTheSameIdIsFrozen() {
        LocalHttp web = closeLater(LocalHttp.start("web"));
        int p = Ports.free();
        server("server", "-addr", "127.0.0.1:" + p, "-id", "id1", "-secret", "secret1");
        GtProcess frozen = client("frozen", "-local", web.url(), "-remote", "tcp://127.0.0.1:" + p, "-id", "id1",
                "-secret", "secret1");
        awaitReady(frozen);
        GtProcess live = client("live", "-local", web.url(), "-remote", "tcp://127.0.0.1:" + p, "-id", "id1",
                "-secret", "secret1");
        awaitReady(live);
        String url = "http://127.0.0.1:" + p + "/";
        String pid = Long.toString(frozen.pid());
        Cmd.run(dir, CURL, "kill", "-STOP", pid).ok();
        try {
            List<String> codes = new ArrayList<>();
            for (int i = 0; i < 8; i++) {
                codes.add(curl("-s", "-o", "/dev/null", "-w", "%{http_code}", "-H", "Host: id1.example.com", url)
                        .stdout());
            }
            long ok = codes.stream().filter("200"::equals).count();
            assertTrue(ok >= 7 && codes.subList(2, 8).stream().allMatch("200"::equals), "answers " + codes);
        } finally {
            Cmd.run(dir, CURL, "kill", "-CONT", pid);
        }
    }
}

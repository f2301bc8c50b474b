package dev.gt.runner.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** {@code gt demo}: the self-check, and the curl command it prints, run as printed. */
class DemoIT extends AcceptanceBase {
    private static final Pattern TRY_IT = Pattern.compile("(?m)^Try it\\s*:\\s*(curl .*http://127\\.0\\.0\\.1:(\\d+)/\\S*)$");

    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void durationZeroRunsTheSelfCheckAndExits() {
        GtProcess demo = closeLater(GtProcess.gt(dir, "demo", List.of(), "demo", "-duration", "0"));
        assertEquals(0, demo.awaitExit(START), demo::describe);
        String out = demo.stdout();
        assertTrue(out.contains("Self-check passed"), demo.describe());
        assertTrue(TRY_IT.matcher(out).find(), "no 'Try it : curl ...' line:\n" + demo.describe());
    }

    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void thePrintedCurlCommandWorks() {
        GtProcess demo = closeLater(GtProcess.gt(dir, "demo", List.of(), "demo", "-duration", "60s"));
        demo.awaitLine("Self-check passed", START);
        Matcher m = TRY_IT.matcher(demo.stdout());
        assertTrue(m.find(), demo.describe());
        String command = m.group(1);
        int port = Integer.parseInt(m.group(2));
        assertTrue(Ports.accepts(port), "the demo server should listen on " + port);

        // Exactly as printed, through a shell.
        String body = Cmd.run(dir, CURL, "sh", "-c", command).ok();
        assertTrue(body.contains("reached through the GT tunnel"), body);
        assertTrue(body.contains("path:   /hello"), body);
        assertTrue(body.contains("host:   demo.example.com"), body);

        int status = demo.stop();
        assertTrue(status == 0 || status == GtProcess.SIGTERM_STATUS, "demo exit status after SIGTERM: " + status);
    }
}

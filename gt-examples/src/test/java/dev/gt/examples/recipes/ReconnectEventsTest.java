package dev.gt.examples.recipes;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(60)
class ReconnectEventsTest {
    @Test
    void theListenerTellsTheWholeRestart() {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        ReconnectEvents.run(0, new PrintStream(bytes, true, StandardCharsets.UTF_8));
        List<String> lines = List.of(bytes.toString(StandardCharsets.UTF_8).split("\n"));
        String all = String.join("\n", lines);
        int stopped = lines.indexOf("server stopped");
        int restarted = lines.indexOf("server started again");
        assertTrue(lines.get(0).startsWith("tunnel 0 connected to "), all);
        assertTrue(stopped > 0 && restarted > stopped, all);
        // The disconnect and the retry are told as they happen, before or after the main thread's line.
        assertTrue(lines.stream().anyMatch(l -> l.startsWith("tunnel 0 disconnected")), all);
        int retry = indexOf(lines, "tunnel 0 reconnects in ");
        assertTrue(retry > 0 && retry < restarted, all);
        // Connected again after the restart (closing the client at the end reports one more disconnect).
        assertTrue(lines.subList(restarted, lines.size()).stream().anyMatch(l -> l.startsWith("tunnel 0 connected to ")),
                all);
    }

    private static int indexOf(List<String> lines, String prefix) {
        for (int i = 0; i < lines.size(); i++) {
            if (lines.get(i).startsWith(prefix)) {
                return i;
            }
        }
        return -1;
    }
}

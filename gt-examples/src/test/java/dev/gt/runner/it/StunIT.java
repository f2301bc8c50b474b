package dev.gt.runner.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** {@code gt stun}: coturn's own clients get a reflexive address and relay through TURN. */
class StunIT extends AcceptanceBase {
    private static final Pattern PORT = Pattern.compile("GT STUN/TURN server on port (\\d+)");

    @Test
    @Timeout(value = 90, unit = TimeUnit.SECONDS)
    void stunAndTurnThroughTheRunner() {
        Cmd.requireProgram("turnutils_stunclient", "coturn");
        Cmd.requireProgram("turnutils_uclient", "coturn");
        GtProcess stun = closeLater(GtProcess.gt(dir, "stun", List.of(), "stun", "-stunAddr", "127.0.0.1:0",
                "-turnUser", "alice:wonderland", "-turnAllowPeer", "127.0.0.0/8", "-turnRelayPorts", "40000-40999"));
        Matcher m = stun.awaitMatch(PORT, START);
        String port = m.group(1);

        String binding = Cmd.run(dir, START, "timeout", "20", "turnutils_stunclient", "-p", port, "127.0.0.1").ok();
        assertTrue(binding.contains("UDP reflexive addr: 127.0.0.1:"), binding);

        Cmd.Result turn = Cmd.run(dir, START, "timeout", "30", "turnutils_uclient", "-v", "-t", "-y", "-n", "10", "-m", "1",
                "-u", "alice", "-w", "wonderland", "-p", port, "127.0.0.1");
        assertEquals(0, turn.exit(), turn.toString());
        assertTrue(turn.stdout().contains("Total lost packets 0 (0.000000%)"), turn.toString());
        Matcher relay = Pattern.compile("Received relay addr: 127\\.0\\.0\\.1:(\\d+)").matcher(turn.stdout());
        assertTrue(relay.find(), turn.toString());
        int relayPort = Integer.parseInt(relay.group(1));
        assertTrue(relayPort >= 40000 && relayPort <= 40999, "-turnRelayPorts: " + relayPort);

        int status = stun.stop();
        assertTrue(status == 0 || status == GtProcess.SIGTERM_STATUS, "exit status after SIGTERM: " + status);
    }

    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void badFlagsAreUsageErrors() {
        GtProcess bad = closeLater(GtProcess.gt(dir, "stun-bad", List.of(), "stun", "-turnUser", "nocolon"));
        assertEquals(2, bad.awaitExit(START), bad::describe);
        assertTrue(bad.stderr().contains("-turnUser: expected NAME:PASSWORD"), bad.describe());
        GtProcess peer = closeLater(GtProcess.gt(dir, "stun-bad2", List.of(), "stun", "-turnAllowPeer", "localhost"));
        assertEquals(2, peer.awaitExit(START), peer::describe);
        assertTrue(peer.stderr().contains("'localhost' is not an address range"), peer.describe());
    }
}

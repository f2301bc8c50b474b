package dev.gt.runner.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
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

    @Test
    @Timeout(value = 120, unit = TimeUnit.SECONDS)
    void serverRunsStunAndTurnBesideTunnelsAndHandsClientsCredentials() {
        Cmd.requireProgram("turnutils_stunclient", "coturn");
        Cmd.requireProgram("turnutils_uclient", "coturn");
        int p = Ports.free();
        LocalHttp web = closeLater(LocalHttp.start("web"));
        GtProcess server = server("server", "-addr", "127.0.0.1:" + p, "-id", "id1", "-secret", "secret1",
                "-stunAddr", "127.0.0.1:0", "-stunOnAddr", "-turnSecret", "rest-secret", "-turnAllowPeer",
                "127.0.0.0/8", "-turnRelayPorts", "41000-41999", "-turnCredentialsTTL", "10m");
        String stunPort = server.awaitMatch(Pattern.compile("STUN/TURN server on port (\\d+) \\(-stunAddr\\) and on -addr"),
                START).group(1);

        // STUN over UDP on -stunAddr.
        String binding = Cmd.run(dir, START, "timeout", "20", "turnutils_stunclient", "-p", stunPort, "127.0.0.1").ok();
        assertTrue(binding.contains("UDP reflexive addr: 127.0.0.1:"), binding);

        // TURN over TCP on the GT server's own port, with REST credentials made from the secret.
        Cmd.Result turn = Cmd.run(dir, START, "timeout", "30", "turnutils_uclient", "-t", "-y", "-n", "10", "-m", "1",
                "-W", "rest-secret", "-u", "visitor", "-p", s(p), "127.0.0.1");
        assertEquals(0, turn.exit(), turn.toString());
        assertTrue(turn.stdout().contains("Total lost packets 0 (0.000000%)"), turn.toString());

        // The same port still takes tunnels and visitors; the client learns its public address and the
        // servers it may use for peer-to-peer connections.
        GtProcess client = client("client", "-local", web.url(), "-remote", "tcp://id1.example.com:" + p,
                "-id", "id1", "-secret", "secret1", "-remoteSTUN", "stun:127.0.0.1:" + stunPort);
        awaitReady(client);
        client.awaitMatch(Pattern.compile("public address /127\\.0\\.0\\.1:\\d+"), START);
        client.awaitLine("peer-to-peer servers from the server: stun:127.0.0.1:" + stunPort + ", turn:127.0.0.1:"
                + stunPort + "?transport=udp, turn:127.0.0.1:" + stunPort + "?transport=tcp", START);
        String body = curl("--resolve", resolve("id1.example.com", p), "http://id1.example.com:" + p + "/x").ok();
        assertEquals(web.expectedGet("id1.example.com:" + p, "/x"), body);
        assertFalse(client.stdout().contains("rest-secret") || server.stdout().contains("rest-secret"),
                "the TURN secret was logged");
    }

    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void stunFlagsOfServerAndClientAreChecked() {
        GtProcess noAddr = closeLater(GtProcess.gt(dir, "server-bad", List.of(), "server", "-addr", "127.0.0.1:0",
                "-stunOnAddr"));
        assertEquals(2, noAddr.awaitExit(START), noAddr::describe);
        assertTrue(noAddr.stderr().contains("-stunOnAddr needs -stunAddr"), noAddr.describe());
        GtProcess badUri = closeLater(GtProcess.gt(dir, "client-bad", List.of(), "client", "-remote",
                "tcp://127.0.0.1:1", "-id", "a", "-secret", "b", "-local", "http://127.0.0.1:1",
                "-remoteSTUN", "turn:127.0.0.1"));
        assertEquals(2, badUri.awaitExit(START), badUri::describe);
        assertTrue(badUri.stderr().contains("-remoteSTUN: 'turn:127.0.0.1' is not a STUN server URI"),
                badUri.describe());
    }
}

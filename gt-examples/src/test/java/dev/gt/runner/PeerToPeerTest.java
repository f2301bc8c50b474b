package dev.gt.runner;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.gt.api.IceServer;
import dev.gt.core.GtClient;
import dev.gt.core.GtServer;
import dev.gt.p2p.StunClient;
import dev.gt.p2p.StunServer;
import dev.gt.runner.options.ClientOptions;
import dev.gt.runner.options.ServerOptions;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code gt server -stunAddr} and {@code gt client -remoteSTUN} in one process: the TURN
 * credentials a client is handed really open a relay on the server's TURN server.
 */
class PeerToPeerTest {
    @TempDir
    Path dir;

    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void handedCredentialsAllocateARelay() throws Exception {
        ServerOptions so = ServerOptions.parse(new String[] {"-addr", "127.0.0.1:0", "-id", "id1", "-secret", "s1",
                "-stunAddr", "0.0.0.0:0", "-turnSecret", "rest-secret", "-turnSecret", "older-secret",
                "-turnAllowPeer", "127.0.0.0/8", "-turnRelayPorts", "42000-42999", "-turnCredentialsTTL", "5m"}, dir);
        StunServer stun = PeerToPeer.configureServer(so.values(), so.builder());
        try (stun; GtServer server = so.build()) {
            stun.start().get(10, TimeUnit.SECONDS);
            server.start().get(10, TimeUnit.SECONDS);
            int port = server.listenAddress().getPort();
            ClientOptions co = ClientOptions.parse(new String[] {"-remote", "tcp://127.0.0.1:" + port, "-id", "id1",
                    "-secret", "s1", "-local", "http://127.0.0.1:1", "-remoteSTUN", "stun:127.0.0.1:1",
                    "-remoteSTUN", "stun:127.0.0.1:" + stun.port()}, dir);
            StunClient stunClient = PeerToPeer.configureClient(co.values(), co.builder());
            try (stunClient; GtClient client = co.build()) {
                client.start().get(20, TimeUnit.SECONDS);
                // The first -remoteSTUN does not answer; the second one does.
                InetSocketAddress publicAddress = await().atMost(Duration.ofSeconds(30))
                        .until(() -> client.state().publicAddress(), a -> a != null);
                assertEquals("127.0.0.1", publicAddress.getAddress().getHostAddress());

                List<IceServer> ice = await().atMost(Duration.ofSeconds(10))
                        .until(() -> client.state().iceServers(), l -> !l.isEmpty());
                // -stunAddr listens on every address: the host is the one the client reached.
                String hostPort = "127.0.0.1:" + stun.port();
                assertEquals(List.of("stun:" + hostPort), ice.get(0).urls());
                assertEquals("", ice.get(0).username());
                IceServer turn = ice.get(1);
                assertEquals(List.of("turn:" + hostPort + "?transport=udp", "turn:" + hostPort + "?transport=tcp"),
                        turn.urls());
                assertTrue(turn.username().endsWith(":id1"), turn.username());
                Duration left = Duration.between(Instant.now(), turn.expiresAt());
                assertTrue(left.compareTo(Duration.ofMinutes(4)) > 0 && left.compareTo(Duration.ofMinutes(6)) < 0,
                        "-turnCredentialsTTL 5m: " + left);

                assumeTrue(Files.isExecutable(Path.of("/usr/bin/turnutils_uclient")), "coturn's turnutils_uclient");
                for (String transport : List.of("udp", "tcp")) {
                    List<String> cmd = new java.util.ArrayList<>(List.of("timeout", "30", "turnutils_uclient", "-y",
                            "-n", "5", "-m", "1", "-u", turn.username(), "-w", turn.credential(), "-p",
                            Integer.toString(stun.port()), "127.0.0.1"));
                    if (transport.equals("tcp")) {
                        cmd.add(3, "-t");
                    }
                    String out = run(cmd);
                    assertTrue(out.contains("Total lost packets 0 (0.000000%)"), transport + ": " + out);
                }
            }
        }
    }

    @Test
    void iceServersUseTheStunAddressWhenItIsSpecificAndNeverStaticPasswords() throws Exception {
        ServerOptions so = ServerOptions.parse(new String[] {"-addr", "127.0.0.1:0", "-stunAddr", "127.0.0.2:0",
                "-turnUser", "alice:wonderland"}, dir);
        StunServer stun = PeerToPeer.configureServer(so.values(), so.builder());
        try (stun) {
            stun.start().get(10, TimeUnit.SECONDS);
            List<IceServer> ice = so.builder().build().config().iceServers()
                    .iceServersFor("id1", new InetSocketAddress("127.0.0.1", 8080));
            assertEquals(1, ice.size(), "static TURN users are not handed out: " + ice);
            assertEquals(List.of("stun:127.0.0.2:" + stun.port()), ice.get(0).urls());
        }
    }

    @Test
    void restCredentialsFollowTheClock() {
        StunServer stun = StunServer.builder().listenAddress("0.0.0.0:0").turnSecret("k").build();
        Clock clock = Clock.fixed(Instant.parse("2026-12-05T00:00:00Z"), ZoneOffset.UTC);
        List<IceServer> ice = PeerToPeer.iceServers(stun, "k", Duration.ofHours(1), clock)
                .iceServersFor("bob", new InetSocketAddress("::1", 8080));
        IceServer turn = ice.get(1);
        assertEquals(Instant.parse("2026-12-05T01:00:00Z"), turn.expiresAt());
        assertEquals(Instant.parse("2026-12-05T01:00:00Z").getEpochSecond() + ":bob", turn.username());
        assertEquals(dev.gt.p2p.TurnRestCredentials.password("k", turn.username()), turn.credential());
        assertTrue(ice.get(0).urls().get(0).startsWith("stun:[0:0:0:0:0:0:0:1]:"), ice.toString());
    }

    @Test
    void withoutStunAddrNothingIsAdded() {
        ServerOptions so = ServerOptions.parse(new String[] {"-addr", "127.0.0.1:0"}, dir);
        assertNull(PeerToPeer.configureServer(so.values(), so.builder()));
        assertNull(so.build().config().iceServers());
        ServerOptions bad = ServerOptions.parse(new String[] {"-addr", "127.0.0.1:0", "-stunOnAddr"}, dir);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> PeerToPeer.configureServer(bad.values(), bad.builder()));
        assertTrue(e.getMessage().contains("-stunOnAddr needs -stunAddr"), e.getMessage());
    }

    private String run(List<String> cmd) throws IOException, InterruptedException {
        Path out = dir.resolve("uclient.out");
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(out.toFile()).start();
        assertTrue(p.waitFor(40, TimeUnit.SECONDS), "turnutils_uclient did not finish");
        String text = Files.readString(out, StandardCharsets.UTF_8);
        assertEquals(0, p.exitValue(), text);
        return text;
    }
}

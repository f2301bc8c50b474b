package dev.gt.runner.it;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * README "Internal TCP Penetration" with a real sshd behind the client: {@code server -addr 8080 -id id1
 * -secret secret1 -tcpNumber 1 -tcpRange 1024-65535} and {@code client -local tcp://127.0.0.1:22 -remote
 * tcp://id1.example.com:8080 -id id1 -secret secret1 -remoteTCPPort 2222 -remoteTCPRandom}, with free
 * ports instead of 8080, 22, 2222 and a three-port range instead of 1024-65535.
 */
class TcpPenetrationSshIT extends AcceptanceBase {
    private static final String SSHD = "/usr/sbin/sshd";

    @Test
    @Timeout(value = 120, unit = TimeUnit.SECONDS)
    void sshThroughAServerPortThatFallsBackToARandomOne() throws Exception {
        Cmd.requireProgram(SSHD, "openssh-server");
        Cmd.requireProgram("ssh", "openssh-client");
        Cmd.requireProgram("ssh-keyscan", "openssh-client");
        Cmd.requireProgram("ssh-keygen", "openssh-client");

        // sshd on a free port of 127.0.0.1, accepting one generated user key.
        Path hostKey = dir.resolve("ssh_host_ed25519_key");
        Path userKey = dir.resolve("id_ed25519");
        Cmd.run(dir, Duration.ofSeconds(30), "ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", hostKey.toString())
                .ok();
        Cmd.run(dir, Duration.ofSeconds(30), "ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", userKey.toString())
                .ok();
        Path authorizedKeys = Files.copy(Path.of(userKey + ".pub"), dir.resolve("authorized_keys"));
        Path privsep = Path.of("/run/sshd");
        if (!Files.isDirectory(privsep)) {
            try {
                Files.createDirectories(privsep); // sshd's privilege separation directory
            } catch (IOException e) {
                throw new AssertionError("sshd needs " + privsep + " and it cannot be created here", e);
            }
        }
        int sshPort = Ports.free();
        GtProcess sshd = closeLater(GtProcess.program(dir, "sshd", SSHD, "-D", "-e", "-f", "/dev/null",
                "-p", s(sshPort), "-h", hostKey.toString(), "-o", "AuthorizedKeysFile=" + authorizedKeys,
                "-o", "StrictModes=no", "-o", "UsePAM=no", "-o", "PidFile=none", "-o", "ListenAddress=127.0.0.1"));
        sshd.awaitLine("Server listening on 127.0.0.1 port " + sshPort, START);
        String hostKeyLine = Files.readString(Path.of(hostKey + ".pub")).trim();
        String expectedKey = hostKeyLine.split(" ")[0] + " " + hostKeyLine.split(" ")[1];

        int p = Ports.free();
        int range = Ports.freeRange(3);
        String tcpRange = range + "-" + (range + 2);
        server("server", "-addr", s(p), "-id", "id1", "-secret", "secret1", "-tcpNumber", "1",
                "-tcpRange", tcpRange);

        // The wanted port (the README's 2222) is busy, so -remoteTCPRandom makes the server pick another.
        int wanted = range;
        int opened;
        try (ServerSocket busy = new ServerSocket()) {
            busy.bind(new InetSocketAddress(wanted));
            GtProcess client = client("client", "-local", "tcp://127.0.0.1:" + sshPort,
                    "-remote", "tcp://id1.example.com:" + p, "-id", "id1", "-secret", "secret1",
                    "-remoteTCPPort", s(wanted), "-remoteTCPRandom");
            awaitReady(client);
            opened = Integer.parseInt(client.awaitMatch(TCP_PORT, START).group(1));
            assertNotEquals(wanted, opened, "port " + wanted + " was busy, yet the client reports it");
            assertTrue(opened >= range && opened <= range + 2, "tcp port=" + opened + " is outside -tcpRange "
                    + tcpRange);

            String scan = Cmd.run(dir, CURL, "ssh-keyscan", "-T", "10", "-t", "ed25519", "-p", s(opened),
                    "127.0.0.1").ok();
            assertTrue(scan.contains(expectedKey), "ssh-keyscan through port " + opened + " should return sshd's "
                    + "host key " + expectedKey + ", got:\n" + scan);

            assertEquals("hello-through-gt\n", ssh(userKey, opened, "echo hello-through-gt").ok());

            // The client goes away: the server closes the port and gives it back to the pool.
            client.stop();
        }
        await("port " + opened + " refuses connections after the client stopped")
                .atMost(Duration.ofSeconds(15)).pollInterval(Duration.ofMillis(100))
                .until(() -> !Ports.accepts(opened));

        // A new client gets exactly that port, and ssh works through it again.
        GtProcess again = client("client2", "-local", "tcp://127.0.0.1:" + sshPort,
                "-remote", "tcp://id1.example.com:" + p, "-id", "id1", "-secret", "secret1",
                "-remoteTCPPort", s(opened));
        awaitReady(again);
        assertEquals(opened, Integer.parseInt(again.awaitMatch(TCP_PORT, START).group(1)));
        assertEquals("hello-through-gt\n", ssh(userKey, opened, "echo hello-through-gt").ok());
    }

    private Cmd.Result ssh(Path userKey, int port, String remoteCommand) {
        String user = System.getProperty("user.name");
        return Cmd.run(dir, CURL, List.of("ssh", "-F", "/dev/null", "-i", userKey.toString(), "-p", s(port),
                "-o", "StrictHostKeyChecking=no", "-o", "UserKnownHostsFile=/dev/null", "-o", "BatchMode=yes",
                "-o", "ConnectTimeout=10", "-o", "LogLevel=ERROR", user + "@127.0.0.1", remoteCommand));
    }
}

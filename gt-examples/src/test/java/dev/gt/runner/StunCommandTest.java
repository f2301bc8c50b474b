package dev.gt.runner;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.gt.api.PortRange;
import dev.gt.p2p.StunServerConfig;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** {@code gt stun}'s flags, mapped onto the builder; errors name the flag. */
class StunCommandTest {

    private static StunServerConfig parse(String... args) {
        return StunCommand.configure(StunCommand.TABLE.parse(args)).build().config();
    }

    @Test
    void defaults() {
        StunServerConfig c = parse();
        assertEquals(3478, c.listenAddress().getPort());
        assertTrue(c.listenAddress().getAddress().isAnyLocalAddress());
        assertFalse(c.turnEnabled());
        assertEquals("gt", c.turnRealm());
        assertEquals(new PortRange(49152, 65535), c.turnRelayPorts());
        assertEquals("GT", c.software());
        assertEquals(10_000, c.maxAllocations());
    }

    @Test
    void everyFlag() {
        StunServerConfig c = parse("-stunAddr", "127.0.0.1:0", "-turnUser", "alice:wonder:land", "-turnUser",
                "bob:builder", "-turnSecret", "s1", "-turnRealm", "example.org", "-turnRelayPorts", "50000-50100",
                "-turnRelayAddr", "127.0.0.1", "-turnAllowPeer", "127.0.0.0/8", "-turnDenyPeer", "8.8.8.0/24",
                "-turnUserQuota", "3", "-turnTotalQuota", "99", "-turnBandwidth", "125000", "-stunSoftware", "",
                "-workerThreads", "2");
        assertEquals(0, c.listenAddress().getPort());
        assertEquals(Set.of("alice", "bob"), c.turnUserNames(), "the password may contain colons");
        assertTrue(c.turnRestEnabled());
        assertEquals("example.org", c.turnRealm());
        assertEquals(new PortRange(50000, 50100), c.turnRelayPorts());
        assertEquals("127.0.0.1", c.turnRelayAddress().getHostAddress());
        assertEquals(List.of("127.0.0.0/8"), c.turnAllowPeers());
        assertEquals(List.of("8.8.8.0/24"), c.turnDenyPeers());
        assertEquals(3, c.maxAllocationsPerUser());
        assertEquals(99, c.maxAllocations());
        assertEquals(125000, c.allocationBandwidth());
        assertNull(c.software());
        assertEquals(2, c.threads());
        assertFalse(c.toString().contains("builder"), "passwords stay out of toString: " + c);
    }

    @Test
    void badValuesNameTheFlag() {
        assertThrows(IllegalArgumentException.class, () -> parse("-turnUser", "alice"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> parse("-turnRelayPorts", "9-1")).getMessage()
                .contains("-turnRelayPorts"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> parse("-turnRelayAddr", "0.0.0.0"))
                .getMessage().contains("-turnRelayAddr"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> parse("-stunAddr", "nope:x")).getMessage()
                .contains("-stunAddr"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> parse("-turnAllowPeer", "10.0.0.0/33"))
                .getMessage().contains("10.0.0.0/33"));
    }

    @Test
    void runnerPrintsHelpAndRefusesBadFlagsWithoutEchoingSecrets() {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        Gt gt = new Gt(new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true,
                StandardCharsets.UTF_8), Path.of("."));
        assertEquals(0, gt.run("stun", "-h"));
        assertTrue(out.toString(StandardCharsets.UTF_8).contains("-turnSecret"));
        assertEquals(0, gt.run("help", "stun"));
        assertEquals(Gt.USAGE, gt.run("stun", "-turnUser", "hunter2"));
        String e = err.toString(StandardCharsets.UTF_8);
        assertTrue(e.contains("gt stun: -turnUser: expected NAME:PASSWORD"), e);
        assertFalse(e.contains("hunter2"), e);
        assertEquals(Gt.USAGE, gt.run("stun", "-turnRelm", "x"));
    }
}

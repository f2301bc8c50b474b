package dev.gt.p2p;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.parallel.Execution;
import org.junit.jupiter.api.parallel.ExecutionMode;

/**
 * Clients nobody here wrote, against the server on 127.0.0.1: Debian's {@code stun-client}
 * (stund, RFC 3489: no cookie, CHANGE-REQUEST in every request) and coturn's
 * {@code turnutils_stunclient}, {@code turnutils_natdiscovery} and {@code turnutils_uclient}
 * (TURN allocations, permissions, channels and relayed data between two of its clients, over UDP
 * and TCP, with long-term and REST credentials). A missing program fails the test with the
 * package to install.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@Execution(ExecutionMode.CONCURRENT) // each test mostly waits for a client's own timers
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class ThirdPartyClientsTest {
    private static final Pattern REFLEXIVE = Pattern.compile("UDP reflexive addr: 127\\.0\\.0\\.1:(\\d+)");

    private StunServer server;
    private final List<String> created = new ArrayList<>();

    @BeforeAll
    void start() {
        server = StunServer.builder().listenAddress("127.0.0.1:0")
                .turnUser("alice", "wonderland")
                .turnSecret("rest-secret")
                .turnAllowPeer("127.0.0.0/8")
                .listener(new StunServerListener() {
                    @Override
                    public void allocationCreated(String username, java.net.InetSocketAddress client,
                            java.net.InetSocketAddress relay, boolean tcp) {
                        synchronized (created) {
                            created.add(username + (tcp ? "/tcp" : "/udp"));
                        }
                    }
                })
                .build();
        server.start().join();
    }

    @AfterAll
    void stop() {
        server.close();
    }

    private String port() {
        return Integer.toString(server.port());
    }

    @Test
    void stundRfc3489ClientFindsAnOpenInternet() throws Exception {
        String stun = ExternalProgram.require("stun", "stun-client");
        ExternalProgram.Result r = ExternalProgram.run(30, stun, "127.0.0.1:" + port(), "-v");
        // stund's exit code is a NAT type, not a status: read its verdict.
        assertTrue(r.output().contains("Primary: Open"), r.output());
        assertTrue(r.output().contains("test I = 1"), r.output());
        assertTrue(r.output().contains("MappedAddress = 127.0.0.1:"), r.output());
    }

    @Test
    void coturnStunClientGetsItsReflexiveAddress() throws Exception {
        String client = ExternalProgram.require("turnutils_stunclient", "coturn");
        // It waits forever when nothing answers, hence the kill timer.
        ExternalProgram.Result r = ExternalProgram.run(15, client, "-p", port(), "127.0.0.1");
        assertFalse(r.timedOut(), "no answer: " + r.output());
        Matcher m = REFLEXIVE.matcher(r.output());
        assertTrue(m.find(), r.output());
        assertNotEquals(0, Integer.parseInt(m.group(1)));
    }

    @Test
    void coturnNatDiscoveryMapsTheLocalPortUnchanged() throws Exception {
        String client = ExternalProgram.require("turnutils_natdiscovery", "coturn");
        ExternalProgram.Result r = ExternalProgram.run(15, client, "-m", "-p", port(), "127.0.0.1");
        assertFalse(r.timedOut(), r.output());
        Matcher m = REFLEXIVE.matcher(r.output());
        assertTrue(m.find(), r.output());
        Matcher local = Pattern.compile("Local addr: : 0\\.0\\.0\\.0:(\\d+)").matcher(r.output());
        assertTrue(local.find(), r.output());
        assertEquals(local.group(1), m.group(1), "on loopback the mapped port is the local port");
    }

    private ExternalProgram.Result uclient(String... flags) throws Exception {
        String client = ExternalProgram.require("turnutils_uclient", "coturn");
        List<String> cmd = ExternalProgram.args(client);
        cmd.addAll(List.of(flags));
        cmd.addAll(List.of("-y", "-n", "20", "-m", "2", "-l", "180", "-p", port(), "127.0.0.1"));
        return ExternalProgram.run(40, cmd.toArray(new String[0]));
    }

    private static void relayedEverything(ExternalProgram.Result r) {
        assertEquals(0, r.exitCode(), r.output());
        // Its summary: every message sent between the paired clients came back through the relays.
        Matcher m = Pattern.compile("start_mclient: tot_send_msgs=(\\d+), tot_recv_msgs=(\\d+)").matcher(r.output());
        assertTrue(m.find(), r.output());
        assertTrue(Integer.parseInt(m.group(1)) >= 40, r.output());
        assertEquals(m.group(1), m.group(2), r.output());
        assertTrue(r.output().contains("Total lost packets 0 (0.000000%)"), r.output());
    }

    @Test
    void turnOverUdpWithLongTermCredentialsRelaysThroughChannels() throws Exception {
        relayedEverything(uclient("-u", "alice", "-w", "wonderland"));
    }

    @Test
    void turnOverTcpWithLongTermCredentialsRelaysThroughChannels() throws Exception {
        relayedEverything(uclient("-t", "-u", "alice", "-w", "wonderland"));
    }

    @Test
    void turnOverUdpWithSendAndDataIndications() throws Exception {
        relayedEverything(uclient("-s", "-u", "alice", "-w", "wonderland"));
    }

    @Test
    void turnOverTcpWithSendAndDataIndications() throws Exception {
        relayedEverything(uclient("-s", "-t", "-u", "alice", "-w", "wonderland"));
    }

    @Test
    void turnOverUdpWithRestCredentials() throws Exception {
        relayedEverything(uclient("-u", "bob", "-W", "rest-secret"));
        synchronized (created) {
            assertTrue(created.stream().anyMatch(u -> u.matches("\\d+:bob/udp")), created.toString());
        }
    }

    @Test
    void turnOverTcpWithRestCredentials() throws Exception {
        relayedEverything(uclient("-t", "-u", "bob", "-W", "rest-secret"));
    }

    @Test
    void wrongPasswordIsRefused() throws Exception {
        long before = server.counters().errors(401);
        ExternalProgram.Result r = uclient("-u", "alice", "-w", "not-the-password");
        assertNotEquals(0, r.exitCode(), r.output());
        assertTrue(r.output().contains("Cannot complete Allocation"), r.output());
        assertTrue(server.counters().errors(401) > before);
    }

    @Test
    void wrongRestSecretIsRefused() throws Exception {
        ExternalProgram.Result r = uclient("-u", "bob", "-W", "another-secret");
        assertNotEquals(0, r.exitCode(), r.output());
        assertTrue(r.output().contains("Cannot complete Allocation"), r.output());
    }
}

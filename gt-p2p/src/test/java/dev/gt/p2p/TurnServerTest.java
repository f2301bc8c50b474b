package dev.gt.p2p;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.gt.p2p.internal.Crypto;
import dev.gt.p2p.internal.Stun;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.NetworkInterface;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * TURN (RFC 5766) against a server on 127.0.0.1 with a clock the tests move: the credential
 * dance, every error the server sends, lifetimes, permissions, channels, relaying both ways over
 * UDP and TCP, quotas and the bandwidth limit.
 */
@Timeout(30)
class TurnServerTest {
    private final MutableClock clock = new MutableClock();
    private final List<String> events = new CopyOnWriteArrayList<>();
    private StunServer server;
    private InetSocketAddress udp;

    private StunServer.Builder builder() {
        return StunServer.builder().listenAddress("127.0.0.1:0").clock(clock)
                .maintenanceInterval(Duration.ofMillis(20))
                .turnUser("alice", "wonderland").turnUser("bob:builder")
                .turnSecret("rest-secret")
                .turnAllowPeer("127.0.0.0/8")
                // Above the kernel's ephemeral ports (to 60999), so no client socket takes a relay port.
                .turnRelayPorts("61200-61999")
                .listener(new StunServerListener() {
                    @Override
                    public void allocationCreated(String user, InetSocketAddress client, InetSocketAddress relay,
                            boolean tcp) {
                        events.add("created " + user);
                    }

                    @Override
                    public void allocationDeleted(String user, InetSocketAddress relay, String reason) {
                        events.add("deleted " + user + ": " + reason);
                    }

                    @Override
                    public void authenticationFailed(InetSocketAddress client, String username) {
                        events.add("auth failed " + username);
                    }
                });
    }

    @BeforeEach
    void start() {
        server = builder().build();
        server.start().join();
        udp = server.udpAddresses().get(0);
    }

    @AfterEach
    void stop() {
        server.close();
    }

    private TurnClient alice() throws Exception {
        return new TurnClient(TestClient.udp(udp), "alice", "wonderland");
    }

    private static byte[] transportUdp() {
        return new byte[] {17, 0, 0, 0};
    }

    // ---------------------------------------------------------------- authentication

    @Test
    void unauthenticatedRequestIsChallengedWithRealmAndNonce() throws Exception {
        try (TurnClient c = alice()) {
            TestMessage.Answer a = c.challenge();
            assertEquals("gt", a.text(Stun.REALM));
            assertNotNull(a.text(Stun.NONCE));
            assertFalse(a.has(Stun.MESSAGE_INTEGRITY), "nothing to sign with before authentication");
            assertTrue(a.fingerprintValid());
        }
    }

    @Test
    void missingUsernameRealmOrNonceIs400() throws Exception {
        try (TurnClient c = alice()) {
            c.challenge();
            TestMessage m = TestMessage.request(Stun.ALLOCATE).attr(Stun.REQUESTED_TRANSPORT, transportUdp())
                    .text(Stun.USERNAME, "alice").text(Stun.NONCE, c.nonce)
                    .attr(Stun.MESSAGE_INTEGRITY, new byte[20]);
            assertEquals(400, c.socket.exchange(m).errorCode());
        }
    }

    @Test
    void wrongPasswordUnknownUserAndWrongRealmAre401() throws Exception {
        try (TurnClient c = new TurnClient(TestClient.udp(udp), "alice", "not-it")) {
            c.challenge();
            TestMessage.Answer a = c.request(Stun.ALLOCATE, m -> m.attr(Stun.REQUESTED_TRANSPORT, transportUdp()));
            assertEquals(401, a.errorCode());
            assertNotNull(a.text(Stun.NONCE), "a 401 carries a nonce to try again with");
        }
        try (TurnClient c = new TurnClient(TestClient.udp(udp), "mallory", "wonderland")) {
            c.challenge();
            assertEquals(401, c.request(Stun.ALLOCATE, m -> m.attr(Stun.REQUESTED_TRANSPORT, transportUdp()))
                    .errorCode());
        }
        try (TurnClient c = alice()) {
            c.challenge();
            c.realm = "elsewhere";
            assertEquals(401, c.request(Stun.ALLOCATE, m -> m.attr(Stun.REQUESTED_TRANSPORT, transportUdp()))
                    .errorCode());
        }
        assertTrue(events.contains("auth failed mallory"), events.toString());
    }

    @Test
    void expiredNonceIs438WithAFreshOne() throws Exception {
        try (TurnClient c = alice()) {
            c.challenge();
            String first = c.nonce;
            clock.advance(Duration.ofMinutes(11));
            TestMessage.Answer a = c.socket.exchange(c.sign(TestMessage.request(Stun.ALLOCATE)
                    .attr(Stun.REQUESTED_TRANSPORT, transportUdp())));
            assertEquals(438, a.errorCode());
            assertFalse(first.equals(a.text(Stun.NONCE)));
            c.nonce = a.text(Stun.NONCE);
            assertNotNull(c.allocate());
        }
    }

    @Test
    void aNonceWorksFromAnyPortOfTheSameIp() throws Exception {
        try (TurnClient c = alice(); TurnClient other = alice()) {
            c.challenge();
            other.realm = c.realm;
            other.nonce = c.nonce; // the nonce is bound to the client IP (not the port): another socket may use it
            assertNotNull(other.allocate());
        }
    }

    @Test
    void restCredentialsWorkUntilTheirExpiry() throws Exception {
        TurnRestCredentials creds = TurnRestCredentials.issue("rest-secret", "carol", Duration.ofMinutes(5), clock);
        try (TurnClient c = new TurnClient(TestClient.udp(udp), creds.username(), creds.password())) {
            assertNotNull(c.allocate());
        }
        clock.advance(Duration.ofMinutes(6));
        try (TurnClient c = new TurnClient(TestClient.udp(udp), creds.username(), creds.password())) {
            c.challenge();
            assertEquals(401, c.request(Stun.ALLOCATE, m -> m.attr(Stun.REQUESTED_TRANSPORT, transportUdp()))
                    .errorCode(), "an expired REST username is refused");
        }
        TurnRestCredentials other = TurnRestCredentials.issue("another-secret", "carol", Duration.ofMinutes(5), clock);
        try (TurnClient c = new TurnClient(TestClient.udp(udp), other.username(), other.password())) {
            c.challenge();
            assertEquals(401, c.request(Stun.ALLOCATE, m -> m.attr(Stun.REQUESTED_TRANSPORT, transportUdp()))
                    .errorCode());
        }
    }

    // ---------------------------------------------------------------- Allocate

    @Test
    void allocateAnswersRelayedMappedAddressAndLifetimeSignedWithTheKey() throws Exception {
        try (TurnClient c = alice()) {
            TestMessage.Answer a = c.request(Stun.ALLOCATE, m -> m.attr(Stun.REQUESTED_TRANSPORT, transportUdp()));
            assertEquals(0, a.errorCode());
            InetSocketAddress relay = a.address(Stun.XOR_RELAYED_ADDRESS, true);
            assertEquals(InetAddress.getByName("127.0.0.1"), relay.getAddress());
            assertTrue(relay.getPort() >= 61200 && relay.getPort() <= 61999, relay.toString());
            assertEquals(c.socket.local(), a.address(Stun.XOR_MAPPED_ADDRESS, true));
            assertEquals(600, a.uint32(Stun.LIFETIME));
            assertTrue(a.integrityValid(Crypto.longTermKey("alice", "gt", "wonderland")));
            assertTrue(a.fingerprintValid());
            assertEquals(1, server.counters().allocations());
            assertTrue(events.contains("created alice"));
        }
    }

    @Test
    void allocateErrors() throws Exception {
        try (TurnClient c = alice()) {
            assertEquals(400, c.request(Stun.ALLOCATE, m -> m).errorCode(), "no REQUESTED-TRANSPORT");
            assertEquals(442, c.request(Stun.ALLOCATE, m -> m.attr(Stun.REQUESTED_TRANSPORT, new byte[] {6, 0, 0, 0}))
                    .errorCode(), "TCP relays (RFC 6062) are not offered");
            TestMessage.Answer df = c.request(Stun.ALLOCATE, m -> m.attr(Stun.REQUESTED_TRANSPORT, transportUdp())
                    .attr(Stun.DONT_FRAGMENT, new byte[0]));
            assertEquals(420, df.errorCode());
            assertEquals(List.of(Stun.DONT_FRAGMENT), df.unknownAttributes());
            assertTrue(df.integrityValid(Crypto.longTermKey("alice", "gt", "wonderland")),
                    "errors after authentication are signed");
            assertEquals(440, c.request(Stun.ALLOCATE, m -> m.attr(Stun.REQUESTED_TRANSPORT, transportUdp())
                    .uint32(Stun.REQUESTED_ADDRESS_FAMILY, 0x02000000L)).errorCode(), "no IPv6 relay on this server");
            assertEquals(400, c.request(Stun.ALLOCATE, m -> m.attr(Stun.REQUESTED_TRANSPORT, transportUdp())
                    .attr(Stun.EVEN_PORT, new byte[] {(byte) 0x80}).attr(Stun.RESERVATION_TOKEN, new byte[8]))
                    .errorCode(), "EVEN-PORT and RESERVATION-TOKEN together");
            assertEquals(508, c.request(Stun.ALLOCATE, m -> m.attr(Stun.REQUESTED_TRANSPORT, transportUdp())
                    .attr(Stun.RESERVATION_TOKEN, new byte[] {1, 2, 3, 4, 5, 6, 7, 8})).errorCode(),
                    "an unknown reservation token");
        }
        assertEquals(0, server.counters().allocations());
    }

    @Test
    void evenPortWithReservationAndItsToken() throws Exception {
        try (TurnClient c = alice(); TurnClient d = alice()) {
            TestMessage.Answer a = c.request(Stun.ALLOCATE, m -> m.attr(Stun.REQUESTED_TRANSPORT, transportUdp())
                    .attr(Stun.EVEN_PORT, new byte[] {(byte) 0x80}));
            assertEquals(0, a.errorCode());
            int port = a.address(Stun.XOR_RELAYED_ADDRESS, true).getPort();
            assertEquals(0, port & 1);
            int ti = a.p.find(Stun.RESERVATION_TOKEN);
            byte[] token = new byte[8];
            a.p.buffer().getBytes(a.p.attributeOffset(ti), token);
            TestMessage.Answer b = d.request(Stun.ALLOCATE, m -> m.attr(Stun.REQUESTED_TRANSPORT, transportUdp())
                    .attr(Stun.RESERVATION_TOKEN, token));
            assertEquals(port + 1, b.address(Stun.XOR_RELAYED_ADDRESS, true).getPort());
        }
    }

    @Test
    void secondAllocateOnTheSameFiveTupleIs437AndARetransmissionGetsTheSameAnswer() throws Exception {
        try (TurnClient c = alice()) {
            c.challenge();
            TestMessage first = c.sign(TestMessage.request(Stun.ALLOCATE).attr(Stun.REQUESTED_TRANSPORT,
                    transportUdp()));
            byte[] wire = first.bytes();
            c.socket.send(wire);
            TestMessage.Answer a = c.socket.answerTo(first);
            c.socket.send(wire); // the same transaction again
            TestMessage.Answer again = c.socket.answerTo(first);
            assertEquals(0, again.errorCode());
            assertEquals(a.address(Stun.XOR_RELAYED_ADDRESS, true), again.address(Stun.XOR_RELAYED_ADDRESS, true));
            assertEquals(437, c.request(Stun.ALLOCATE, m -> m.attr(Stun.REQUESTED_TRANSPORT, transportUdp()))
                    .errorCode());
        }
    }

    // ---------------------------------------------------------------- Refresh and lifetimes

    @Test
    void refreshErrorsAndLifetimes() throws Exception {
        try (TurnClient c = alice()) {
            assertEquals(437, c.request(Stun.REFRESH, m -> m).errorCode(), "no allocation yet");
            c.allocate();
            assertEquals(600, c.request(Stun.REFRESH, m -> m.uint32(Stun.LIFETIME, 30)).uint32(Stun.LIFETIME),
                    "below the default: the default");
            assertEquals(3600, c.request(Stun.REFRESH, m -> m.uint32(Stun.LIFETIME, 7200)).uint32(Stun.LIFETIME),
                    "above the maximum: the maximum");
            TurnClient bob = new TurnClient(c.socket, "bob", "builder");
            assertEquals(441, bob.request(Stun.REFRESH, m -> m).errorCode(), "another user's allocation");
            long portsBefore = server.counters().allocations();
            TestMessage.Answer zero = c.request(Stun.REFRESH, m -> m.uint32(Stun.LIFETIME, 0));
            assertEquals(0, zero.errorCode());
            assertEquals(0, zero.uint32(Stun.LIFETIME));
            assertEquals(portsBefore - 1, server.counters().allocations());
            assertEquals(437, c.request(Stun.REFRESH, m -> m).errorCode(), "gone");
            assertTrue(events.contains("deleted alice: refreshed to zero"), events.toString());
        }
    }

    @Test
    void allocationExpiresWhenNotRefreshed() throws Exception {
        try (TurnClient c = alice()) {
            c.allocate();
            clock.advance(Duration.ofMinutes(9));
            assertEquals(1, server.counters().allocations());
            clock.advance(Duration.ofMinutes(2));
            Awaitility.await().atMost(Duration.ofSeconds(5)).until(() -> server.counters().allocations() == 0);
            assertTrue(events.contains("deleted alice: expired"), events.toString());
            assertEquals(437, c.request(Stun.REFRESH, m -> m).errorCode());
        }
    }

    // ---------------------------------------------------------------- quotas

    @Test
    void perUserAndTotalQuotas() throws Exception {
        server.close();
        server = builder().maxAllocationsPerUser(1).maxAllocations(2).build();
        server.start().join();
        udp = server.udpAddresses().get(0);
        try (TurnClient a1 = alice(); TurnClient a2 = alice();
                TurnClient b1 = new TurnClient(TestClient.udp(udp), "bob", "builder");
                TurnClient b2 = new TurnClient(TestClient.udp(udp), "bob", "builder");
                TurnClient c1 = new TurnClient(TestClient.udp(udp), "carol", "x")) {
            a1.allocate();
            assertEquals(486, a2.request(Stun.ALLOCATE, m -> m.attr(Stun.REQUESTED_TRANSPORT, transportUdp()))
                    .errorCode());
            b1.allocate();
            assertEquals(508, b2.request(Stun.ALLOCATE, m -> m.attr(Stun.REQUESTED_TRANSPORT, transportUdp()))
                    .errorCode(), "the server is full before bob's quota is reached");
            a1.request(Stun.REFRESH, m -> m.uint32(Stun.LIFETIME, 0));
            assertNotNull(a2.allocate(), "quota given back");
            assertEquals(401, c1.request(Stun.ALLOCATE, m -> m.attr(Stun.REQUESTED_TRANSPORT, transportUdp()))
                    .errorCode());
        }
    }

    // ---------------------------------------------------------------- permissions and channels

    @Test
    void permissionErrors() throws Exception {
        try (TurnClient c = alice()) {
            assertEquals(437, c.permit(new InetSocketAddress("127.0.0.1", 9)).errorCode());
            c.allocate();
            assertEquals(400, c.request(Stun.CREATE_PERMISSION, m -> m).errorCode(), "no XOR-PEER-ADDRESS");
            assertEquals(403, c.permit(new InetSocketAddress("10.1.2.3", 9)).errorCode(), "private range");
            assertEquals(403, c.permit(new InetSocketAddress("192.168.1.1", 9)).errorCode());
            assertEquals(403, c.permit(new InetSocketAddress("169.254.0.1", 9)).errorCode());
            assertEquals(403, c.permit(new InetSocketAddress("224.0.0.1", 9)).errorCode(), "multicast");
            assertEquals(443, c.permit(new InetSocketAddress("::1", 9)).errorCode(), "IPv6 peer, IPv4 relay");
            InetAddress own = ownNonLoopbackIpv4();
            if (own != null) {
                assertEquals(403, c.permit(new InetSocketAddress(own, 9)).errorCode(), "this server's own address");
            }
            assertEquals(0, c.permit(new InetSocketAddress("127.0.0.2", 9)).errorCode(), "allowed by -turnAllowPeer");
            assertEquals(0, c.permit(new InetSocketAddress("8.8.8.8", 9)).errorCode(), "a public address");
        }
    }

    private static InetAddress ownNonLoopbackIpv4() throws Exception {
        for (NetworkInterface ni : Collections.list(NetworkInterface.getNetworkInterfaces())) {
            for (InetAddress a : Collections.list(ni.getInetAddresses())) {
                if (ni.isUp() && a instanceof Inet4Address && !a.isLoopbackAddress()) {
                    return a;
                }
            }
        }
        return null;
    }

    @Test
    void loopbackPeersAreRefusedWithoutAllowPeer() throws Exception {
        try (StunServer strict = StunServer.builder().listenAddress("127.0.0.1:0").turnUser("alice", "wonderland")
                .clock(clock).build()) {
            strict.start().join();
            try (TurnClient c = new TurnClient(TestClient.udp(strict.udpAddresses().get(0)), "alice", "wonderland")) {
                c.allocate();
                assertEquals(403, c.permit(new InetSocketAddress("127.0.0.1", 9)).errorCode());
                assertEquals(403, c.bind(0x4000, new InetSocketAddress("127.0.0.1", 9)).errorCode());
            }
        }
    }

    @Test
    void channelBindErrors() throws Exception {
        InetSocketAddress p1 = new InetSocketAddress("127.0.0.1", 10001);
        InetSocketAddress p2 = new InetSocketAddress("127.0.0.1", 10002);
        try (TurnClient c = alice()) {
            c.allocate();
            assertEquals(400, c.bind(0x3FFF, p1).errorCode(), "below 0x4000");
            assertEquals(400, c.bind(0x7FFF, p1).errorCode(), "above 0x7FFE");
            assertEquals(400, c.request(Stun.CHANNEL_BIND, m -> m.uint32(Stun.CHANNEL_NUMBER, 0x40000000L))
                    .errorCode(), "no peer");
            assertEquals(0, c.bind(0x4000, p1).errorCode());
            assertEquals(0, c.bind(0x4000, p1).errorCode(), "a refresh");
            assertEquals(400, c.bind(0x4000, p2).errorCode(), "channel taken by another peer");
            assertEquals(400, c.bind(0x4001, p1).errorCode(), "peer bound to another channel");
            assertEquals(403, c.bind(0x4002, new InetSocketAddress("10.0.0.1", 1)).errorCode());
        }
    }

    // ---------------------------------------------------------------- relaying

    private static byte[] receive(DatagramSocket s) throws Exception {
        DatagramPacket p = new DatagramPacket(new byte[2048], 2048);
        s.receive(p);
        return Arrays.copyOf(p.getData(), p.getLength());
    }

    @Test
    void sendAndDataIndicationsNeedAPermission() throws Exception {
        try (TurnClient c = alice(); DatagramSocket peer = new DatagramSocket(new InetSocketAddress("127.0.0.1", 0));
                DatagramSocket stranger = new DatagramSocket(new InetSocketAddress("127.0.0.1", 0))) {
            peer.setSoTimeout(5000);
            InetSocketAddress relay = c.allocate();
            InetSocketAddress peerAddr = (InetSocketAddress) peer.getLocalSocketAddress();
            c.send(peerAddr, bytes("before permission"));
            c.permit(peerAddr);
            c.send(peerAddr, bytes("after permission"));
            assertEquals("after permission", new String(receive(peer), StandardCharsets.UTF_8),
                    "the datagram sent before the permission was dropped");

            // Peer to client: a Data indication with the peer's address.
            byte[] hello = bytes("hello from the peer");
            peer.send(new DatagramPacket(hello, hello.length, relay));
            TestMessage.Answer d = new TestMessage.Answer(c.socket.receive());
            assertEquals(Stun.DATA, d.method());
            assertEquals(Stun.INDICATION, d.cls());
            assertEquals(peerAddr, d.address(Stun.XOR_PEER_ADDRESS, true));
            assertArrayEquals(hello, d.data());

            // Permissions are by IP: another port of 127.0.0.1 is let in too.
            stranger.send(new DatagramPacket(hello, hello.length, relay));
            assertEquals(stranger.getLocalSocketAddress(),
                    new TestMessage.Answer(c.socket.receive()).address(Stun.XOR_PEER_ADDRESS, true));

            // After 5 minutes without a refresh the permission is gone.
            clock.advance(Duration.ofMinutes(5).plusSeconds(1));
            long dropped = server.counters().relayDropped();
            peer.send(new DatagramPacket(hello, hello.length, relay));
            Awaitility.await().atMost(Duration.ofSeconds(5)).until(() -> server.counters().relayDropped() > dropped);
        }
    }

    @Test
    void channelDataBothWaysOverUdp() throws Exception {
        try (TurnClient c = alice(); DatagramSocket peer = new DatagramSocket(new InetSocketAddress("127.0.0.1", 0))) {
            peer.setSoTimeout(5000);
            InetSocketAddress relay = c.allocate();
            InetSocketAddress peerAddr = (InetSocketAddress) peer.getLocalSocketAddress();
            assertEquals(0, c.bind(0x4567, peerAddr).errorCode());
            c.channelData(0x4567, bytes("via channel"));
            DatagramPacket got = new DatagramPacket(new byte[100], 100);
            peer.receive(got);
            assertEquals("via channel", new String(got.getData(), 0, got.getLength(), StandardCharsets.UTF_8));
            assertEquals(relay, got.getSocketAddress(), "the peer sees the relayed address");
            byte[] back = bytes("back via channel");
            peer.send(new DatagramPacket(back, back.length, relay));
            byte[] cd = c.socket.receive();
            assertEquals(0x45, cd[0] & 0xFF);
            assertEquals(0x67, cd[1] & 0xFF);
            assertEquals(back.length, ((cd[2] & 0xFF) << 8) | (cd[3] & 0xFF));
            assertArrayEquals(back, Arrays.copyOfRange(cd, 4, 4 + back.length));
            assertTrue(server.counters().relayedBytesToPeers() >= 11);
            assertTrue(server.counters().relayedBytesToClients() >= back.length);
        }
    }

    @Test
    void tcpControlConnectionRelaysAndItsCloseEndsTheAllocation() throws Exception {
        try (TurnClient c = new TurnClient(TestClient.tcp(server.tcpAddress()), "alice", "wonderland");
                DatagramSocket peer = new DatagramSocket(new InetSocketAddress("127.0.0.1", 0))) {
            peer.setSoTimeout(5000);
            InetSocketAddress relay = c.allocate();
            InetSocketAddress peerAddr = (InetSocketAddress) peer.getLocalSocketAddress();
            assertEquals(0, c.bind(0x4001, peerAddr).errorCode());
            c.channelData(0x4001, bytes("odd")); // 3 bytes: padded to 4 on TCP
            c.channelData(0x4001, bytes("length5"));
            assertEquals("odd", new String(receive(peer), StandardCharsets.UTF_8));
            assertEquals("length5", new String(receive(peer), StandardCharsets.UTF_8));
            byte[] back = bytes("abcde");
            peer.send(new DatagramPacket(back, back.length, relay));
            byte[] cd = c.socket.receive();
            assertArrayEquals(back, Arrays.copyOfRange(cd, 4, cd.length));
            assertEquals(1, server.counters().allocations());
        }
        Awaitility.await().atMost(Duration.ofSeconds(5)).until(() -> server.counters().allocations() == 0);
        assertTrue(events.contains("deleted alice: connection closed"), events.toString());
    }

    @Test
    void ipv6RelayOverIpv6() throws Exception {
        try (StunServer v6 = StunServer.builder().listenAddress("[::1]:0").turnUser("alice", "wonderland")
                .turnAllowPeer("::1/128").clock(clock).build();
                DatagramSocket peer = new DatagramSocket(new InetSocketAddress("::1", 0))) {
            v6.start().join();
            peer.setSoTimeout(5000);
            try (TurnClient c = new TurnClient(TestClient.udp(v6.udpAddresses().get(0)), "alice", "wonderland")) {
                InetSocketAddress relay = c.allocate();
                assertEquals(InetAddress.getByName("::1"), relay.getAddress());
                InetSocketAddress peerAddr = (InetSocketAddress) peer.getLocalSocketAddress();
                assertEquals(443, c.permit(new InetSocketAddress("127.0.0.1", 9)).errorCode(), "IPv4 peer, IPv6 relay");
                assertEquals(0, c.permit(peerAddr).errorCode());
                c.send(peerAddr, bytes("over v6"));
                assertEquals("over v6", new String(receive(peer), StandardCharsets.UTF_8));
                byte[] back = bytes("back over v6");
                peer.send(new DatagramPacket(back, back.length, relay));
                TestMessage.Answer d = new TestMessage.Answer(c.socket.receive());
                assertEquals(peerAddr, d.address(Stun.XOR_PEER_ADDRESS, true));
                assertArrayEquals(back, d.data());
            }
        }
    }

    @Test
    void bandwidthLimitDropsWhatExceedsTheBucket() throws Exception {
        server.close();
        server = builder().allocationBandwidth(1000).build();
        server.start().join();
        udp = server.udpAddresses().get(0);
        try (TurnClient c = alice(); DatagramSocket peer = new DatagramSocket(new InetSocketAddress("127.0.0.1", 0))) {
            c.allocate();
            InetSocketAddress peerAddr = (InetSocketAddress) peer.getLocalSocketAddress();
            c.bind(0x4000, peerAddr);
            byte[] kb = new byte[1000];
            for (int i = 0; i < 100; i++) {
                c.channelData(0x4000, kb);
            }
            // 64 KiB of burst at 1000 B/s: about 65 of the 100 pass, the rest are dropped.
            Awaitility.await().atMost(Duration.ofSeconds(5))
                    .until(() -> server.counters().relayedPacketsToPeers() + server.counters().relayDropped() >= 100);
            assertTrue(server.counters().relayedPacketsToPeers() <= 70, server.counters().toString());
            assertTrue(server.counters().relayDropped() >= 30, server.counters().toString());
        }
    }

    @Test
    void aRelayPortHeldByAnotherProgramIsSkippedAndNotLost() throws Exception {
        server.close();
        server = builder().turnRelayPorts("61100-61101").build();
        server.start().join();
        udp = server.udpAddresses().get(0);
        try (DatagramSocket squatter = new DatagramSocket(new InetSocketAddress("127.0.0.1", 61100));
                TurnClient c = alice()) {
            assertEquals(61101, c.allocate().getPort(), "61100 is taken by someone else");
            c.request(Stun.REFRESH, m -> m.uint32(Stun.LIFETIME, 0));
            squatter.close();
            // Both ports are free again: two allocations fit.
            try (TurnClient d = alice()) {
                assertNotNull(c.allocate());
                assertNotNull(d.allocate());
            }
        }
    }

    @Test
    void stopEndsEveryAllocationAndFreesTheRelayPorts() throws Exception {
        try (TurnClient c = alice(); TurnClient d = new TurnClient(TestClient.tcp(server.tcpAddress()), "bob",
                "builder")) {
            InetSocketAddress r1 = c.allocate();
            InetSocketAddress r2 = d.allocate();
            server.stop().join();
            assertTrue(events.contains("deleted alice: server stopped"), events.toString());
            // The relay ports can be bound again.
            new DatagramSocket(r1).close();
            new DatagramSocket(r2).close();
            assertEquals(server.stop(), server.stop(), "stop is idempotent");
        }
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}

package dev.gt.p2p;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.gt.p2p.internal.Stun;
import java.net.InetSocketAddress;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.Timeout;

/** Binding over UDP and TCP, RFC 5389 and RFC 3489 clients, and what is answered, refused or dropped. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@Timeout(30)
class StunBindingTest {
    private StunServer server;
    private InetSocketAddress udp;
    private InetSocketAddress tcp;

    @BeforeAll
    void start() {
        server = StunServer.builder().listenAddress("127.0.0.1:0").software("GT test").build();
        server.start().join();
        udp = server.udpAddresses().get(0);
        tcp = server.tcpAddress();
        assertEquals(udp.getPort(), tcp.getPort(), "UDP and TCP share the port");
    }

    @AfterAll
    void stop() {
        server.close();
    }

    @Test
    void rfc5389RequestGetsXorMappedAddressSoftwareAndFingerprintOnly() throws Exception {
        try (TestClient c = TestClient.udp(udp)) {
            TestMessage.Answer a = c.exchange(TestMessage.request(Stun.BINDING).noFingerprint());
            assertEquals(Stun.SUCCESS, a.cls());
            assertEquals(c.local(), a.address(Stun.XOR_MAPPED_ADDRESS, true));
            assertFalse(a.has(Stun.MAPPED_ADDRESS), "MAPPED-ADDRESS is for RFC 3489 clients only");
            assertEquals("GT test", a.text(Stun.SOFTWARE));
            assertTrue(a.fingerprintValid());
        }
    }

    @Test
    void rfc3489RequestGetsMappedAddressAndNoFingerprint() throws Exception {
        try (TestClient c = TestClient.udp(udp)) {
            TestMessage m = TestMessage.rfc3489Binding();
            c.send(m.bytes());
            byte[] raw = c.receive();
            TestMessage.Answer a = new TestMessage.Answer(raw);
            assertArrayEquals(m.id, Arrays.copyOfRange(raw, 4, 20), "the 128-bit transaction id comes back whole");
            assertEquals(Stun.SUCCESS, a.cls());
            assertEquals(c.local(), a.address(Stun.MAPPED_ADDRESS, false));
            assertFalse(a.has(Stun.XOR_MAPPED_ADDRESS));
            assertFalse(a.has(Stun.FINGERPRINT));
        }
    }

    @Test
    void changeRequestWithoutFlagsIsAnsweredAndWithFlagsRefused() throws Exception {
        try (TestClient c = TestClient.udp(udp)) {
            // stund (RFC 3489) sends CHANGE-REQUEST 0 in its first test: that must succeed.
            TestMessage.Answer ok = c.exchange(TestMessage.rfc3489Binding().uint32(Stun.CHANGE_REQUEST, 0));
            assertEquals(Stun.SUCCESS, ok.cls());
            for (long flags : new long[] {2, 4, 6}) {
                TestMessage.Answer a = c.exchange(TestMessage.request(Stun.BINDING).uint32(Stun.CHANGE_REQUEST, flags));
                assertEquals(420, a.errorCode());
                assertEquals(List.of(Stun.CHANGE_REQUEST), a.unknownAttributes());
                assertTrue(a.fingerprintValid());
            }
            TestMessage.Answer old = c.exchange(TestMessage.rfc3489Binding().uint32(Stun.CHANGE_REQUEST, 4));
            assertEquals(420, old.errorCode());
            assertFalse(old.has(Stun.FINGERPRINT));
        }
    }

    @Test
    void unknownComprehensionRequiredAttributesAreListedIn420() throws Exception {
        try (TestClient c = TestClient.udp(udp)) {
            TestMessage.Answer a = c.exchange(TestMessage.request(Stun.BINDING)
                    .attr(0x7FF0, new byte[] {1, 2, 3}).attr(0x0030, new byte[4]).attr(0xC0F0, new byte[2]));
            assertEquals(Stun.ERROR, a.cls());
            assertEquals(420, a.errorCode());
            assertEquals(List.of(0x7FF0, 0x0030), a.unknownAttributes(), "comprehension-optional 0xC0F0 is ignored");
            TestMessage.Answer b = c.exchange(TestMessage.request(Stun.BINDING).attr(0xC0F0, new byte[2]));
            assertEquals(Stun.SUCCESS, b.cls());
        }
        assertTrue(server.counters().errors(420) >= 1);
    }

    @Test
    void iceAttributesAndUnauthenticatedIntegrityAreIgnored() throws Exception {
        try (TestClient c = TestClient.udp(udp)) {
            TestMessage.Answer a = c.exchange(TestMessage.request(Stun.BINDING).uint32(Stun.PRIORITY, 0x6e0001ff)
                    .credentials("u", "r", "n", "p"));
            assertEquals(Stun.SUCCESS, a.cls());
        }
    }

    @Test
    void malformedMessagesAreDroppedSilently() throws Exception {
        long dropped = server.counters().dropped();
        byte[] good = TestMessage.request(Stun.BINDING).bytes();
        byte[] badFingerprint = good.clone();
        badFingerprint[badFingerprint.length - 1] ^= 1;
        byte[] lengthTooLong = TestMessage.request(Stun.BINDING).noFingerprint().bytes();
        lengthTooLong[3] = 8;
        byte[] lengthNotMultipleOf4 = TestMessage.request(Stun.BINDING).text(Stun.SOFTWARE, "abcd").noFingerprint().bytes();
        lengthNotMultipleOf4[3] -= 1;
        byte[] topBits = good.clone();
        topBits[0] |= (byte) 0x80;
        byte[] attributeOverrun = TestMessage.request(Stun.BINDING).text(Stun.SOFTWARE, "abcd").noFingerprint().bytes();
        attributeOverrun[23] = 40;
        byte[] afterFingerprint = Arrays.copyOf(good, good.length + 8);
        afterFingerprint[3] += 8;
        afterFingerprint[good.length] = (byte) 0x80;
        afterFingerprint[good.length + 1] = 0x22;
        afterFingerprint[good.length + 3] = 4;
        byte[] indication = TestMessage.indication(Stun.BINDING).bytes();
        byte[] response = Arrays.copyOf(good, good.length);
        response[0] = 0x01;
        response[1] = 0x01; // a success response sent to the server
        byte[] unknownMethod = TestMessage.request(0x0FF).bytes();
        byte[] nineteen = Arrays.copyOf(good, 19);
        List<byte[]> bad = List.of(badFingerprint, lengthTooLong, lengthNotMultipleOf4, topBits, attributeOverrun,
                afterFingerprint, indication, response, unknownMethod, nineteen, new byte[0], new byte[] {0x55});
        try (TestClient c = TestClient.udp(udp)) {
            for (byte[] b : bad) {
                c.send(b);
            }
            // Nothing answers them: the first answer is the one to this request.
            TestMessage probe = TestMessage.request(Stun.BINDING);
            c.send(probe.bytes());
            TestMessage.Answer a = new TestMessage.Answer(c.receive());
            assertTrue(a.answers(probe), "an answer to a malformed message arrived first");
        }
        // The indication is counted as a keepalive, the rest as dropped.
        org.awaitility.Awaitility.await().until(() -> server.counters().dropped() - dropped >= bad.size() - 1);
    }

    @Test
    void tcpFramesBackToBackSplitAndMergedMessages() throws Exception {
        try (TestClient c = TestClient.tcp(tcp)) {
            TestMessage m1 = TestMessage.request(Stun.BINDING);
            TestMessage m2 = TestMessage.request(Stun.BINDING).text(Stun.SOFTWARE, "second");
            TestMessage m3 = TestMessage.rfc3489Binding();
            byte[] b1 = m1.bytes();
            byte[] b2 = m2.bytes();
            byte[] both = new byte[b1.length + b2.length];
            System.arraycopy(b1, 0, both, 0, b1.length);
            System.arraycopy(b2, 0, both, b1.length, b2.length);
            c.send(both);
            TestMessage.Answer a1 = new TestMessage.Answer(c.receive());
            TestMessage.Answer a2 = new TestMessage.Answer(c.receive());
            assertTrue(a1.answers(m1) && a2.answers(m2));
            assertEquals(c.local(), a1.address(Stun.XOR_MAPPED_ADDRESS, true), "the connection's remote address");
            byte[] b3 = m3.bytes();
            for (int i = 0; i < b3.length; i += 7) {
                c.send(Arrays.copyOfRange(b3, i, Math.min(b3.length, i + 7)));
            }
            TestMessage.Answer a3 = new TestMessage.Answer(c.receive());
            assertTrue(a3.answers(m3));
            assertEquals(c.local(), a3.address(Stun.MAPPED_ADDRESS, false));
        }
    }

    @Test
    void tcpConnectionWithBytesThatCannotBeFramedIsClosed() throws Exception {
        try (TestClient c = TestClient.tcp(tcp)) {
            c.send("GET / HTTP/1.1\r\n\r\n".getBytes(java.nio.charset.StandardCharsets.US_ASCII));
            org.junit.jupiter.api.Assertions.assertThrows(java.io.EOFException.class, c::receive);
        }
    }

    @Test
    void ipv6LoopbackIsServed() throws Exception {
        try (StunServer v6 = StunServer.builder().listenAddress("[::1]:0").build()) {
            v6.start().join();
            try (TestClient c = TestClient.udp(v6.udpAddresses().get(0))) {
                TestMessage.Answer a = c.exchange(TestMessage.request(Stun.BINDING));
                assertEquals(c.local(), a.address(Stun.XOR_MAPPED_ADDRESS, true));
            }
            try (TestClient c = TestClient.tcp(v6.tcpAddress())) {
                TestMessage.Answer a = c.exchange(TestMessage.request(Stun.BINDING));
                assertEquals(c.local(), a.address(Stun.XOR_MAPPED_ADDRESS, true));
            }
        }
    }

    @Test
    void wildcardAddressBindsEachLocalAddressSoAnswersLeaveFromWhereRequestsArrived() throws Exception {
        try (StunServer any = StunServer.builder().listenAddress("0.0.0.0:0").software(null).build()) {
            any.start().join();
            assertTrue(any.udpAddresses().stream().anyMatch(a -> a.getAddress().isLoopbackAddress()),
                    any.udpAddresses().toString());
            InetSocketAddress loop = new InetSocketAddress("127.0.0.1", any.port());
            try (java.net.DatagramSocket s = new java.net.DatagramSocket(new InetSocketAddress("127.0.0.1", 0))) {
                s.setSoTimeout(5000);
                byte[] req = TestMessage.request(Stun.BINDING).bytes();
                s.send(new java.net.DatagramPacket(req, req.length, loop));
                java.net.DatagramPacket p = new java.net.DatagramPacket(new byte[512], 512);
                s.receive(p);
                assertEquals(loop, p.getSocketAddress());
                TestMessage.Answer a = new TestMessage.Answer(Arrays.copyOf(p.getData(), p.getLength()));
                assertNull(a.text(Stun.SOFTWARE), "software(null) sends no SOFTWARE");
            }
        }
    }

    @Test
    void aPortInUseIsABindErrorNotASharedPort() {
        try (StunServer second = StunServer.builder().listenAddress(udp).build()) {
            java.util.concurrent.CompletionException e = org.junit.jupiter.api.Assertions.assertThrows(
                    java.util.concurrent.CompletionException.class, () -> second.start().join());
            assertTrue(e.getCause() instanceof java.net.BindException, e.toString());
            assertTrue(e.getCause().getMessage().contains(Integer.toString(udp.getPort())), e.getCause().getMessage());
        }
    }

    @Test
    void tcpConnectionsAreLimitedAndSilentOnesClosed() throws Exception {
        try (StunServer small = StunServer.builder().listenAddress("127.0.0.1:0").maxTcpConnections(2)
                .tcpIdleTimeout(java.time.Duration.ofMillis(200)).build()) {
            small.start().join();
            try (TestClient a = TestClient.tcp(small.tcpAddress()); TestClient b = TestClient.tcp(small.tcpAddress())) {
                assertEquals(Stun.SUCCESS, a.exchange(TestMessage.request(Stun.BINDING)).cls());
                assertEquals(Stun.SUCCESS, b.exchange(TestMessage.request(Stun.BINDING)).cls());
                try (TestClient third = TestClient.tcp(small.tcpAddress())) {
                    org.junit.jupiter.api.Assertions.assertThrows(java.io.IOException.class,
                            () -> third.exchange(TestMessage.request(Stun.BINDING)), "over the limit: closed");
                }
                // A and B now say nothing: the idle timeout closes them (a read sees the end of the stream).
                org.junit.jupiter.api.Assertions.assertThrows(java.io.EOFException.class, a::receive);
            }
            org.awaitility.Awaitility.await().until(() -> small.counters().tcpConnections() == 0);
        }
    }

    @Test
    void countersCountBindings() throws Exception {
        long before = server.counters().bindingRequests();
        try (TestClient c = TestClient.udp(udp)) {
            for (int i = 0; i < 5; i++) {
                c.exchange(TestMessage.request(Stun.BINDING));
            }
        }
        assertTrue(server.counters().bindingRequests() - before >= 5);
        assertTrue(server.counters().successResponses() >= 5);
    }
}

package dev.gt.p2p;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.gt.p2p.internal.Stun;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetSocketAddress;
import java.util.Random;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A flood of bad datagrams from many sources leaves no state behind (no allocation, no relay port,
 * no per-source entry exists to grow) and the server keeps answering; buffers are released (the
 * leak check of every test class would fail otherwise). Kept to 4000 datagrams: under the paranoid
 * leak detection of the tests every received buffer records a stack trace.
 */
@Timeout(60)
class FloodTest {

    @Test
    void badDatagramsLeaveNothingBehind() throws Exception {
        try (StunServer server = StunServer.builder().listenAddress("127.0.0.1:0").turnUser("alice", "wonderland")
                .turnAllowPeer("127.0.0.0/8").build()) {
            server.start().join();
            InetSocketAddress to = server.udpAddresses().get(0);
            Random rnd = new Random(42);
            byte[] goodBinding = TestMessage.request(Stun.BINDING).bytes();
            byte[] send = TestMessage.indication(Stun.SEND).xorAddress(Stun.XOR_PEER_ADDRESS,
                    new InetSocketAddress("127.0.0.1", 9)).attr(Stun.DATA_ATTR, new byte[100]).bytes();
            int sent = 0;
            for (int s = 0; s < 20; s++) {
                try (DatagramSocket src = new DatagramSocket(new InetSocketAddress("127.0.0.1", 0))) {
                    for (int i = 0; i < 200; i++) {
                        byte[] b;
                        switch (i % 5) {
                            case 0 -> {
                                b = new byte[rnd.nextInt(600)];
                                rnd.nextBytes(b);
                            }
                            case 1 -> {
                                b = goodBinding.clone();
                                b[b.length - 1] ^= (byte) (1 + rnd.nextInt(255)); // bad FINGERPRINT
                            }
                            case 2 -> {
                                b = new byte[4 + 100];
                                b[0] = 0x40; // ChannelData from a client with no allocation
                                b[3] = 100;
                            }
                            case 3 -> b = send; // Send indication without an allocation
                            default -> b = java.util.Arrays.copyOf(goodBinding, rnd.nextInt(goodBinding.length));
                        }
                        src.send(new DatagramPacket(b, b.length, to));
                        sent++;
                    }
                }
            }
            // Still answering, and the flood left no trace.
            try (TestClient c = TestClient.udp(to)) {
                assertEquals(Stun.SUCCESS, c.exchange(TestMessage.request(Stun.BINDING)).cls());
            }
            int total = sent;
            Awaitility.await().until(() -> server.counters().dropped() + server.counters().relayDropped() > 0);
            StunCounters c = server.counters();
            assertEquals(0, c.allocations());
            assertEquals(0, c.successResponses() - 1, "only the probe was answered: " + c);
            assertTrue(c.dropped() + c.relayDropped() <= total, c.toString());
        }
    }
}

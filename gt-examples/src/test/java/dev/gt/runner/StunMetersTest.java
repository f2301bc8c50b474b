package dev.gt.runner;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.gt.p2p.StunClient;
import dev.gt.p2p.StunServer;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

// SEPARATE_THREAD: a close() that never returns fails the test instead of hanging the build.
@Timeout(value = 30, unit = TimeUnit.SECONDS, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class StunMetersTest {
    @Test
    void stunCountersMoveInTheRegistry() throws Exception {
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        try (StunServer stun = StunServer.builder().listenAddress("127.0.0.1:0").build()) {
            stun.start().get(10, TimeUnit.SECONDS);
            StunMeters.bind(stun, registry);
            assertEquals(0, binding(registry));

            InetSocketAddress server = new InetSocketAddress("127.0.0.1", stun.port());
            // The client is closed before the plain socket below opens: a StunClient's loop once
            // blocked in recvmsg for good when a blocking JDK socket appeared meanwhile (not
            // understood yet; see the closing note).
            try (StunClient client = StunClient.builder().build()) {
                client.query(server).get(10, TimeUnit.SECONDS);
                client.query(server).get(10, TimeUnit.SECONDS);
            }
            assertEquals(2, binding(registry));
            assertEquals(2, registry.get("gt.stun.responses").tag("result", "success").functionCounter().count());

            // Not STUN: dropped without an answer, and counted.
            try (DatagramSocket s = new DatagramSocket(new InetSocketAddress("127.0.0.1", 0))) {
                byte[] junk = {0x7f, 1, 2, 3};
                s.send(new DatagramPacket(junk, junk.length, server));
            }
            await().atMost(Duration.ofSeconds(10))
                    .until(() -> registry.get("gt.stun.dropped").functionCounter().count() == 1);
            assertEquals(0, registry.get("gt.stun.allocations").gauge().value());
            assertEquals(0, registry.get("gt.stun.relayed.bytes").tag("direction", "to_peers").functionCounter()
                    .count());
        }
    }

    private static double binding(SimpleMeterRegistry registry) {
        return registry.get("gt.stun.requests").tag("kind", "binding").functionCounter().count();
    }
}

package dev.gt.core.it;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.gt.api.ServiceSpec;
import dev.gt.api.TunnelInfo;
import java.net.Socket;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Per-stream flow control: a visitor that stops reading holds back only its own stream; another
 * download on the same tunnel finishes, and the tunnel outlives the stalled stream.
 */
@Timeout(90)
class SlowReaderTest {
    private static final long MIB = 1024 * 1024;

    @Test
    void stalledDownloadDoesNotBlockAnotherStreamOnTheSameTunnel() throws Exception {
        int base = FreePorts.block(20);
        try (SourceServer slowSource = new SourceServer(200 * MIB);
                SourceServer fastSource = new SourceServer(20 * MIB);
                Backend backend = new Backend();
                GtPair gt = GtPair.start(s -> s.tcpPortRange(base + "-" + (base + 19)), c -> c
                        .maxTunnels(1).idleTunnels(1)
                        .service(ServiceSpec.local(slowSource.url()).build())
                        .service(ServiceSpec.local(fastSource.url()).build())
                        .service(ServiceSpec.local(backend.url()).build()))) {
            List<TunnelInfo> tunnelsBefore = gt.serverClient(GtPair.ID).tunnels();
            assertEquals(1, tunnelsBefore.size());

            Socket slow = TransferTest.connect(gt.tcpPort(0));
            try {
                // The slow visitor reads the first 64 KiB (so its stream is surely flowing), then
                // never reads again.
                assertEquals(64 * 1024, Data.readPattern(slow.getInputStream(), 64 * 1024));

                try (Socket fast = TransferTest.connect(gt.tcpPort(1))) {
                    assertEquals(20 * MIB, Data.readPattern(fast.getInputStream(), Long.MAX_VALUE),
                            "bytes of the fast download before EOF");
                }
                assertEquals(1, fastSource.completed());

                // The stalled stream got only what fits in its window and the socket buffers on
                // the way, not the 200 MiB the source would send.
                long stalled = slowSource.sent();
                System.out.println("stalled stream: its source wrote " + stalled + " bytes");
                assertTrue(stalled < 64 * MIB, "the source of the stalled stream could write " + stalled
                        + " bytes; flow control should hold it to a few MiB");
                assertEquals(0, slowSource.completed());
                assertEquals(1, gt.client.state().tunnels().size(), "still one tunnel");
            } finally {
                slow.close();
            }

            // Closing the stalled visitor ends its stream; the tunnel is the same and still works.
            await("the stalled stream ends; server streams " + gt.serverStreams(GtPair.ID))
                    .atMost(Duration.ofSeconds(20))
                    .until(() -> gt.serverStreams(GtPair.ID) == 0);
            RawHttp.Response r = RawHttp.get(gt.addr(), "id1.example.com", "/after");
            assertEquals(200, r.status(), r.head());
            assertEquals("ok GET /after host=id1.example.com", r.text());
            List<TunnelInfo> tunnelsAfter = gt.serverClient(GtPair.ID).tunnels();
            assertEquals(1, tunnelsAfter.size());
            assertEquals(tunnelsBefore.get(0).tunnel(), tunnelsAfter.get(0).tunnel(), "the same tunnel");
            assertEquals(tunnelsBefore.get(0).peer(), tunnelsAfter.get(0).peer(), "the same tunnel connection");
            assertEquals(1, gt.clientEvents.of(dev.gt.api.GtEvent.TunnelConnected.class).size(),
                    "the client never reconnected");
        }
    }
}

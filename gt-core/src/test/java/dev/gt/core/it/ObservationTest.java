package dev.gt.core.it;

import dev.gt.api.GtEvent;
import dev.gt.api.GtEventListener;
import dev.gt.api.MetricsRecorder;
import dev.gt.api.ServerState;
import dev.gt.api.ServiceSpec;
import dev.gt.api.StreamInfo;
import dev.gt.api.TunnelInfo;
import java.io.InputStream;
import java.net.Socket;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The observation API: stream events in pairs with bytes and duration, in order after their
 * tunnel's; live byte counts for metrics while a stream is open; snapshots with per-stream figures;
 * a slow listener never stalls traffic.
 */
@Timeout(60)
class ObservationTest {

    @Test
    void streamEventsComeInPairsWithTheirBytesAfterTheTunnelsEvent() throws Exception {
        try (TextHttpServer backend = new TextHttpServer("hello");
                GtPair gt = GtPair.start(s -> { }, c -> c.service(ServiceSpec.local(backend.url()).build()))) {
            RawHttp.Response r = RawHttp.get(gt.addr(), "id1.example.com", "/x");
            assertEquals(200, r.status());
            GtEvent.StreamClosed serverClose = gt.serverEvents.awaitCount(GtEvent.StreamClosed.class, 1);
            GtEvent.StreamClosed clientClose = gt.clientEvents.awaitCount(GtEvent.StreamClosed.class, 1);

            List<GtEvent> server = gt.serverEvents.all();
            int connected = indexOf(server, GtEvent.ClientConnected.class);
            int opened = indexOf(server, GtEvent.StreamOpened.class);
            int closed = indexOf(server, GtEvent.StreamClosed.class);
            assertTrue(connected >= 0 && connected < opened && opened < closed, server.toString());

            StreamInfo s = serverClose.stream();
            assertEquals("id1", s.owner());
            assertEquals("http:id1", s.route());
            assertNotNull(s.peer(), "the visitor's address");
            assertTrue(s.bytesFromPeer() > 0, "the request head went through: " + s);
            assertTrue(s.bytesToPeer() > 0, "the answer came back: " + s);
            assertTrue(!s.age().isNegative());
            GtEvent.StreamOpened open = gt.serverEvents.awaitCount(GtEvent.StreamOpened.class, 1);
            assertEquals(s.stream(), open.stream().stream(), "one stream: open and close name the same");

            StreamInfo c = clientClose.stream();
            assertEquals("service 0", c.route());
            assertEquals(s.bytesFromPeer(), c.bytesToPeer(), "what the visitor sent reached the service");
            assertEquals(s.bytesToPeer(), c.bytesFromPeer(), "what the service answered reached the visitor");
        }
    }

    @Test
    void theRecorderSeesBytesWhileAStreamIsStillOpen() throws Exception {
        Map<String, AtomicLong> toVisitors = new ConcurrentHashMap<>();
        MetricsRecorder recorder = (owner, from, to) ->
                toVisitors.computeIfAbsent(owner, k -> new AtomicLong()).addAndGet(to);
        try (SourceServer source = new SourceServer(64L << 20);
                GtPair gt = GtPair.start(s -> s.metricsRecorder(recorder).speedLimitPerClient(1 << 20).tcpPortRange(tcpRange()),
                        c -> c.service(ServiceSpec.local("tcp://127.0.0.1:" + source.port()).build()))) {
            try (Socket visitor = new Socket("127.0.0.1", gt.tcpPort(0))) {
                InputStream in = visitor.getInputStream();
                byte[] buf = new byte[64 * 1024];
                // 64 MiB at 1 MiB/s: the stream stays open for the whole test.
                long read = 0;
                while (read < (3 << 20)) {
                    int n = in.read(buf);
                    assertTrue(n > 0);
                    read += n;
                }
                Awaitility.await().atMost(Duration.ofSeconds(10))
                        .until(() -> toVisitors.getOrDefault("id1", new AtomicLong()).get() >= (2 << 20));
                assertEquals(1, gt.serverStreams("id1"), "still open while its bytes were recorded");

                ServerState.ClientInfo info = gt.serverClient("id1");
                assertTrue(info.bytesToVisitors() >= (2 << 20), info.toString());
                TunnelInfo tunnel = info.tunnels().get(0);
                assertEquals(1, tunnel.openStreams().size());
                StreamInfo live = tunnel.openStreams().get(0);
                assertTrue(live.route().startsWith("tcp:"), live.route());
                assertTrue(live.bytesToPeer() >= (2 << 20), live.toString());
                assertTrue(tunnel.bytesReceived() >= (2 << 20), tunnel.toString());
                assertEquals("tcp", tunnel.transport());
                assertTrue(gt.client.state().bytesToVisitors() >= (2 << 20));
                assertEquals(1, gt.client.state().tunnels().get(0).openStreams().size());
            }
        }
    }

    @Test
    void aListenerThatBlocksDoesNotStallTraffic() throws Exception {
        CountDownLatch release = new CountDownLatch(1);
        CountDownLatch blocked = new CountDownLatch(1);
        List<String> closes = new CopyOnWriteArrayList<>();
        GtEventListener slow = new GtEventListener() {
            @Override
            public void streamOpened(StreamInfo stream) {
                blocked.countDown();
                try {
                    release.await(30, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }

            @Override
            public void streamClosed(StreamInfo stream, Throwable cause) {
                closes.add(stream.route());
            }
        };
        try (TextHttpServer backend = new TextHttpServer("hello");
                GtPair gt = GtPair.start(s -> s.eventListener(slow),
                        c -> c.service(ServiceSpec.local(backend.url()).build()))) {
            for (int i = 0; i < 20; i++) {
                assertEquals(200, RawHttp.get(gt.addr(), "id1.example.com", "/" + i).status());
            }
            assertTrue(blocked.await(10, TimeUnit.SECONDS), "the listener is stuck in its first event");
            assertTrue(closes.isEmpty(), "later events wait behind it");
            release.countDown();
            Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> closes.size() == 20);
        }
    }

    @Test
    void aFactoryGivesEachTunnelItsOwnListenerForItsStreams() throws Exception {
        Map<String, List<String>> perTunnel = new ConcurrentHashMap<>();
        GtEventListener.Factory factory = (owner, tunnel) -> new GtEventListener() {
            @Override
            public void streamClosed(StreamInfo stream, Throwable cause) {
                perTunnel.computeIfAbsent(owner + "#" + tunnel, k -> new CopyOnWriteArrayList<>())
                        .add(stream.route() + (cause == null ? " clean" : " " + cause.getMessage()));
            }
        };
        try (TextHttpServer backend = new TextHttpServer("hello");
                GtPair gt = GtPair.start(s -> s.eventListenerFactory(factory),
                        c -> c.service(ServiceSpec.local(backend.url()).build()))) {
            assertEquals(200, RawHttp.get(gt.addr(), "id1.example.com", "/").status());
            Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> perTunnel.size() == 1);
            String key = perTunnel.keySet().iterator().next();
            assertTrue(key.startsWith("id1#"), key);
            Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> perTunnel.get(key).size() == 1);
            assertTrue(perTunnel.get(key).get(0).startsWith("http:id1"), perTunnel.toString());
        }
    }

    @Test
    void aStreamCutByItsTunnelClosesWithACause() throws Exception {
        try (SourceServer source = new SourceServer(64L << 20);
                GtPair gt = GtPair.start(s -> s.speedLimitPerClient(1 << 20).tcpPortRange(tcpRange()),
                        c -> c.service(ServiceSpec.local("tcp://127.0.0.1:" + source.port()).build()))) {
            try (Socket visitor = new Socket("127.0.0.1", gt.tcpPort(0))) {
                assertTrue(visitor.getInputStream().read() >= 0);
                gt.client.close();
                GtEvent.StreamClosed closed = gt.serverEvents.awaitCount(GtEvent.StreamClosed.class, 1);
                assertNotNull(closed.cause(), "not a clean end: " + closed);
                GtEvent.StreamClosed clean = null;
                for (GtEvent.StreamClosed c : gt.clientEvents.of(GtEvent.StreamClosed.class)) {
                    clean = c;
                }
                assertNotNull(clean, "the client reported its side too");
            }
        }
    }

    private static String tcpRange() {
        int base = FreePorts.block(4);
        return base + "-" + (base + 3);
    }

    private static int indexOf(List<GtEvent> events, Class<? extends GtEvent> type) {
        for (int i = 0; i < events.size(); i++) {
            if (type.isInstance(events.get(i))) {
                return i;
            }
        }
        return -1;
    }
}

package dev.gt.core.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.gt.api.GtEvent;
import dev.gt.api.ServiceSpec;
import dev.gt.core.GtClient;
import dev.gt.core.GtServer;
import dev.gt.transport.tcp.EpollEngineProvider;
import java.net.Socket;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * QUIC tunnels (the client's pool of them) on a path that loses 5% of the datagrams both ways:
 * every visitor's round trip is answered, whole, while a bulk download runs beside them and
 * arrives intact, and no tunnel is lost. Lost packets of a stream's OPEN, answer, data or FIN, of
 * the control stream's READY or of a handshake are QUIC's to repair; a round trip that is never
 * answered means a stream waited for something that was not coming. A slow one is not a failure:
 * QUIC's probe timeout doubles with each probe lost in a row, so a few round trips in many
 * thousands wait seconds (the slowest is printed).
 */
@Timeout(150)
class QuicLossTest {
    private static final long MIB = 1024 * 1024;
    private static final int VISITORS = 8;
    private static final int ROUND_TRIPS = 150;
    /** Longer than any probe-timeout backoff this loss rate plausibly reaches. */
    private static final int ANSWER_TIMEOUT_MS = 30_000;

    @Test
    void roundTripsAreAnsweredAndABulkDownloadArrivesWholeOnAPathThatLoses5PercentBothWays() throws Exception {
        int ports = FreePorts.block(2);
        int echoPort = ports;
        int bulkPort = ports + 1;
        Events clientEvents = new Events();
        try (EchoServer echo = new EchoServer();
                SourceServer source = new SourceServer(4 * MIB);
                GtServer server = GtServer.builder().listenAddress("127.0.0.1:0").tunnelListener("quic", "127.0.0.1:0")
                        .user(GtPair.ID, GtPair.SECRET).tcpPortRange(ports + "-" + bulkPort)
                        .tcpBindAddress("127.0.0.1").ioEngine(new EpollEngineProvider()).build()) {
            server.start().get(10, TimeUnit.SECONDS);
            try (UdpRelay path = new UdpRelay(server.tunnelListenAddress("quic"));
                    GtClient client = GtClient.builder().id(GtPair.ID).secret(GtPair.SECRET)
                            .server("quic://127.0.0.1:" + path.address().getPort()).trustAnyCertificate(true)
                            .ioEngine(new EpollEngineProvider()).eventListener(clientEvents)
                            .service(ServiceSpec.local(echo.url()).serverPort(echoPort).build())
                            .service(ServiceSpec.local(source.url()).serverPort(bulkPort).build()).build()) {
                client.start().get(20, TimeUnit.SECONDS);
                path.loss(0.05);
                ConcurrentLinkedQueue<String> failures = new ConcurrentLinkedQueue<>();
                ConcurrentLinkedQueue<Long> nanos = new ConcurrentLinkedQueue<>();
                ExecutorService visitors = Executors.newFixedThreadPool(VISITORS + 1);
                try {
                    Future<Long> bulk = visitors.submit(() -> {
                        try (Socket visitor = new Socket("127.0.0.1", bulkPort)) {
                            visitor.setSoTimeout(30_000);
                            return Data.readPattern(visitor.getInputStream(), Long.MAX_VALUE);
                        }
                    });
                    List<Future<?>> done = new ArrayList<>();
                    for (int v = 0; v < VISITORS; v++) {
                        int visitor = v;
                        done.add(visitors.submit(() -> {
                            for (int i = 0; i < ROUND_TRIPS; i++) {
                                String text = "visitor " + visitor + " request " + i;
                                try {
                                    long start = System.nanoTime();
                                    String got = EchoServer.roundTripToEnd(echoPort, text, ANSWER_TIMEOUT_MS);
                                    nanos.add(System.nanoTime() - start);
                                    if (!text.equals(got)) {
                                        failures.add(text + ": got '" + got + "'");
                                    }
                                } catch (Exception e) {
                                    failures.add(text + ": " + e);
                                }
                            }
                        }));
                    }
                    for (Future<?> f : done) {
                        f.get(110, TimeUnit.SECONDS);
                    }
                    assertEquals(4 * MIB, bulk.get(30, TimeUnit.SECONDS), "the bulk download, whole");
                } finally {
                    visitors.shutdownNow();
                }
                List<Long> sorted = nanos.stream().sorted().toList();
                System.out.printf("%d round trips with %d datagrams lost: p50 %.1f ms, p99 %.1f ms, max %.1f ms%n",
                        sorted.size(), path.dropped.get(), sorted.get(sorted.size() / 2) / 1e6,
                        sorted.get(sorted.size() * 99 / 100) / 1e6, sorted.get(sorted.size() - 1) / 1e6);
                assertTrue(path.dropped.get() > 0, "the path lost nothing");
                assertEquals(List.of(), new ArrayList<>(failures), "round trips that failed, of "
                        + VISITORS * ROUND_TRIPS + " (" + path.dropped.get() + " datagrams lost)");
                assertEquals(List.of(), clientEvents.of(GtEvent.TunnelDisconnected.class), "no tunnel was lost");
            }
        }
    }
}

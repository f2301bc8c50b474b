package dev.gt.micrometer;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.gt.api.GtErrorCode;
import dev.gt.api.GtException;
import dev.gt.api.ServiceKind;
import dev.gt.api.ServiceSpec;
import dev.gt.core.GtClient;
import dev.gt.core.GtServer;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The gt.* meters of a server and a client, fed by a real tunnel on 127.0.0.1. */
@Timeout(60)
class GtMetricsTest {

    /**
     * Echoes what it reads, a TCP service in the client's own process; closes at a non-zero byte
     * (an in-process service has no half-close: it ends the stream by closing).
     */
    @ChannelHandler.Sharable
    private static final class Echo extends ChannelInboundHandlerAdapter {
        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            io.netty.buffer.ByteBuf b = (io.netty.buffer.ByteBuf) msg;
            boolean quit = b.forEachByte(x -> x == 0) >= 0;
            if (quit) {
                b.release();
                ctx.close();
            } else {
                ctx.writeAndFlush(msg);
            }
        }
    }

    private static double value(SimpleMeterRegistry r, String name, String... tags) {
        var search = r.find(name).tags(tags);
        if (search.counter() != null) {
            return search.counter().count();
        }
        if (search.functionCounter() != null) {
            return search.functionCounter().count();
        }
        if (search.gauge() != null) {
            return search.gauge().value();
        }
        return Double.NaN;
    }

    @Test
    void bytesMoveWhileAStreamIsOpenAndGaugesFollowTheSnapshot() throws Exception {
        SimpleMeterRegistry serverRegistry = new SimpleMeterRegistry();
        SimpleMeterRegistry clientRegistry = new SimpleMeterRegistry();
        GtServerMetrics sm = new GtServerMetrics();
        GtClientMetrics cm = new GtClientMetrics();
        try (GtServer server = GtServer.builder().listenAddress("127.0.0.1:0").tcpBindAddress("127.0.0.1")
                .tcpPortRange("0").user("id1", "secret1").failedLoginsBeforeBan(5)
                .eventListener(sm.eventListener()).metricsRecorder(sm.metricsRecorder()).build()) {
            server.start().get(10, TimeUnit.SECONDS);
            sm.observe(server).bindTo(serverRegistry);
            String remote = "tcp://127.0.0.1:" + server.listenAddress().getPort();
            try (GtClient client = GtClient.builder().id("id1").secret("secret1").server(remote)
                    .service(ServiceSpec.handler(ServiceKind.TCP, new Echo()).allowRandomServerPort(true).build())
                    .eventListener(cm.eventListener()).metricsRecorder(cm.metricsRecorder()).build()) {
                client.start().get(10, TimeUnit.SECONDS);
                cm.observe(client).bindTo(clientRegistry);
                int port = client.state().services().get(0).tcpPort();
                try (Socket visitor = new Socket("127.0.0.1", port)) {
                    OutputStream out = visitor.getOutputStream();
                    InputStream in = visitor.getInputStream();
                    byte[] chunk = new byte[10_000];
                    out.write(chunk);
                    out.flush();
                    int read = 0;
                    while (read < chunk.length) {
                        read += in.read(new byte[chunk.length]);
                    }
                    // Still open: the counters move on the once-a-second tick, not at the stream's end.
                    await().atMost(Duration.ofSeconds(10)).until(() ->
                            value(serverRegistry, "gt.server.bytes", "client", "id1", "direction", "from_visitors")
                                    >= 10_000
                            && value(clientRegistry, "gt.client.bytes", "server", remote, "direction",
                                    "to_visitors") >= 10_000);
                    await().atMost(Duration.ofSeconds(5)).until(() ->
                            value(serverRegistry, "gt.server.streams.open") == 1);
                    assertEquals(1, value(serverRegistry, "gt.server.clients"));
                    assertEquals(1, value(serverRegistry, "gt.server.tunnels"));
                    assertEquals(1, value(serverRegistry, "gt.server.streams"));
                    assertEquals(1, value(clientRegistry, "gt.client.tunnels"));
                    assertEquals(1, value(clientRegistry, "gt.client.services.registered"));
                    out.write('q');
                    out.flush();
                    assertEquals(-1, in.read());
                }
                await().atMost(Duration.ofSeconds(10)).until(() ->
                        serverRegistry.find("gt.server.stream.duration").tags("kind", "tcp").timer() != null
                        && clientRegistry.find("gt.client.stream.duration").timer() != null);
            }
            try (GtClient wrong = GtClient.builder().id("id1").secret("wrong").server(remote)
                    .service(ServiceSpec.local("tcp://127.0.0.1:1").allowRandomServerPort(true).build()).build()) {
                ExecutionException e = org.junit.jupiter.api.Assertions.assertThrows(ExecutionException.class,
                        () -> wrong.start().get(10, TimeUnit.SECONDS));
                assertEquals(GtErrorCode.INVALID_ID_OR_SECRET, ((GtException) e.getCause()).code());
            }
            await().atMost(Duration.ofSeconds(10)).until(() ->
                    value(serverRegistry, "gt.server.tunnels.rejected", "reason", "invalid_id_or_secret") == 1);
            Set<String> names = serverRegistry.getMeters().stream().map(m -> m.getId().getName())
                    .collect(Collectors.toSet());
            assertTrue(names.stream().allMatch(n -> n.startsWith("gt.")), names.toString());
        }
    }

    @Test
    void clientTagsAreCappedForIdsThatAreNotConfiguredUsers() {
        GtServerMetrics m = new GtServerMetrics(2);
        assertEquals("a", m.clientTag("a"));
        assertEquals("b", m.clientTag("b"));
        assertEquals(GtServerMetrics.OTHER, m.clientTag("c"));
        assertEquals("a", m.clientTag("a"));
    }

    @Test
    void routeKinds() {
        assertEquals("http", GtServerMetrics.kind("http:id1"));
        assertEquals("tcp", GtServerMetrics.kind("tcp:10022"));
        assertEquals("other", GtServerMetrics.kind("service 0"));
        assertEquals("other", GtServerMetrics.kind(null));
    }

    @Test
    void meterTypesAreStable() {
        SimpleMeterRegistry r = new SimpleMeterRegistry();
        new GtServerMetrics().bindTo(r);
        assertEquals(Meter.Type.GAUGE, r.find("gt.server.clients").meter().getId().getType());
        assertEquals(Meter.Type.COUNTER, r.find("gt.server.tunnels.accepted").meter().getId().getType());
        assertEquals(0, r.find("gt.server.clients").gauge().value());
    }
}

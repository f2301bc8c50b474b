package dev.gt.micrometer;

import dev.gt.api.ClientState;
import dev.gt.api.GtErrorCode;
import dev.gt.api.GtEventListener;
import dev.gt.api.MetricsRecorder;
import dev.gt.api.StreamInfo;
import dev.gt.api.TunnelInfo;
import dev.gt.core.GtClient;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.TimeGauge;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.binder.MeterBinder;
import java.time.Duration;
import java.util.Locale;
import java.util.Objects;
import java.util.concurrent.TimeUnit;

/**
 * Micrometer meters of a {@link GtClient}, built like {@link GtServerMetrics}.
 *
 * <table>
 * <caption>Meters</caption>
 * <tr><th>name</th><th>type</th><th>tags</th></tr>
 * <tr><td>gt.client.bytes</td><td>counter (bytes), moves once a second while streams are open</td>
 *     <td>server (its URL), direction = from_visitors | to_visitors</td></tr>
 * <tr><td>gt.client.tunnels</td><td>gauge: ready tunnels</td><td></td></tr>
 * <tr><td>gt.client.tunnel.rtt.max</td><td>time gauge</td><td></td></tr>
 * <tr><td>gt.client.services.registered</td><td>gauge: services the server routes</td><td></td></tr>
 * <tr><td>gt.client.streams.open</td><td>gauge</td><td></td></tr>
 * <tr><td>gt.client.stream.duration</td><td>timer, per closed stream</td><td></td></tr>
 * <tr><td>gt.client.reconnects</td><td>counter: connection attempts scheduled after a loss or failure</td><td></td></tr>
 * <tr><td>gt.client.handshake.rejections</td><td>counter</td><td>reason = the error code</td></tr>
 * <tr><td>gt.events.dropped</td><td>counter</td><td></td></tr>
 * </table>
 *
 * The {@code server} tag is bounded by the configuration (its servers, or one value for
 * {@code -remoteAPI}).
 */
public final class GtClientMetrics implements MeterBinder {
    private static final long SNAPSHOT_NANOS = TimeUnit.SECONDS.toNanos(1);

    private volatile MeterRegistry registry;
    private volatile StreamTimer streamTimer;
    private volatile GtClient client;
    private volatile ClientState snapshot;
    private volatile long snapshotAt;

    /** The client whose snapshots the gauges read; returns this. */
    public GtClientMetrics observe(GtClient client) {
        this.client = Objects.requireNonNull(client, "client");
        return this;
    }

    /** The listener to give to {@link GtClient.Builder#eventListener} (combine it with your own). */
    public GtEventListener eventListener() {
        return listener;
    }

    /** The recorder to give to {@link GtClient.Builder#metricsRecorder}. */
    public MetricsRecorder metricsRecorder() {
        return recorder;
    }

    @Override
    public void bindTo(MeterRegistry registry) {
        this.registry = registry;
        Gauge.builder("gt.client.tunnels", this, m -> m.state() == null ? 0 : m.state().tunnels().size())
                .description("Ready tunnels").register(registry);
        Gauge.builder("gt.client.streams.open", this, m -> m.state() == null ? 0 : m.state().tunnels().stream()
                .mapToInt(TunnelInfo::streams).sum()).description("Visitor streams open").register(registry);
        Gauge.builder("gt.client.services.registered", this, m -> m.state() == null ? 0 : m.state().services().stream()
                .filter(s -> s.host() != null || s.tcpPort() != 0).count())
                .description("Services the server routes").register(registry);
        TimeGauge.builder("gt.client.tunnel.rtt.max", this, TimeUnit.NANOSECONDS, m -> {
            ClientState s = m.state();
            return s == null ? 0 : s.tunnels().stream().map(TunnelInfo::rtt).filter(Objects::nonNull)
                    .mapToLong(Duration::toNanos).max().orElse(0);
        }).description("The slowest tunnel's last keepalive round trip").register(registry);
        Counter.builder("gt.events.dropped").description("Events the listeners did not get").register(registry);
    }

    private ClientState state() {
        GtClient c = client;
        if (c == null) {
            return null;
        }
        long now = System.nanoTime();
        ClientState cached = snapshot;
        if (cached == null || now - snapshotAt > SNAPSHOT_NANOS) {
            cached = c.state();
            snapshot = cached;
            snapshotAt = now;
        }
        return cached;
    }

    private final MetricsRecorder recorder = (server, fromVisitors, toVisitors) -> {
        MeterRegistry r = registry;
        if (r == null) {
            return;
        }
        if (fromVisitors > 0) {
            bytes(r, server, "from_visitors").increment(fromVisitors);
        }
        if (toVisitors > 0) {
            bytes(r, server, "to_visitors").increment(toVisitors);
        }
    };

    /** The bound registry's stream-duration timer. */
    private record StreamTimer(MeterRegistry registry, Timer timer) {
    }

    /** The stream-duration timer, looked up in the registry once rather than per closed stream. */
    private Timer streamTimer(MeterRegistry r) {
        StreamTimer t = streamTimer;
        if (t == null || t.registry() != r) {
            t = new StreamTimer(r, Timer.builder("gt.client.stream.duration")
                    .description("How long visitor streams lasted").register(r));
            streamTimer = t;
        }
        return t.timer();
    }

    private static Counter bytes(MeterRegistry r, String server, String direction) {
        return Counter.builder("gt.client.bytes").baseUnit("bytes")
                .description("Bytes relayed, counted once a second while streams are open")
                .tag("server", server).tag("direction", direction).register(r);
    }

    private final GtEventListener listener = new GtEventListener() {
        @Override
        public void reconnectScheduled(String remote, int tunnel, Duration delay, int attempt) {
            MeterRegistry r = registry;
            if (r != null) {
                r.counter("gt.client.reconnects").increment();
            }
        }

        @Override
        public void handshakeRejected(String remote, int tunnel, GtErrorCode code, String message) {
            MeterRegistry r = registry;
            if (r != null) {
                Counter.builder("gt.client.handshake.rejections").description("Hellos the server refused")
                        .tag("reason", code.name().toLowerCase(Locale.ROOT)).register(r).increment();
            }
        }

        @Override
        public void streamClosed(StreamInfo stream, Throwable cause) {
            MeterRegistry r = registry;
            if (r != null && stream.age() != null) {
                streamTimer(r).record(stream.age());
            }
        }

        @Override
        public void eventsDropped(long count) {
            MeterRegistry r = registry;
            if (r != null) {
                r.counter("gt.events.dropped").increment(count);
            }
        }
    };
}

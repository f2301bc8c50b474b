package dev.gt.micrometer;

import dev.gt.api.GtErrorCode;
import dev.gt.api.GtEventListener;
import dev.gt.api.MetricsRecorder;
import dev.gt.api.ServerState;
import dev.gt.api.StreamInfo;
import dev.gt.api.TunnelInfo;
import dev.gt.core.GtServer;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.TimeGauge;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.binder.MeterBinder;
import java.net.SocketAddress;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * Micrometer meters of a {@link GtServer}, built on its observation API: the events
 * ({@link #eventListener()}), the live byte counts ({@link #metricsRecorder()}) and snapshots
 * ({@link GtServer#state()}, read at most once a second for the gauges).
 *
 * <pre>{@code
 * GtServerMetrics metrics = new GtServerMetrics();
 * GtServer server = GtServer.builder()...
 *         .eventListener(metrics.eventListener())
 *         .metricsRecorder(metrics.metricsRecorder())
 *         .build();
 * metrics.observe(server).bindTo(registry);
 * }</pre>
 *
 * <table>
 * <caption>Meters</caption>
 * <tr><th>name</th><th>type</th><th>tags</th></tr>
 * <tr><td>gt.server.bytes</td><td>counter (bytes), moves once a second while streams are open</td>
 *     <td>client, direction = from_visitors | to_visitors</td></tr>
 * <tr><td>gt.server.clients</td><td>gauge: connected client ids</td><td></td></tr>
 * <tr><td>gt.server.tunnels</td><td>gauge: tunnels</td><td></td></tr>
 * <tr><td>gt.server.tunnels.accepted</td><td>counter</td><td></td></tr>
 * <tr><td>gt.server.tunnels.rejected</td><td>counter</td><td>reason = the error code</td></tr>
 * <tr><td>gt.server.tunnel.rtt.max</td><td>time gauge: the slowest tunnel's keepalive round trip</td><td></td></tr>
 * <tr><td>gt.server.streams</td><td>counter: visitor streams opened</td><td></td></tr>
 * <tr><td>gt.server.streams.open</td><td>gauge</td><td></td></tr>
 * <tr><td>gt.server.stream.duration</td><td>timer, per closed stream</td><td>kind = http | https | tcp</td></tr>
 * <tr><td>gt.server.bans</td><td>counter: bans imposed</td><td></td></tr>
 * <tr><td>gt.server.bans.active</td><td>gauge: addresses and prefixes refused now</td><td></td></tr>
 * <tr><td>gt.events.dropped</td><td>counter: events the listeners did not get</td><td></td></tr>
 * </table>
 *
 * The {@code client} tag is bounded: configured users always have their own value; other ids (allow-any
 * mode, an auth API) get theirs until {@code maxTaggedClients} distinct ids have been seen, then
 * share {@value #OTHER}.
 */
public final class GtServerMetrics implements MeterBinder {
    /** The {@code client} tag of ids beyond the cap. */
    public static final String OTHER = "other";
    private static final long SNAPSHOT_NANOS = TimeUnit.SECONDS.toNanos(1);

    private final int maxTaggedClients;
    private final Set<String> tagged = ConcurrentHashMap.newKeySet();
    private volatile MeterRegistry registry;
    private volatile StreamTimers streamTimers;
    private volatile GtServer server;
    private volatile ServerState snapshot;
    private volatile long snapshotAt;

    /** Meters with at most 100 client ids of their own beside the configured users. */
    public GtServerMetrics() {
        this(100);
    }

    /** Meters with at most {@code maxTaggedClients} client ids of their own beside the configured users. */
    public GtServerMetrics(int maxTaggedClients) {
        if (maxTaggedClients < 0) {
            throw new IllegalArgumentException("maxTaggedClients " + maxTaggedClients + " (expected 0 or more)");
        }
        this.maxTaggedClients = maxTaggedClients;
    }

    /** The server whose snapshots the gauges read; returns this. */
    public GtServerMetrics observe(GtServer server) {
        this.server = Objects.requireNonNull(server, "server");
        return this;
    }

    /** The listener to give to {@link GtServer.Builder#eventListener} (combine it with your own). */
    public GtEventListener eventListener() {
        return listener;
    }

    /** The recorder to give to {@link GtServer.Builder#metricsRecorder}. */
    public MetricsRecorder metricsRecorder() {
        return recorder;
    }

    @Override
    public void bindTo(MeterRegistry registry) {
        this.registry = registry;
        Gauge.builder("gt.server.clients", this, m -> m.state() == null ? 0 : m.state().clients().size())
                .description("Connected client ids").register(registry);
        Gauge.builder("gt.server.tunnels", this, m -> m.state() == null ? 0 : m.state().clients().stream()
                .mapToInt(c -> c.tunnels().size()).sum()).description("Tunnels").register(registry);
        Gauge.builder("gt.server.streams.open", this, m -> m.state() == null ? 0 : m.state().counters().openStreams())
                .description("Visitor streams open").register(registry);
        FunctionCounter.builder("gt.server.streams", this, m -> m.state() == null ? 0
                : m.state().counters().streamsOpened()).description("Visitor streams opened").register(registry);
        FunctionCounter.builder("gt.server.tunnels.accepted", this, m -> m.state() == null ? 0
                : m.state().counters().tunnelsAccepted()).description("Tunnels admitted").register(registry);
        FunctionCounter.builder("gt.server.bans", this, m -> m.state() == null ? 0 : m.state().bans().bansImposed())
                .description("Failed-login bans imposed").register(registry);
        Gauge.builder("gt.server.bans.active", this, m -> m.state() == null ? 0
                : m.state().bans().bannedAddresses() + m.state().bans().bannedPrefixes())
                .description("Addresses and prefixes banned now").register(registry);
        TimeGauge.builder("gt.server.tunnel.rtt.max", this, TimeUnit.NANOSECONDS, GtServerMetrics::maxRttNanos)
                .description("The slowest tunnel's last keepalive round trip").register(registry);
        for (String d : new String[] {"from_visitors", "to_visitors"}) {
            // Present from the start, so that a scrape before any traffic shows the series.
            bytes(OTHER, d);
        }
        Counter.builder("gt.events.dropped").description("Events the listeners did not get").register(registry);
    }

    private double maxRttNanos() {
        ServerState s = state();
        long max = 0;
        if (s != null) {
            for (ServerState.ClientInfo c : s.clients()) {
                for (TunnelInfo t : c.tunnels()) {
                    if (t.rtt() != null) {
                        max = Math.max(max, t.rtt().toNanos());
                    }
                }
            }
        }
        return max;
    }

    /** The server's state, at most a second old (a scrape reads many gauges). */
    private ServerState state() {
        GtServer s = server;
        if (s == null) {
            return null;
        }
        long now = System.nanoTime();
        ServerState cached = snapshot;
        if (cached == null || now - snapshotAt > SNAPSHOT_NANOS) {
            cached = s.state();
            snapshot = cached;
            snapshotAt = now;
        }
        return cached;
    }

    private Counter bytes(String client, String direction) {
        return Counter.builder("gt.server.bytes").baseUnit("bytes")
                .description("Bytes relayed, counted once a second while streams are open")
                .tags(Tags.of("client", client, "direction", direction)).register(registry);
    }

    /** The {@code client} tag of {@code id}. */
    String clientTag(String id) {
        GtServer s = server;
        if (s != null && s.config().users().containsKey(id)) {
            return id;
        }
        if (tagged.contains(id)) {
            return id;
        }
        if (tagged.size() < maxTaggedClients) {
            tagged.add(id);
            return id;
        }
        return OTHER;
    }

    private final MetricsRecorder recorder = (owner, fromVisitors, toVisitors) -> {
        MeterRegistry r = registry;
        if (r == null) {
            return;
        }
        String tag = clientTag(owner);
        if (fromVisitors > 0) {
            bytes(tag, "from_visitors").increment(fromVisitors);
        }
        if (toVisitors > 0) {
            bytes(tag, "to_visitors").increment(toVisitors);
        }
    };

    private final GtEventListener listener = new GtEventListener() {
        @Override
        public void clientRejected(String id, SocketAddress address, GtErrorCode code, String message) {
            MeterRegistry r = registry;
            if (r != null) {
                Counter.builder("gt.server.tunnels.rejected").description("Tunnel hellos refused")
                        .tag("reason", code.name().toLowerCase(Locale.ROOT)).register(r).increment();
            }
        }

        @Override
        public void streamClosed(StreamInfo stream, Throwable cause) {
            MeterRegistry r = registry;
            if (r != null && stream.age() != null) {
                streamTimer(r, kind(stream.route())).record(stream.age());
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

    /** The bound registry's stream-duration timers by kind. */
    private record StreamTimers(MeterRegistry registry, Map<String, Timer> byKind) {
    }

    /**
     * The timer of one kind of stream, looked up in the registry once: a builder and a lookup per
     * closed stream were a measurable share of the CPU at thousands of streams a second.
     */
    private Timer streamTimer(MeterRegistry r, String kind) {
        StreamTimers t = streamTimers;
        if (t == null || t.registry() != r) {
            t = new StreamTimers(r, new ConcurrentHashMap<>());
            streamTimers = t;
        }
        return t.byKind().computeIfAbsent(kind, k -> Timer.builder("gt.server.stream.duration")
                .description("How long visitor streams lasted").tag("kind", k).register(r));
    }

    /** The kind of a route label: {@code http:id1} is http, {@code tcp:10022} tcp. */
    static String kind(String route) {
        if (route == null) {
            return "other";
        }
        int colon = route.indexOf(':');
        String k = colon < 0 ? route : route.substring(0, colon);
        return switch (k) {
            case "http", "https", "tcp" -> k;
            default -> "other";
        };
    }
}

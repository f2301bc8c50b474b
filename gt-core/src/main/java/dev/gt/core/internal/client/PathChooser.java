package dev.gt.core.internal.client;

import dev.gt.api.PathInfo;
import dev.gt.api.spi.PathStats;
import dev.gt.core.internal.Durations;
import io.netty.util.concurrent.EventExecutor;
import io.netty.util.concurrent.ScheduledFuture;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The client's choice between its paths to one host over different transports ({@code -remote
 * tcp://h:8080 -remote quic://h:443}): each path keeps its own tunnels, and the chooser tells the
 * server (PRIORITY) which ones new streams should take. Live streams stay where they are, so a
 * switch drops nothing.
 *
 * <p>It measures every path on a live tunnel, one path after the other so that they do not compete:
 * the round trip (a PING), the loss the transport reports (QUIC), and a throughput probe (PROBE
 * frames the server acknowledges) that runs under the flow control a new stream of that tunnel would
 * get. The faster path by smoothed probe throughput wins; another one takes over only when it is
 * {@link #SWITCH_RATIO} times faster, or when the preferred path has no tunnel. It measures again
 * every {@code pathProbeInterval}, and at once (at most every {@link #REEVALUATE_AFTER}) when the
 * preferred path's round trip doubles. All state is touched on one event loop.
 */
final class PathChooser {
    private static final Logger log = LoggerFactory.getLogger(PathChooser.class);
    /** How much faster another path must be to take over: measurements are noisy. */
    static final double SWITCH_RATIO = 1.25;
    static final long FIRST_PROBE = 1 << 20;
    static final long MIN_PROBE = 256 << 10;
    static final long MAX_PROBE = 16 << 20;
    /** A probe is sized to last about this long at the path's last throughput. */
    private static final double PROBE_SECONDS = 0.5;
    /** The deadline of a path's first probe, which only warms it up (slow start, windows). */
    private static final Duration PROBE_DEADLINE = Duration.ofSeconds(10);
    /**
     * The deadline of a probe that counts, eight times what it should take: one cut off by it
     * counts what was acknowledged by then. A path that has become far slower than at its last
     * measurement (its probe sized for the old rate) is then known as slow within seconds; with
     * the 10 s of a first probe, the test that trades the paths' speeds waited 10 to 20 s, and
     * more on a loaded machine, for the switch.
     */
    private static final Duration MEASURE_DEADLINE = Duration.ofSeconds(4);
    private static final Duration WATCH = Duration.ofSeconds(2);
    static final Duration REEVALUATE_AFTER = Duration.ofSeconds(10);

    /** What was measured on one path. Written by the measuring chain, read from anywhere. */
    static final class Path {
        final RemotePool pool;
        volatile boolean available;
        volatile Duration rtt;
        volatile double loss = -1;
        /** Smoothed probe throughput, bytes per second; -1 before the first probe. */
        volatile double rate = -1;
        volatile long measuredAtNanos;
        volatile long nextProbe = FIRST_PROBE;

        Path(RemotePool pool) {
            this.pool = pool;
        }
    }

    private final ClientRuntime runtime;
    private final String host;
    private final Duration interval;
    private final EventExecutor loop;
    private final Map<RemotePool, Path> paths = new LinkedHashMap<>();
    private volatile RemotePool preferred;
    private volatile String reason;
    private boolean evaluating;
    private boolean stopped;
    private long lastEvaluationNanos;
    private ScheduledFuture<?> periodic;
    private ScheduledFuture<?> watch;

    PathChooser(ClientRuntime runtime, String host, List<RemotePool> pools, Duration interval, EventExecutor loop) {
        this.runtime = runtime;
        this.host = host;
        this.interval = interval;
        this.loop = loop;
        for (RemotePool p : pools) {
            paths.put(p, new Path(p));
        }
    }

    void start() {
        log.info("GT client '{}' measures its paths to {} ({}) every {} to choose the faster one for new streams",
                runtime.config.id(), host, names(), Durations.format(interval));
        loop.execute(() -> {
            periodic = loop.scheduleWithFixedDelay(() -> evaluate("periodic measurement"), interval.toNanos(),
                    interval.toNanos(), TimeUnit.NANOSECONDS);
            watch = loop.scheduleWithFixedDelay(this::watch, WATCH.toNanos(), WATCH.toNanos(), TimeUnit.NANOSECONDS);
        });
    }

    void stop() {
        loop.execute(() -> {
            stopped = true;
            if (periodic != null) {
                periodic.cancel(false);
            }
            if (watch != null) {
                watch.cancel(false);
            }
        });
    }

    private String names() {
        List<String> n = new ArrayList<>();
        for (RemotePool p : paths.keySet()) {
            n.add(p.name());
        }
        return String.join(", ", n);
    }

    /** The rank a new tunnel of {@code pool} announces, or -1 before the first choice. */
    int rankOf(RemotePool pool) {
        RemotePool p = preferred;
        return p == null ? -1 : p == pool ? 0 : 1;
    }

    /**
     * Every few seconds: a first measurement once two paths have tunnels; a switch when the
     * preferred path lost its tunnels; a new measurement when its round trip rose sharply.
     */
    private void watch() {
        if (stopped || evaluating) {
            return;
        }
        RemotePool current = preferred;
        if (current == null) {
            int ready = 0;
            for (RemotePool p : paths.keySet()) {
                ready += p.readyTunnels().isEmpty() ? 0 : 1;
            }
            if (ready >= 2) {
                evaluate("first measurement");
            }
            return;
        }
        List<ClientTunnel> tunnels = current.readyTunnels();
        if (tunnels.isEmpty()) {
            Path best = null;
            for (Path p : paths.values()) {
                if (p.pool != current && !p.pool.readyTunnels().isEmpty() && (best == null || p.rate > best.rate)) {
                    best = p;
                }
            }
            if (best != null) {
                paths.get(current).available = false;
                choose(best.pool, current, current.name() + " has no tunnel now; " + best.pool.name() + " has");
            }
            return;
        }
        ClientTunnel t = tunnels.get(0);
        Path p = paths.get(current);
        Duration rtt = t.rtt();
        Duration base = p.rtt;
        if (rtt != null && base != null && rtt.compareTo(base.multipliedBy(2).plusMillis(20)) > 0
                && System.nanoTime() - lastEvaluationNanos > REEVALUATE_AFTER.toNanos()) {
            evaluate("the round trip on " + current.name() + " rose from " + ms(base) + " to " + ms(rtt));
            return;
        }
        // The next watch compares a fresh round trip.
        t.ping();
    }

    /** Measures every path in turn, then decides. */
    void evaluate(String why) {
        if (!loop.inEventLoop()) {
            loop.execute(() -> evaluate(why));
            return;
        }
        if (evaluating || stopped) {
            return;
        }
        evaluating = true;
        lastEvaluationNanos = System.nanoTime();
        CompletableFuture<Void> chain = CompletableFuture.completedFuture(null);
        for (Path p : paths.values()) {
            chain = chain.thenCompose(v -> measure(p));
        }
        chain.whenComplete((v, e) -> loop.execute(() -> {
            evaluating = false;
            if (!stopped) {
                decide(why);
            }
        }));
    }

    private CompletableFuture<Void> measure(Path path) {
        List<ClientTunnel> ready = path.pool.readyTunnels();
        if (ready.isEmpty()) {
            path.available = false;
            return CompletableFuture.completedFuture(null);
        }
        ClientTunnel t = ready.get(0);
        if (path.rate < 0) {
            // A path's first probe runs through slow start and the flow-control windows opening: on
            // a long round trip it measures the ramp, not the rate (the evaluation's 40 ms paths
            // probed within 5% of each other where 8 s transfers differed 2x). It only warms the
            // path up and sizes the probe that counts, which follows while the windows are open.
            return t.probe(path.nextProbe, PROBE_DEADLINE).thenCompose(warm -> {
                path.nextProbe = probeSize(warm.bytesPerSecond());
                return measure(path, t);
            }).exceptionally(e -> {
                log.debug("path {} not measured: {}", path.pool.name(), e.toString());
                return null;
            });
        }
        return measure(path, t);
    }

    private static long probeSize(double bytesPerSecond) {
        return Math.max(MIN_PROBE, Math.min(MAX_PROBE, (long) (bytesPerSecond * PROBE_SECONDS)));
    }

    private CompletableFuture<Void> measure(Path path, ClientTunnel t) {
        t.ping();
        long size = path.nextProbe;
        return t.pathStats().thenCompose(before -> t.probe(size, MEASURE_DEADLINE)
                .thenCompose(result -> t.pathStats().thenAccept(after -> {
                    long sample = result.bytesPerSecond();
                    path.rate = path.rate < 0 ? sample : (path.rate + sample) / 2;
                    path.nextProbe = probeSize(sample);
                    path.loss = loss(before, after);
                    Duration rtt = t.rtt();
                    path.rtt = rtt != null ? rtt : after.rtt();
                    path.available = true;
                    path.measuredAtNanos = System.nanoTime();
                    log.debug("path {}: probe of {} bytes {} in {} ({}/s), round trip {}, loss {}", path.pool.name(),
                            size, result.complete() ? "acknowledged" : "cut off by the deadline",
                            Durations.format(Duration.ofNanos(result.nanos())), rate(sample), ms(path.rtt),
                            lossText(path.loss));
                }))).exceptionally(e -> {
                    log.debug("path {} not measured: {}", path.pool.name(), e.toString());
                    return null;
                });
    }

    private static double loss(PathStats before, PathStats after) {
        if (before.packetsSent() < 0 || after.packetsSent() < 0) {
            return -1;
        }
        long sent = after.packetsSent() - before.packetsSent();
        long lost = after.packetsLost() - before.packetsLost();
        return sent <= 0 ? 0 : Math.max(0, Math.min(1, (double) lost / sent));
    }

    private void decide(String why) {
        Path best = null;
        for (Path p : paths.values()) {
            if (p.available && p.rate >= 0 && (best == null || p.rate > best.rate)) {
                best = p;
            }
        }
        if (best == null) {
            return;
        }
        RemotePool current = preferred;
        Path now = current == null ? null : paths.get(current);
        if (now != null && now.available && best != now && best.rate <= now.rate * SWITCH_RATIO) {
            log.debug("{}: {} stays preferred ({} against {} for {})", why, current.name(), rate(now.rate),
                    rate(best.rate), best.pool.name());
            return;
        }
        if (best == now) {
            return;
        }
        choose(best.pool, current, why + ": " + comparison(best));
    }

    /** "quic://h:443 carried 41.2 MB/s against 3.1 MB/s over tcp://h:8080 (round trips ...)". */
    private String comparison(Path winner) {
        StringBuilder b = new StringBuilder(winner.pool.name()).append(" carried ").append(rate(winner.rate));
        for (Path p : paths.values()) {
            if (p == winner) {
                continue;
            }
            b.append(p.available ? " against " + rate(p.rate) + " over " + p.pool.name()
                    : "; " + p.pool.name() + " has no tunnel");
        }
        b.append(" (round trip");
        for (Path p : paths.values()) {
            b.append(' ').append(p.pool.transportName()).append(' ').append(ms(p.rtt));
            if (p.loss >= 0) {
                b.append(", loss ").append(lossText(p.loss));
            }
            b.append(';');
        }
        b.setLength(b.length() - 1);
        return b.append(')').toString();
    }

    private void choose(RemotePool winner, RemotePool previous, String why) {
        preferred = winner;
        reason = why;
        for (RemotePool p : paths.keySet()) {
            p.rank(p == winner ? 0 : 1);
        }
        log.info("new streams to {} take {}: {}", host, winner.name(), why);
        List<PathInfo> info = info();
        String w = winner.name();
        String prev = previous == null ? null : previous.name();
        runtime.events.dispatch(l -> l.pathChosen(w, prev, why, info));
    }

    /** The measurements, for snapshots and events. */
    List<PathInfo> info() {
        List<PathInfo> l = new ArrayList<>();
        RemotePool p = preferred;
        long now = System.nanoTime();
        for (Path x : paths.values()) {
            long at = x.measuredAtNanos;
            l.add(new PathInfo(x.pool.name(), x.pool.transportName(), x.pool == p, !x.pool.readyTunnels().isEmpty(),
                    x.rtt, x.loss, (long) x.rate, at == 0 ? null : Duration.ofNanos(now - at)));
        }
        return l;
    }

    /** Why the preferred path was chosen, or {@code null} before a choice. */
    String reason() {
        return reason;
    }

    private static String rate(double bytesPerSecond) {
        if (bytesPerSecond < 0) {
            return "unmeasured";
        }
        return String.format(Locale.ROOT, "%.1f MB/s", bytesPerSecond / 1e6);
    }

    private static String ms(Duration d) {
        return d == null ? "unknown" : String.format(Locale.ROOT, "%.1f ms", d.toNanos() / 1e6);
    }

    private static String lossText(double loss) {
        return loss < 0 ? "unknown" : String.format(Locale.ROOT, "%.1f%%", loss * 100);
    }
}

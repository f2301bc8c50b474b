package dev.gt.runner;

import dev.gt.api.GtEventListener;
import dev.gt.api.StreamInfo;
import dev.gt.runner.ops.Dashboard;
import dev.gt.runner.ops.HttpEndpoint;
import dev.gt.runner.ops.OpsSettings;
import dev.gt.runner.ops.SelfTest;
import dev.gt.runner.ops.Secrets;
import dev.gt.runner.ops.StatusApi;
import dev.gt.runner.options.OptionValues;
import dev.gt.runner.options.OptionsException;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.netty.channel.EventLoopGroup;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.IntConsumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One GT server or client the runner runs, built from a command line (GT's flags, or
 * {@code -config FILE}), with what operations add around it: the status API, the dashboard and
 * the metrics. It can be reloaded from its command line and files (applied by difference through
 * the library's {@code reconfigure}), edited from the dashboard through the same path, restarted
 * and stopped.
 */
abstract class Instance implements StatusApi.Observed, Dashboard.Managed {
    /** The thread pool and loops the instances of one process share. */
    record Shared(EventLoopGroup httpLoops, ExecutorService blocking, Secrets secrets, String version,
            java.util.function.Consumer<dev.gt.runner.ops.LogSetup.Settings> logging) { }

    private static final Logger access = LoggerFactory.getLogger("gt.access");

    final String command;
    final Path workingDir;
    final Shared shared;
    /** The command line in force: the original one, with dashboard edits folded in. */
    volatile List<String> args;
    volatile OpsSettings ops;
    private HttpEndpoint api;
    private HttpEndpoint web;
    private Dashboard dashboard;
    final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);

    Instance(String command, List<String> args, Path workingDir, Shared shared) {
        this.command = command;
        this.args = List.copyOf(args);
        this.workingDir = workingDir;
        this.shared = shared;
    }

    /** Most processors on which the runner's servers and clients run one event loop by default. */
    static final int ONE_LOOP_UP_TO_CPUS = 2;

    /**
     * The event loops of a server or client the runner starts without {@code -workerThreads}, on a
     * machine with {@code cpus} processors: one on a machine with at most {@value #ONE_LOOP_UP_TO_CPUS},
     * else 0 for the library's default (a server: one per processor; a client: two).
     *
     * <p>Why: on a 2-core machine (relay bench: wrk, nginx, a GT server and a GT client sharing it)
     * a server with two loops cost 10.3 to 10.9 µs of relay CPU a request when its client's tunnels
     * happened to land on one loop, and 13.9 to 14.5 when they were spread over both (each loop then
     * wakes for fewer events and batches fewer frames per tunnel write), decided at random by the
     * order of accepts; with one loop 9.2 to 11.0 in every start. A client with one loop instead of
     * two cost the same CPU with a lower p99 (1.28 to 1.58 ms against 1.81 to 2.30 in six runs
     * each): fewer threads wait for the two cores. The kernel's network work still runs on the
     * other core. The library keeps its defaults.
     */
    static int defaultEventLoops(int cpus) {
        return cpus <= ONE_LOOP_UP_TO_CPUS ? 1 : 0;
    }

    /** Applies {@link #defaultEventLoops} through {@code setter} when {@code -workerThreads} is 0. */
    static void applyDefaultEventLoops(OptionValues values, IntConsumer setter) {
        int loops = defaultEventLoops(Runtime.getRuntime().availableProcessors());
        if (values.number("workerThreads") == 0 && loops > 0) {
            setter.accept(loops);
        }
    }

    /** {@code server} or {@code client}. */
    @Override
    public String kind() {
        return command;
    }

    @Override
    public String version() {
        return shared.version();
    }

    /** What to call this instance in messages: its configuration file, else its command. */
    abstract String label();

    /** The configuration files it was started from (for {@code gt -s -c}), possibly none. */
    abstract List<Path> configFiles();

    /**
     * Parses, builds and starts; then the status API and the dashboard.
     *
     * @throws OptionsException for a bad command line or file
     * @throws Exception for a failure to start
     */
    abstract void start() throws Exception;

    /** Stops the status API, the dashboard and the server or client (with its drain). */
    void stop() {
        stopEndpoints();
        stopCore();
    }

    abstract void stopCore();

    /** Completes when the server or client stopped by itself (a client that gave up). */
    abstract CompletableFuture<Void> whenStopped();

    /**
     * Re-reads the command line and files and applies the difference.
     *
     * @return what changed, in words
     * @throws OptionsException naming the option at fault; nothing is applied then
     */
    abstract String reload();

    /** Stops and starts again from the command line and files (listen addresses may change). */
    void restart() throws Exception {
        stop();
        start();
    }

    /** The listener every build of this instance gets: the metrics' and the access log's. */
    static GtEventListener withAccessLog(GtEventListener metrics) {
        return GtEventListener.combine(List.of(metrics, new GtEventListener() {
            @Override
            public void streamOpened(StreamInfo s) {
                if (access.isDebugEnabled()) {
                    access.debug("open {} {} tunnel {} stream {} from {}", s.owner(), s.route(), s.tunnel(),
                            s.stream(), s.peer());
                }
            }

            @Override
            public void streamClosed(StreamInfo s, Throwable cause) {
                if (access.isDebugEnabled()) {
                    access.debug("close {} {} tunnel {} stream {} from {}: {} bytes in, {} bytes out, {} ms{}",
                            s.owner(), s.route(), s.tunnel(), s.stream(), s.peer(), s.bytesFromPeer(), s.bytesToPeer(),
                            s.age() == null ? 0 : s.age().toMillis(), cause == null ? "" : " (" + cause.getMessage() + ")");
                }
            }
        }));
    }

    /** Starts the status API and the dashboard that {@link #ops} asks for. */
    void startEndpoints() throws Exception {
        OpsSettings o = ops;
        Logger log = LoggerFactory.getLogger("gt." + command);
        if (o.apiAddr() != null) {
            HttpEndpoint e = new HttpEndpoint("-apiAddr", shared.httpLoops(), tls(o.apiCert(), o.apiKey(), o.apiTls13(),
                    "-apiCertFile"), new StatusApi(this));
            InetSocketAddress a = bind(e, o.apiAddr());
            api = e;
            log.info("status API on {}://{} (/statusResp, /status, /metrics, /api/state)",
                    o.apiCert() != null ? "https" : "http", text(a));
        }
        if (o.webAddr() != null) {
            Dashboard d = new Dashboard(this, o.admin(), o.password(), shared.secrets(), System::nanoTime);
            HttpEndpoint e = new HttpEndpoint("-webAddr", shared.httpLoops(), tls(o.webCert(), o.webKey(), false,
                    "-webCertFile"), d);
            InetSocketAddress a = bind(e, o.webAddr());
            web = e;
            dashboard = d;
            String url = (o.webCert() != null ? "https" : "http") + "://" + text(a) + "/";
            log.info("dashboard on {}", url);
            d.announce(url);
        }
    }

    /** The dashboard's address, or {@code null}. */
    InetSocketAddress webAddress() {
        HttpEndpoint w = web;
        return w == null ? null : w.address();
    }

    /** The status API's address, or {@code null}. */
    InetSocketAddress apiAddress() {
        HttpEndpoint a = api;
        return a == null ? null : a.address();
    }

    /** After a reload: endpoints whose address, certificate or credentials changed start anew. */
    void refreshEndpoints(OpsSettings before) throws Exception {
        OpsSettings now = ops;
        boolean apiSame = java.util.Objects.equals(before.apiAddr(), now.apiAddr())
                && java.util.Objects.equals(before.apiCert(), now.apiCert()) && before.apiTls13() == now.apiTls13();
        boolean webSame = java.util.Objects.equals(before.webAddr(), now.webAddr())
                && java.util.Objects.equals(before.webCert(), now.webCert())
                && before.admin().equals(now.admin()) && java.util.Objects.equals(before.password(), now.password());
        if (apiSame && webSame) {
            return;
        }
        stopEndpoints();
        startEndpoints();
    }

    void stopEndpoints() {
        if (api != null) {
            api.close();
            api = null;
        }
        if (web != null) {
            web.close();
            web = null;
            dashboard = null;
        }
    }

    private static InetSocketAddress bind(HttpEndpoint e, InetSocketAddress want) throws Exception {
        try {
            return e.start(want).get(10, TimeUnit.SECONDS);
        } catch (java.util.concurrent.ExecutionException x) {
            throw (Exception) x.getCause();
        }
    }

    static String text(InetSocketAddress a) {
        return dev.gt.core.Addresses.text(a);
    }

    private static SslContext tls(Path cert, Path key, boolean tls13, String option) {
        if (cert == null) {
            return null;
        }
        try {
            return SslContextBuilder.forServer(cert.toFile(), key.toFile())
                    .protocols(tls13 ? new String[] {"TLSv1.3"} : new String[] {"TLSv1.3", "TLSv1.2"}).build();
        } catch (Exception | Error e) {
            throw new OptionsException("cannot use " + option + " " + cert + ": " + e.getMessage());
        }
    }

    @Override
    public String metricsText() {
        return registry.scrape();
    }

    /**
     * After a reload applied: the new command line and operations settings become the running
     * ones, and the status API and dashboard follow them (a failure there is logged; the reload
     * itself stands).
     */
    void adopt(OpsSettings settings, List<String> next) {
        OpsSettings before = ops;
        ops = settings;
        args = List.copyOf(next);
        try {
            refreshEndpoints(before);
        } catch (Exception e) {
            LoggerFactory.getLogger("gt." + command).error("reload: {}", e.getMessage());
        }
    }

    /** The options the dashboard may edit on this kind of instance. */
    abstract List<String> editable();

    /** Applies a new command line as a reload does: all of it, or nothing with the option's message. */
    abstract String apply(List<String> next);

    @Override
    public synchronized String applyEdits(Map<String, String> edits) {
        List<String> editable = editable();
        for (String k : edits.keySet()) {
            if (!editable.contains(k)) {
                throw new OptionsException("-" + k + " cannot be edited here (editable: -"
                        + String.join(", -", editable) + ")");
            }
        }
        return apply(withEdits(args, edits));
    }

    /** {@code args} with every occurrence of the options in {@code edits} replaced by the edited values. */
    static List<String> withEdits(List<String> args, Map<String, String> edits) {
        List<String> out = new ArrayList<>();
        for (int i = 0; i < args.size(); i++) {
            String a = args.get(i);
            String name = a.startsWith("--") ? a.substring(2) : a.startsWith("-") ? a.substring(1) : null;
            if (name != null) {
                int eq = name.indexOf('=');
                String bare = eq < 0 ? name : name.substring(0, eq);
                if (edits.containsKey(bare)) {
                    // -name=value, or -name value (a switch alone, when the next word is an option).
                    if (eq < 0 && i + 1 < args.size() && !args.get(i + 1).startsWith("-")) {
                        i++;
                    }
                    continue;
                }
            }
            out.add(a);
        }
        for (Map.Entry<String, String> e : edits.entrySet()) {
            out.add("-" + e.getKey() + "=" + e.getValue());
        }
        return out;
    }
}

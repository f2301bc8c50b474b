package dev.gt.runner;

import dev.gt.api.ClientState;
import dev.gt.api.GtEventListener;
import dev.gt.api.GtException;
import dev.gt.api.ServiceSpec;
import dev.gt.core.GtClient;
import dev.gt.core.GtClientConfig;
import dev.gt.core.Reconfiguration;
import dev.gt.micrometer.GtClientMetrics;
import dev.gt.runner.ops.Json;
import dev.gt.runner.ops.OpsSettings;
import dev.gt.runner.ops.SelfTest;
import dev.gt.runner.options.ClientOptions;
import dev.gt.runner.options.Durations;
import dev.gt.runner.options.Option;
import dev.gt.runner.options.OptionsException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** A {@code gt client} of the runner. */
final class ClientInstance extends Instance {
    private static final Logger log = LoggerFactory.getLogger("gt.client");
    static final List<String> EDITABLE = List.of("reconnectDelay", "remoteTimeout", "remoteConnections",
            "remoteIdleConnections");
    private static final long PROBE_NANOS = TimeUnit.SECONDS.toNanos(5);

    private final GtClientMetrics metrics = new GtClientMetrics();
    private final AtomicBoolean announced = new AtomicBoolean();
    private final GtEventListener listener;
    private volatile GtClient client;
    private volatile ClientOptions options;
    /** Asks -remoteSTUN for the public address; closed with the client. */
    private volatile dev.gt.p2p.StunClient stunClient;
    /** Per service index: whether its local address took a connection at the last probe, and when. */
    private final Map<Integer, long[]> reachability = new ConcurrentHashMap<>();
    /** Set when the client gave up for good (a refusal that needs a configuration change). */
    volatile Throwable fatal;

    ClientInstance(List<String> args, Path workingDir, Shared shared) {
        super("client", args, workingDir, shared);
        this.listener = GtEventListener.combine(List.of(withAccessLog(metrics.eventListener()), new GtEventListener() {
            @Override
            public void tunnelConnected(String remote, int tunnel, java.net.SocketAddress serverAddress) {
                GtClient c = client;
                if (announced.compareAndSet(false, true)) {
                    log.info("GT client '{}' connected; services registered", c == null ? "" : c.config().id());
                }
            }
        }));
    }

    @Override
    String label() {
        ClientOptions o = options;
        return o != null && o.configFile() != null ? o.configFile().toString() : "gt client";
    }

    @Override
    List<Path> configFiles() {
        ClientOptions o = options;
        return o == null || o.configFile() == null ? List.of() : List.of(o.configFile().toAbsolutePath().normalize());
    }

    private ClientOptions parse(List<String> args) {
        ClientOptions o = ClientOptions.parse(args.toArray(new String[0]), workingDir);
        if (!o.helpRequested() && !o.versionRequested()) {
            o.builder().eventListener(listener).metricsRecorder(metrics.metricsRecorder());
            applyDefaultEventLoops(o.values(), o.builder()::workerThreads);
        }
        return o;
    }

    @Override
    void start() throws Exception {
        ClientOptions o = parse(args);
        OpsSettings s = OpsSettings.from(o.values(), workingDir, version());
        shared.logging().accept(s.log());
        dev.gt.p2p.StunClient probe;
        try {
            probe = PeerToPeer.configureClient(o.values(), o.builder());
        } catch (IllegalArgumentException e) {
            throw new OptionsException(e.getMessage(), e);
        }
        GtClient built;
        try {
            built = o.build();
        } catch (RuntimeException e) {
            if (probe != null) {
                probe.close();
            }
            throw e;
        }
        stunClient = probe;
        GtClientConfig c = built.config();
        shared.secrets().add(c.secret());
        if (s.password() != null) {
            shared.secrets().add(s.password());
        }
        if (o.configFile() != null) {
            log.info("configuration file {}", o.configFile());
        }
        log.info("GT client '{}' connecting to {} with services {}", c.id(), c.serverLookupUrl() != null
                ? "the server named by the -remoteAPI at " + c.serverLookupUrl().getHost() : String.join(", ",
                        c.servers().stream().map(Object::toString).toList()), c.services());
        client = built;
        options = o;
        ops = s;
        metrics.observe(built).bindTo(registry);
        CompletableFuture<GtClient> started = built.start();
        started.whenComplete((ok, failure) -> {
            if (failure == null) {
                return;
            }
            Throwable cause = failure instanceof java.util.concurrent.CompletionException && failure.getCause() != null
                    ? failure.getCause() : failure;
            if (cause instanceof GtException && ((GtException) cause).code().isRetryable()) {
                // GT retries forever, and so does the client: a server may be restarting or a limit free up.
                log.warn("the server refused the first connection: {}; retrying after {}, doubling the wait while it "
                        + "refuses", cause.getMessage(), Durations.format(c.reconnectDelay()));
            } else {
                fatal = cause;
            }
        });
        try {
            startEndpoints();
        } catch (Exception e) {
            stop();
            throw e;
        }
    }

    @Override
    void stopCore() {
        GtClient c = client;
        if (c != null) {
            c.close();
        }
        dev.gt.p2p.StunClient p = stunClient;
        if (p != null) {
            p.close();
            stunClient = null;
        }
    }

    @Override
    CompletableFuture<Void> whenStopped() {
        GtClient c = client;
        return c == null ? new CompletableFuture<>() : c.whenStopped();
    }

    @Override
    synchronized String reload() {
        return apply(args);
    }

    @Override
    String apply(List<String> next) {
        GtClient c = client;
        if (c == null) {
            throw new OptionsException("the client is not running");
        }
        ClientOptions o = parse(next);
        OpsSettings settings = OpsSettings.from(o.values(), workingDir, version());
        if (c.config().publicAddressProbe() != null) {
            // -remoteSTUN takes effect on a restart; the running probe stays.
            o.builder().publicAddressProbe(c.config().publicAddressProbe());
        }
        GtClientConfig config = o.check(GtClient.Builder::buildConfig);
        Reconfiguration r;
        try {
            r = c.reconfigure(config);
        } catch (IllegalArgumentException | IllegalStateException e) {
            throw new OptionsException(o.translate(e.getMessage()), e);
        }
        shared.secrets().add(config.secret());
        options = o;
        reachability.clear();
        adopt(settings, next);
        return r.toString();
    }

    @Override
    List<String> editable() {
        return EDITABLE;
    }

    @Override
    public String stateJson(boolean withStreams) {
        GtClient c = client;
        if (c == null) {
            return "{\"kind\":\"client\",\"running\":false}";
        }
        ClientState s = c.state();
        List<ServiceSpec> services = c.config().services();
        Map<String, Object> extra = new LinkedHashMap<>();
        extra.put("version", version());
        extra.put("id", c.config().id());
        extra.put("servers", c.config().servers().stream().map(Object::toString).toList());
        List<Map<String, Object>> configured = new ArrayList<>();
        for (int i = 0; i < services.size(); i++) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("index", i);
            m.put("kind", services.get(i).kind().scheme());
            m.put("local", services.get(i).localUrl() != null ? services.get(i).localUrl() : "in-process");
            Boolean up = reachable(i, services.get(i));
            if (up != null) {
                m.put("reachable", up);
            }
            configured.add(m);
        }
        extra.put("configuredServices", configured);
        return Json.client(s, withStreams, i -> i < services.size() ? reachable(i, services.get(i)) : null, extra);
    }

    /**
     * Whether the local address of service {@code index} took a TCP connection at the last probe
     * ({@code null} until the first probe, which this call starts, off the event loops). In-process
     * services are reachable.
     */
    private Boolean reachable(int index, ServiceSpec spec) {
        if (spec.localAddress() == null) {
            return Boolean.TRUE;
        }
        long now = System.nanoTime();
        long[] r = reachability.get(index);
        if (r == null || now - r[1] > PROBE_NANOS) {
            long[] pending = new long[] {r == null ? -1 : r[0], now};
            reachability.put(index, pending);
            InetSocketAddress target = spec.localAddress();
            shared.blocking().execute(() -> {
                boolean ok;
                try (Socket s = new Socket()) {
                    s.connect(new InetSocketAddress(target.getHostString(), target.getPort()), 1000);
                    ok = true;
                } catch (java.io.IOException e) {
                    ok = false;
                }
                reachability.put(index, new long[] {ok ? 1 : 0, System.nanoTime()});
            });
        }
        return r == null || r[0] < 0 ? null : r[0] == 1;
    }

    @Override
    public CompletableFuture<SelfTest.Result> selfTest() {
        GtClient c = client;
        if (c == null) {
            return CompletableFuture.completedFuture(new SelfTest.Result(false, "the client is not running"));
        }
        ClientState s = c.state();
        if (s.tunnels().isEmpty()) {
            return CompletableFuture.completedFuture(new SelfTest.Result(false, "no tunnel to the server is up"));
        }
        return CompletableFuture.completedFuture(new SelfTest.Result(true,
                Json.object(Map.of("status", "ok", "version", version(), "tunnels", s.tunnels().size()))));
    }

    @Override
    public String configJson() {
        ClientOptions o = options;
        GtClient c = client;
        if (o == null || c == null) {
            return "{}";
        }
        Map<String, Object> values = new LinkedHashMap<>();
        for (Option<?, ?> opt : o.values().table().options()) {
            if (!opt.supported() || opt.perService() || opt.name().equals("h") || opt.name().equals("version")) {
                continue;
            }
            Object v = o.values().get(opt.name());
            if (v == null && opt.defaultText() == null) {
                continue;
            }
            values.put(opt.name(), opt.sensitive() && v != null ? dev.gt.runner.ops.Secrets.MASK
                    : v == null ? opt.defaultText() : ServerInstance.text(v));
        }
        List<Map<String, Object>> services = new ArrayList<>();
        for (ServiceSpec s : c.config().services()) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("local", s.localUrl() != null ? s.localUrl() : "in-process");
            if (s.hostPrefix() != null) {
                m.put("hostPrefix", s.hostPrefix());
            }
            if (s.serverPort() != 0) {
                m.put("remoteTCPPort", s.serverPort());
            }
            services.add(m);
        }
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("kind", "client");
        out.put("configFile", o.configFile() == null ? null : o.configFile().toString());
        out.put("options", values);
        out.put("services", services);
        out.put("editable", EDITABLE);
        return Json.object(out);
    }
}

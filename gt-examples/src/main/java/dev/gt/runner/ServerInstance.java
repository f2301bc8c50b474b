package dev.gt.runner;

import dev.gt.api.GtEventListener;
import dev.gt.core.GtServer;
import dev.gt.core.GtServerConfig;
import dev.gt.core.Reconfiguration;
import dev.gt.core.User;
import dev.gt.micrometer.GtServerMetrics;
import dev.gt.runner.ops.Json;
import dev.gt.runner.ops.OpsSettings;
import dev.gt.runner.ops.SelfTest;
import dev.gt.runner.options.Durations;
import dev.gt.runner.options.Option;
import dev.gt.runner.options.OptionsException;
import dev.gt.runner.options.ServerOptions;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** A {@code gt server} of the runner. */
final class ServerInstance extends Instance {
    private static final Logger log = LoggerFactory.getLogger("gt.server");
    /** What the dashboard may edit: global limits and rules (users come from files or -id/-secret). */
    static final List<String> EDITABLE = List.of("speed", "connections", "tcpNumber", "hostNumber", "timeout",
            "reconnectTimes", "reconnectDuration", "allowAnyClient", "tcpRange", "hostWithID");

    private final GtServerMetrics metrics = new GtServerMetrics();
    private final GtEventListener listener = withAccessLog(metrics.eventListener());
    private volatile SelfTest selfTest;
    private volatile GtServer server;
    private volatile ServerOptions options;
    /** The STUN/TURN server of -stunAddr, started before the GT server and stopped after it. */
    private volatile dev.gt.p2p.StunServer stun;

    ServerInstance(List<String> args, Path workingDir, Shared shared) {
        super("server", args, workingDir, shared);
    }

    @Override
    String label() {
        ServerOptions o = options;
        return o != null && o.configFile() != null ? o.configFile().toString() : "gt server";
    }

    @Override
    List<Path> configFiles() {
        ServerOptions o = options;
        return o == null || o.configFile() == null ? List.of() : List.of(o.configFile().toAbsolutePath().normalize());
    }

    /** Parses the command line and files; the builder gets the runner's listener and self-test user. */
    private ServerOptions parse(List<String> args) {
        ServerOptions o = ServerOptions.parse(args.toArray(new String[0]), workingDir);
        if (o.helpRequested() || o.versionRequested()) {
            return o;
        }
        OpsSettings s = OpsSettings.from(o.values(), workingDir, version());
        if (s.apiAddr() != null && selfTest == null) {
            selfTest = new SelfTest(() -> server, "gt " + version(), shared.blocking(), System::nanoTime);
            shared.secrets().add(selfTest.userSecret());
        }
        if (selfTest != null) {
            o.builder().user(selfTest.userId(), User.of(selfTest.userSecret()));
        }
        o.builder().eventListener(listener).metricsRecorder(metrics.metricsRecorder());
        applyDefaultEventLoops(o.values(), o.builder()::workerThreads);
        return o;
    }

    ServerOptions parseOnly() {
        return ServerOptions.parse(args.toArray(new String[0]), workingDir);
    }

    @Override
    void start() throws Exception {
        ServerOptions o = parse(args);
        OpsSettings s = OpsSettings.from(o.values(), workingDir, version());
        shared.logging().accept(s.log());
        dev.gt.p2p.StunServer stunServer;
        try {
            stunServer = PeerToPeer.configureServer(o.values(), o.builder());
        } catch (IllegalArgumentException e) {
            throw new OptionsException(e.getMessage(), e);
        }
        GtServer built = o.build();
        registerSecrets(built.config());
        if (s.password() != null) {
            shared.secrets().add(s.password());
        }
        if (o.configFile() != null) {
            log.info("configuration file {}", o.configFile());
        }
        try {
            if (stunServer != null) {
                try {
                    stunServer.start().get();
                } catch (java.util.concurrent.ExecutionException e) {
                    throw new java.util.concurrent.ExecutionException(new java.io.IOException("STUN server "
                            + "(-stunAddr): " + Gt.describe(e.getCause()), e.getCause()));
                }
            }
            built.start().get();
        } catch (java.util.concurrent.ExecutionException e) {
            built.close();
            if (stunServer != null) {
                stunServer.close();
            }
            throw (Exception) e.getCause();
        }
        stun = stunServer;
        server = built;
        options = o;
        ops = s;
        metrics.observe(built).bindTo(registry);
        if (stunServer != null) {
            StunMeters.bind(stunServer, registry);
        }
        try {
            startEndpoints();
        } catch (Exception e) {
            stop();
            throw e;
        }
        if (stunServer != null) {
            dev.gt.p2p.StunServerConfig sc = stunServer.config();
            log.info("STUN{} server on port {} (-stunAddr){}{}", sc.turnEnabled() ? "/TURN" : "", stunServer.port(),
                    o.values().bool("stunOnAddr") ? " and on -addr" : "", !sc.turnEnabled() ? ""
                            : "; TURN " + String.join(", ", java.util.stream.Stream.of(
                                    sc.turnUserNames().isEmpty() ? null : "users " + sc.turnUserNames(),
                                    !sc.turnRestEnabled() ? null : "REST credentials handed to clients for "
                                            + Durations.format(o.values().duration("turnCredentialsTTL")))
                                    .filter(java.util.Objects::nonNull).toList()));
        }
        GtServerConfig c = built.config();
        boolean tcp = !c.tcpPortRanges().isEmpty() || c.users().values().stream().anyMatch(u -> !u.tcpPortRanges().isEmpty());
        log.info("GT server listening on {} (users: {}, timeout {}, connections {}{})", Gt.listeners(built),
                c.authUrl() != null ? "decided by the -authAPI at " + c.authUrl().getHost()
                        : o.userIds() + (c.allowAnyClient() || o.userIds().isEmpty() ? ", any client allowed" : ""),
                Durations.format(c.idleTimeout()), c.maxTunnelsPerClient(), !tcp ? "" : c.tcpBindAddress() == null
                        ? "; TCP service ports on every interface" : "; TCP service ports on " + c.tcpBindAddress()
                                + " (-tcpBindHost)");
    }

    private void registerSecrets(GtServerConfig c) {
        for (User u : c.users().values()) {
            shared.secrets().add(u.secret());
        }
    }

    @Override
    void stopCore() {
        GtServer s = server;
        if (s != null) {
            s.close();
        }
        dev.gt.p2p.StunServer st = stun;
        if (st != null) {
            st.close();
            stun = null;
        }
    }

    @Override
    CompletableFuture<Void> whenStopped() {
        GtServer s = server;
        return s == null ? new CompletableFuture<>() : s.whenStopped();
    }

    GtServer server() {
        return server;
    }

    @Override
    synchronized String reload() {
        return apply(args);
    }

    /** Parses {@code next}, builds, reconfigures; all or nothing. */
    @Override
    String apply(List<String> next) {
        GtServer s = server;
        if (s == null) {
            throw new OptionsException("the server is not running");
        }
        ServerOptions o = parse(next);
        OpsSettings settings = OpsSettings.from(o.values(), workingDir, version());
        // The STUN server runs on as started (its options take effect on a restart); the new
        // configuration keeps its hooks.
        GtServerConfig running = s.config();
        for (dev.gt.api.spi.SharedPortProtocol p : running.sharedPortProtocols()) {
            o.builder().sharedPortProtocol(p);
        }
        if (running.iceServers() != null) {
            o.builder().iceServers(running.iceServers());
        }
        GtServerConfig config = o.check(GtServer.Builder::buildConfig);
        Reconfiguration r;
        try {
            r = s.reconfigure(config);
        } catch (IllegalArgumentException e) {
            throw new OptionsException(o.translate(e.getMessage()), e);
        }
        registerSecrets(config);
        options = o;
        adopt(settings, next);
        return r.toString();
    }

    @Override
    List<String> editable() {
        return EDITABLE;
    }

    @Override
    public String stateJson(boolean withStreams) {
        GtServer s = server;
        if (s == null) {
            return "{\"kind\":\"server\",\"running\":false}";
        }
        SelfTest t = selfTest;
        Map<String, Object> extra = new LinkedHashMap<>();
        extra.put("version", version());
        extra.put("users", s.config().users().keySet().stream().filter(id -> t == null || !id.equals(t.userId()))
                .toList());
        return Json.server(s.state(), withStreams, id -> t != null && id.equals(t.userId()), extra);
    }

    @Override
    public CompletableFuture<SelfTest.Result> selfTest() {
        SelfTest t = selfTest;
        return t == null ? CompletableFuture.completedFuture(new SelfTest.Result(false, "no self-test"))
                : t.run();
    }

    @Override
    public String configJson() {
        ServerOptions o = options;
        if (o == null) {
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
                    : v == null ? opt.defaultText() : text(v));
        }
        List<Map<String, Object>> users = new ArrayList<>();
        SelfTest t = selfTest;
        for (Map.Entry<String, User> e : server.config().users().entrySet()) {
            if (t != null && e.getKey().equals(t.userId())) {
                continue;
            }
            Map<String, Object> u = new LinkedHashMap<>();
            u.put("id", e.getKey());
            u.put("secret", dev.gt.runner.ops.Secrets.MASK);
            User user = e.getValue();
            if (!user.tcpPortRanges().isEmpty()) {
                u.put("tcp", user.tcpPortRanges().stream().map(Object::toString).toList());
            }
            if (user.speedLimit() != 0) {
                u.put("speed", user.speedLimit());
            }
            if (user.maxTunnels() != 0) {
                u.put("connections", user.maxTunnels());
            }
            if (user.maxTcpPorts() != null) {
                u.put("tcpNumber", user.maxTcpPorts());
            }
            if (user.maxHostPrefixes() != null) {
                u.put("hostNumber", user.maxHostPrefixes());
            }
            users.add(u);
        }
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("kind", "server");
        out.put("configFile", o.configFile() == null ? null : o.configFile().toString());
        out.put("options", values);
        out.put("users", users);
        out.put("editable", EDITABLE);
        return Json.object(out);
    }

    static Object text(Object v) {
        if (v instanceof java.time.Duration d) {
            return Durations.format(d);
        }
        if (v instanceof List<?> l) {
            return l.stream().map(Object::toString).toList();
        }
        return v;
    }
}

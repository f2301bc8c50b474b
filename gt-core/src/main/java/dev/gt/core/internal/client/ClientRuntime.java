package dev.gt.core.internal.client;

import dev.gt.api.ClientState;
import dev.gt.api.GtErrorCode;
import dev.gt.core.internal.events.EventDispatcher;
import dev.gt.api.GtException;
import dev.gt.api.ServiceKind;
import dev.gt.api.ServiceSpec;
import dev.gt.api.TunnelInfo;
import dev.gt.api.spi.IoEngine;
import dev.gt.api.spi.IoEngineProvider;
import dev.gt.core.GtClientConfig;
import dev.gt.core.RemoteUrl;
import dev.gt.core.TlsVersion;
import dev.gt.core.internal.IoEngines;
import dev.gt.core.internal.tls.TlsContexts;
import dev.gt.api.spi.TunnelTransport;
import dev.gt.api.spi.TunnelTransportSettings;
import dev.gt.core.internal.TunnelTransports;
import javax.net.ssl.X509TrustManager;
import dev.gt.core.internal.proto.Hello;
import dev.gt.core.internal.proto.Protocol;
import io.netty.util.NetUtil;
import io.netty.util.concurrent.DefaultThreadFactory;
import io.netty.util.concurrent.ScheduledFuture;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The machinery behind {@link dev.gt.core.GtClient}. */
public final class ClientRuntime {
    private static final Logger log = LoggerFactory.getLogger(ClientRuntime.class);

    /** The configuration in force: replaced by {@link #reconfigure}. */
    volatile GtClientConfig config;
    private volatile Hello hello;
    volatile IoEngine io;
    volatile LocalDialer dialer;
    /** Tunnel transports by scheme, created on first use. */
    private final java.util.Map<String, TunnelTransport> transports = new java.util.HashMap<>();
    private final List<RemotePool> pools = new ArrayList<>();
    private final List<PathChooser> choosers = new java.util.concurrent.CopyOnWriteArrayList<>();
    /** The servers whose transports can run here, in the order of the configuration. */
    private List<RemoteUrl> servers = List.of();
    private volatile ClientState.RegisteredService[] registered;
    final EventDispatcher events;
    private ExecutorService resolver;
    private final Object resolverLock = new Object();
    private ScheduledFuture<?> shrinkTask;
    private CompletableFuture<Void> started;
    private CompletableFuture<Void> stopped;
    private final CompletableFuture<Void> terminated = new CompletableFuture<>();
    private volatile boolean running;
    /** Why the last connection attempt failed, for a start that times out. */
    private volatile Throwable lastFailure;
    private ScheduledFuture<?> startDeadline;
    private ScheduledFuture<?> probeTask;
    private volatile java.net.InetSocketAddress publicAddress;
    private volatile List<dev.gt.api.IceServer> iceServers = List.of();

    public ClientRuntime(GtClientConfig config) {
        this.config = config;
        this.hello = hello(config);
        this.registered = new ClientState.RegisteredService[config.services().size()];
        this.events = new EventDispatcher("gt-client-" + config.id(), config.eventListener(),
                config.eventListenerFactory(), config.metricsRecorder(), this::reportTraffic);
    }

    Hello hello() {
        return hello;
    }

    private static Hello hello(GtClientConfig config) {
        List<Hello.Service> services = new ArrayList<>();
        for (ServiceSpec s : config.services()) {
            int kind = s.kind() == ServiceKind.HTTP ? Protocol.KIND_HTTP
                    : s.kind() == ServiceKind.HTTPS ? Protocol.KIND_HTTPS : Protocol.KIND_TCP;
            services.add(new Hello.Service(kind, s.hostPrefix(), s.serverPort(), s.allowRandomServerPort()));
        }
        return new Hello(config.id(), config.secret(), Protocol.DEFAULT_WINDOW, services);
    }

    public synchronized CompletableFuture<Void> start() {
        if (stopped != null) {
            throw new IllegalStateException("this client was stopped; build a new GtClient to start again");
        }
        if (started != null) {
            return started;
        }
        started = new CompletableFuture<>();
        try {
            IoEngineProvider provider = IoEngines.select(config.ioEngine());
            io = provider.create(config.workerThreads(), "gt-client");
        } catch (RuntimeException e) {
            started.completeExceptionally(e);
            return started;
        }
        // Known schemes are set up now, so that a bad CA file or a missing transport module fails
        // the start at once rather than every connection attempt. A transport that cannot run here
        // (QUIC without its native library) is said once; the other servers are used.
        List<RemoteUrl> usable = new ArrayList<>();
        RuntimeException unusable = null;
        for (RemoteUrl r : config.servers()) {
            try {
                transport(r.scheme());
                usable.add(r);
            } catch (RuntimeException e) {
                if (unusable == null) {
                    unusable = e;
                }
                if (config.servers().size() > 1) {
                    log.error("-remote {} cannot be used: {}", r, e.getMessage());
                }
            }
        }
        if (usable.isEmpty() && config.serverLookupUrl() == null) {
            io.shutdown();
            started.completeExceptionally(unusable);
            return started;
        }
        if (unusable != null) {
            log.warn("GT client '{}' goes on with {}", config.id(), usable);
        }
        servers = usable;
        log.info("GT client '{}' using the {} I/O engine with {} event loop{}; {} service{}, server{} {}", config.id(),
                io.name(), config.workerThreads(), config.workerThreads() == 1 ? "" : "s",
                config.services().size(), config.services().size() == 1 ? "" : "s",
                config.servers().size() > 1 ? "s" : "",
                config.serverLookupUrl() != null ? "from the server lookup API at " + config.serverLookupUrl().getHost()
                        : config.servers());
        running = true;
        events.start();
        if (config.publicAddressProbe() != null) {
            probeTask = io.group().scheduleAtFixedRate(this::probePublicAddress, 0, 5, TimeUnit.MINUTES);
        }
        if (!config.startTimeout().isZero()) {
            startDeadline = io.group().schedule(this::startTimedOut, config.startTimeout().toNanos(),
                    TimeUnit.NANOSECONDS);
        }
        dialer = new LocalDialer(io, config.services());
        dialer.start("gt-client-" + Integer.toHexString(System.identityHashCode(this))).whenComplete((v, e) -> {
            if (e != null) {
                started.completeExceptionally(e);
                stop();
                return;
            }
            synchronized (this) {
                if (stopped != null) {
                    return;
                }
                if (config.serverLookupUrl() != null) {
                    RemotePool p = new RemotePool(this, null, new RemoteApi(config.serverLookupUrl(),
                            config.serverTimeout()), config, hello, dialer);
                    pools.add(p);
                    p.start();
                }
                for (RemoteUrl r : servers) {
                    RemotePool p = new RemotePool(this, r, null, config, hello, dialer);
                    pools.add(p);
                    p.start();
                }
                startChoosers();
                long period = Math.max(1000, config.serverTimeout().toMillis() / 2);
                shrinkTask = io.group().scheduleAtFixedRate(() -> {
                    for (RemotePool p : poolsSnapshot()) {
                        p.shrink();
                    }
                }, period, period, TimeUnit.MILLISECONDS);
            }
        });
        return started;
    }

    /**
     * Applies {@code next} by difference (see {@link dev.gt.core.GtClient#reconfigure}). When the
     * hello, the pool sizes and the handler services are unchanged, tunnels stay and only new
     * streams see the new local targets and timeouts; servers added or removed get or lose their
     * pool. Otherwise every pool is replaced: the old tunnels get GOAWAY and finish their streams
     * within the drain timeout while new ones connect with the new hello.
     *
     * @throws IllegalArgumentException naming every setting that cannot change live
     * @throws IllegalStateException when the client is not running
     */
    public synchronized Applied reconfigure(GtClientConfig next) {
        if (!running || stopped != null) {
            throw new IllegalStateException("the client is not running (reconfigure() needs a started client)");
        }
        if (pools.isEmpty()) {
            throw new IllegalStateException("the client is still starting; reconfigure it once start() completed");
        }
        GtClientConfig prev = config;
        List<String> fixed = new ArrayList<>();
        fixedObject(fixed, "ioEngine", prev.ioEngine(), next.ioEngine());
        if (prev.workerThreads() != next.workerThreads()) {
            fixed.add("workerThreads cannot change while the client runs (" + prev.workerThreads() + " -> "
                    + next.workerThreads() + ")");
        }
        fixedObject(fixed, "eventListener", prev.eventListener(), next.eventListener());
        fixedObject(fixed, "eventListenerFactory", prev.eventListenerFactory(), next.eventListenerFactory());
        fixedObject(fixed, "metricsRecorder", prev.metricsRecorder(), next.metricsRecorder());
        fixedObject(fixed, "trustManager", prev.trustManager(), next.trustManager());
        fixedObject(fixed, "publicAddressProbe", prev.publicAddressProbe(), next.publicAddressProbe());
        if (!java.util.Objects.equals(prev.trustedCertificates(), next.trustedCertificates())
                || prev.trustAnyCertificate() != next.trustAnyCertificate()
                || !java.util.Objects.equals(prev.pinnedCertificateSha256(), next.pinnedCertificateSha256())) {
            fixed.add("the server certificate checks (trustedCertificates, trustAnyCertificate, "
                    + "pinnedCertificateSha256) cannot change while the client runs");
        }
        if (!fixed.isEmpty()) {
            throw new IllegalArgumentException(String.join("; ", fixed) + " (restart the client to change "
                    + (fixed.size() == 1 ? "it" : "them") + "; nothing was applied)");
        }
        for (RemoteUrl r : next.servers()) {
            transport(r.scheme());
        }
        Hello nextHello = hello(next);
        boolean sameHandlers = sameHandlers(prev.services(), next.services());
        boolean keepTunnels = sameHandlers && nextHello.equals(hello) && prev.maxTunnels() == next.maxTunnels()
                && prev.idleTunnels() == next.idleTunnels();
        java.util.Map<String, String> letGo = new java.util.LinkedHashMap<>();
        List<RemotePool> retiring = new ArrayList<>();
        List<RemotePool> kept = new ArrayList<>();
        LocalDialer nextDialer = dialer;
        if (sameHandlers) {
            dialer.retarget(next.services());
        } else {
            nextDialer = new LocalDialer(io, next.services());
        }
        for (RemotePool p : pools) {
            RemoteUrl r = p.configuredRemote();
            boolean stillWanted = r != null ? next.servers().contains(r)
                    : java.util.Objects.equals(prev.serverLookupUrl(), next.serverLookupUrl());
            if (stillWanted && keepTunnels) {
                p.update(next, nextDialer);
                kept.add(p);
            } else {
                letGo.put(p.name(), stillWanted ? "the hello (id, secret or services) or the tunnel pool changed"
                        : "server removed");
                retiring.add(p);
            }
        }
        List<RemotePool> fresh = new ArrayList<>();
        if (next.serverLookupUrl() != null && kept.stream().noneMatch(p -> p.configuredRemote() == null)) {
            fresh.add(new RemotePool(this, null, new RemoteApi(next.serverLookupUrl(), next.serverTimeout()), next,
                    nextHello, nextDialer));
        }
        for (RemoteUrl r : next.servers()) {
            if (kept.stream().noneMatch(p -> r.equals(p.configuredRemote()))) {
                RemotePool p = new RemotePool(this, r, null, next, nextHello, nextDialer);
                p.replacing = retiring.stream().anyMatch(o -> r.equals(o.configuredRemote()));
                fresh.add(p);
            }
        }
        config = next;
        if (!nextHello.equals(hello)) {
            registered = new ClientState.RegisteredService[next.services().size()];
        }
        hello = nextHello;
        pools.removeAll(retiring);
        pools.addAll(fresh);
        if (!retiring.isEmpty() || !fresh.isEmpty()) {
            // The paths to choose between changed: choosers measure the pools there are now.
            for (PathChooser c : choosers) {
                c.stop();
            }
            choosers.clear();
            startChoosers();
        }
        LocalDialer oldDialer = dialer;
        dialer = nextDialer;
        retire(retiring, oldDialer != nextDialer ? oldDialer : null);
        if (nextDialer != oldDialer) {
            LocalDialer d = nextDialer;
            d.start("gt-client-" + Integer.toHexString(System.identityHashCode(d))).whenComplete((v, e) -> {
                if (e != null) {
                    log.error("GT client '{}': cannot start the in-process services of the new configuration: {}",
                            next.id(), describe(e));
                    return;
                }
                synchronized (this) {
                    if (stopped == null) {
                        fresh.forEach(RemotePool::start);
                    }
                }
            });
        } else {
            fresh.forEach(RemotePool::start);
        }
        return new Applied(prev, letGo);
    }

    /**
     * What {@link #reconfigure} did.
     *
     * @param previous the configuration it replaced
     * @param letGo servers whose tunnels are drained and replaced or closed, with the reason
     */
    public record Applied(GtClientConfig previous, java.util.Map<String, String> letGo) { }

    private static void fixedObject(List<String> out, String setting, Object before, Object after) {
        if (before != after) {
            out.add(setting + " cannot change while the client runs (pass the running one, e.g. through "
                    + "client.config().toBuilder())");
        }
    }

    /** Whether every position holds the same handler object, or none, in both lists. */
    private static boolean sameHandlers(List<ServiceSpec> a, List<ServiceSpec> b) {
        for (int i = 0; i < Math.max(a.size(), b.size()); i++) {
            Object x = i < a.size() ? a.get(i).handler() : null;
            Object y = i < b.size() ? b.get(i).handler() : null;
            if (x != y) {
                return false;
            }
        }
        return true;
    }

    /** Stops pools: GOAWAY now, open streams may finish within the drain timeout, then close. */
    private void retire(List<RemotePool> retiring, LocalDialer oldDialer) {
        if (retiring.isEmpty()) {
            if (oldDialer != null) {
                oldDialer.close();
            }
            return;
        }
        List<ClientTunnel> open = new ArrayList<>();
        for (RemotePool p : retiring) {
            open.addAll(p.stop());
        }
        List<dev.gt.core.internal.mux.MuxTunnel> muxes = new ArrayList<>();
        for (ClientTunnel t : open) {
            muxes.add(t.mux);
        }
        dev.gt.core.internal.mux.Drain.streams(io.group().next(), muxes, config.drainTimeout()).thenRun(() -> {
            for (ClientTunnel t : open) {
                t.mux.resetStreams(GtErrorCode.GOING_AWAY, "client reconfigured");
                t.close(GtErrorCode.GOING_AWAY, "client reconfigured", null);
            }
            if (oldDialer != null) {
                oldDialer.close();
            }
        });
    }

    /**
     * The tunnel transport for {@code scheme}, set up on first use (a client asking a server lookup
     * API learns its server's scheme late) and kept until the client stops.
     *
     * @throws IllegalArgumentException when no transport serves the scheme or it cannot be set up
     */
    TunnelTransport transport(String scheme) {
        // Its own lock, not the runtime's: a pool dials with its own lock held, and stop() takes the
        // runtime's lock and then each pool's (the two orders deadlocked a start timeout in
        // LifecycleTest).
        synchronized (transports) {
            return transportLocked(scheme);
        }
    }

    private TunnelTransport transportLocked(String scheme) {
        TunnelTransport t = transports.get(scheme);
        if (t != null) {
            return t;
        }
        TlsContexts.Trust trust = config.trustManager() != null ? TlsContexts.Trust.SYSTEM
                : config.pinnedCertificateSha256() != null ? TlsContexts.Trust.FINGERPRINT
                : config.trustedCertificates() != null ? TlsContexts.Trust.CA_FILE
                : config.trustAnyCertificate() ? TlsContexts.Trust.INSECURE : TlsContexts.Trust.SYSTEM;
        X509TrustManager trustManager = config.trustManager() != null ? config.trustManager()
                : TlsContexts.trustManager(trust, config.trustedCertificates(), config.pinnedCertificateSha256());
        t = TunnelTransports.forScheme(scheme).create(new TunnelTransportSettings(io, trustManager,
                TlsContexts.verifiesHostname(trust), TlsVersion.TLS1_2.protocols(), null, List.of(),
                config.congestionControl()));
        transports.put(scheme, t);
        if (!scheme.equals("tcp")) {
            log.info("{}:// tunnels use {}; server certificates are checked against {}", scheme, t.description(),
                    config.trustManager() != null ? "the trust manager given to the builder"
                    : trust == TlsContexts.Trust.FINGERPRINT ? "the pinned SHA-256 fingerprint"
                    : trust == TlsContexts.Trust.CA_FILE ? "the CA file " + config.trustedCertificates()
                    : trust == TlsContexts.Trust.INSECURE ? "nothing (trustAnyCertificate)" : "the system trust store");
        }
        return t;
    }

    /**
     * A chooser for each host reached over several -remote URLs (tcp:// and quic://): it measures
     * the paths and tells the server which tunnels new streams should take.
     */
    private void startChoosers() {
        if (config.pathProbeInterval().isZero()) {
            return;
        }
        Map<String, List<RemotePool>> byHost = new java.util.LinkedHashMap<>();
        for (RemotePool p : pools) {
            RemoteUrl r = p.remote;
            if (r != null && p.isFixed()) {
                byHost.computeIfAbsent(r.host().toLowerCase(java.util.Locale.ROOT), h -> new ArrayList<>()).add(p);
            }
        }
        for (Map.Entry<String, List<RemotePool>> e : byHost.entrySet()) {
            if (e.getValue().size() < 2) {
                continue;
            }
            PathChooser c = new PathChooser(this, e.getKey(), e.getValue(), config.pathProbeInterval(), io.group().next());
            choosers.add(c);
            c.start();
        }
    }

    private synchronized List<RemotePool> poolsSnapshot() {
        return new ArrayList<>(pools);
    }

    boolean isStarted() {
        return started != null && started.isDone();
    }

    /** A connection attempt failed: remembered, so that a start that times out can say why. */
    void attemptFailed(Throwable cause) {
        lastFailure = cause;
    }

    private void startTimedOut() {
        if (started.isDone()) {
            return;
        }
        Throwable last = lastFailure;
        GtException e = last instanceof GtException ? (GtException) last
                : new GtException(GtErrorCode.SERVER_UNREACHABLE, "no tunnel was ready within "
                        + dev.gt.core.internal.Durations.format(config.startTimeout())
                        + (last == null ? "" : "; last attempt: " + describe(last)), last);
        log.error("GT client '{}' gave up starting after {}: {}", config.id(),
                dev.gt.core.internal.Durations.format(config.startTimeout()), e.getMessage());
        started.completeExceptionally(e);
        stop();
    }

    /** A short reason for a failed connection attempt, without the stack of wrappers around it. */
    static String describe(Throwable t) {
        Throwable c = t;
        while (c.getCause() != null && c.getCause() != c && !(c instanceof GtException)) {
            c = c.getCause();
        }
        return c.getMessage() != null ? c.getMessage() : c.getClass().getSimpleName();
    }

    CompletableFuture<InetAddress> resolve(String host) {
        byte[] literal = NetUtil.createByteArrayFromIpAddressString(host);
        if (literal != null) {
            try {
                return CompletableFuture.completedFuture(InetAddress.getByAddress(host, literal));
            } catch (UnknownHostException e) {
                return CompletableFuture.failedFuture(e);
            }
        }
        return CompletableFuture.supplyAsync(() -> {
            try {
                return InetAddress.getByName(host);
            } catch (UnknownHostException e) {
                throw new GtException(GtErrorCode.SERVER_UNREACHABLE, "cannot resolve the server name '" + host
                        + "'", e);
            }
        }, resolver());
    }

    private ExecutorService resolver() {
        // Not the runtime's lock: pools resolve with their own lock held (see transport()).
        synchronized (resolverLock) {
            if (resolver == null) {
                resolver = Executors.newCachedThreadPool(new DefaultThreadFactory("gt-client-resolver", true));
            }
            return resolver;
        }
    }

    void onTunnelReady(RemotePool pool, ClientTunnel t, List<ClientTunnel.Registered> announced) {
        ClientState.RegisteredService[] registered = this.registered;
        // A pool of a configuration replaced meanwhile announces services the client no longer has.
        boolean current = pool.hello == hello;
        for (ClientTunnel.Registered r : announced) {
            if (!current) {
                break;
            }
            ServiceSpec spec = pool.config().services().get(r.index());
            ClientState.RegisteredService now = new ClientState.RegisteredService(r.index(), spec, r.host(), r.tcpPort());
            boolean changed;
            synchronized (registered) {
                changed = !now.equals(registered[r.index()]);
                registered[r.index()] = now;
            }
            if (changed) {
                String local = spec.localUrl() != null ? spec.localUrl().toString() : "handler";
                if (spec.kind() == ServiceKind.TCP ? r.tcpPort() == 0 : r.host() == null) {
                    // The server answered without a route (an -authAPI that did not grant the host prefix).
                    log.warn("service {} ({}) is not routed: the server did not accept its {}; visitors cannot "
                            + "reach it (check the server's log and -authAPI)", r.index(), local,
                            spec.kind() == ServiceKind.TCP ? "tcp port" : spec.hostPrefix() != null
                                    ? "host prefix '" + spec.hostPrefix() + "'" : "host prefix");
                } else if (spec.kind() == ServiceKind.TCP) {
                    log.info("service {} ({}) is reachable on server port {} (tcp port={})", r.index(), local,
                            r.tcpPort(), r.tcpPort());
                } else {
                    log.info("service {} ({}) is reachable as host prefix '{}'", r.index(), local, r.host());
                }
                String remote = pool.name();
                events.dispatch(l -> l.serviceRegistered(remote, r.index(), spec, r.host(), r.tcpPort()));
            }
        }
        String remote = pool.name();
        java.net.SocketAddress server = t.peer();
        events.dispatch(l -> l.tunnelConnected(remote, t.slot, server));
        if (started.complete(null) && startDeadline != null) {
            startDeadline.cancel(false);
        }
    }

    /**
     * Whether a refusal needs a configuration change: retrying it only costs the server work and,
     * for a wrong secret, gets this address banned.
     */
    static boolean isPermanent(GtErrorCode code) {
        return code == GtErrorCode.INVALID_ID_OR_SECRET || !code.isRetryable();
    }

    void onRejected(RemotePool pool, ClientTunnel t, GtErrorCode code, String message) {
        boolean giveUp = isPermanent(code) && !config.keepRetryingAfterRefusal();
        String hint = giveUp ? "stopping: this needs a configuration change on the client or the server"
                : code == GtErrorCode.BANNED ? "will retry after a while; check the client id and secret"
                : code == GtErrorCode.INVALID_ID_OR_SECRET ? "will retry with backoff; check the client id and secret, repeated "
                        + "failures get this address banned by the server"
                : code.isRetryable() ? "will retry with backoff"
                : "will retry with backoff, but this needs a configuration change on the client or the server";
        log.error("server {} rejected tunnel {}: {} (code {}): {} ({})", pool.name(), t.slot, code.description(),
                code.code(), message, hint);
        String remote = pool.name();
        events.dispatch(l -> l.handshakeRejected(remote, t.slot, code, message));
        GtException e = new GtException(code, message);
        lastFailure = e;
        // An extra tunnel over the server's -connections says nothing about the client as a whole
        // while another of its tunnels is up or on its way.
        if (code != GtErrorCode.MAX_CONNECTIONS || !pool.hasOtherTunnel(t.slot)) {
            started.completeExceptionally(e);
        }
        if (giveUp) {
            stop();
        }
    }

    /** Whether the calling thread is one of this client's event loops (where blocking deadlocks). */
    public boolean inEventLoop() {
        return events.onDispatcherThread() || ioInEventLoop(io);
    }

    static boolean ioInEventLoop(IoEngine io) {
        if (io == null) {
            return false;
        }
        for (io.netty.util.concurrent.EventExecutor e : io.group()) {
            if (e.inEventLoop()) {
                return true;
            }
        }
        return false;
    }

    /** Completes when the client has stopped, by {@link #stop()} or because it gave up. */
    public CompletableFuture<Void> whenStopped() {
        return terminated.copy();
    }

    /** Asks the public-address probe again; a failure keeps the last answer and is logged once. */
    private void probePublicAddress() {
        CompletableFuture<java.net.InetSocketAddress> answer;
        try {
            answer = config.publicAddressProbe().get();
        } catch (RuntimeException e) {
            log.warn("GT client '{}': the public address probe failed: {}", config.id(), e.toString());
            return;
        }
        answer.whenComplete((address, failure) -> {
            if (failure != null) {
                log.warn("GT client '{}': cannot learn its public address: {}", config.id(), describe(failure));
            } else if (address != null && !address.equals(publicAddress)) {
                log.info("GT client '{}': public address {}", config.id(), address);
                publicAddress = address;
            }
        });
    }

    /** The server offered STUN/TURN servers for peer-to-peer connections. */
    void onIceServers(List<dev.gt.api.IceServer> servers) {
        iceServers = List.copyOf(servers);
        // URLs only: the credentials are secrets.
        log.info("GT client '{}': peer-to-peer servers from the server: {}", config.id(),
                servers.stream().flatMap(s -> s.urls().stream()).collect(java.util.stream.Collectors.joining(", ")));
    }

    /** Feeds the metrics recorder: the bytes through each server since the last tick. */
    private void reportTraffic() {
        for (RemotePool p : poolsSnapshot()) {
            long[] d = p.traffic.takeDelta();
            if (d[0] != 0 || d[1] != 0) {
                events.recorder().recordBytes(p.name(), d[0], d[1]);
            }
        }
    }

    public ClientState state() {
        List<TunnelInfo> tunnels = new ArrayList<>();
        long from = 0;
        long to = 0;
        for (RemotePool p : poolsSnapshot()) {
            from += p.traffic.fromVisitorsTotal();
            to += p.traffic.toVisitorsTotal();
            for (ClientTunnel t : p.readyTunnels()) {
                tunnels.add(t.info(p.transportName(), io.name()));
            }
        }
        List<ClientState.RegisteredService> services = new ArrayList<>();
        ClientState.RegisteredService[] registered = this.registered;
        synchronized (registered) {
            for (ClientState.RegisteredService r : registered) {
                if (r != null) {
                    services.add(r);
                }
            }
        }
        List<dev.gt.api.PathInfo> paths = new ArrayList<>();
        List<String> reasons = new ArrayList<>();
        for (PathChooser c : choosers) {
            paths.addAll(c.info());
            if (c.reason() != null) {
                reasons.add(c.reason());
            }
        }
        return new ClientState(running, tunnels, services, from, to, events.droppedEvents(), publicAddress,
                iceServers, paths, reasons.isEmpty() ? null : String.join("; ", reasons));
    }

    /**
     * Stops reconnecting, asks the server to open no more streams, lets open streams finish within
     * the drain timeout, resets the rest, closes the tunnels and the event loops. Idempotent.
     */
    public synchronized CompletableFuture<Void> stop() {
        if (stopped != null) {
            return stopped;
        }
        stopped = new CompletableFuture<>();
        running = false;
        if (started != null && !started.isDone()) {
            started.completeExceptionally(new IllegalStateException("the client was stopped before it connected"));
        }
        if (io == null) {
            stopped.complete(null);
            terminated.complete(null);
            return stopped;
        }
        if (shrinkTask != null) {
            shrinkTask.cancel(false);
        }
        if (startDeadline != null) {
            startDeadline.cancel(false);
        }
        if (probeTask != null) {
            probeTask.cancel(false);
        }
        List<ClientTunnel> open = new ArrayList<>();
        for (PathChooser c : choosers) {
            c.stop();
        }
        for (RemotePool p : pools) {
            open.addAll(p.stop());
        }
        List<dev.gt.core.internal.mux.MuxTunnel> muxes = new ArrayList<>();
        for (ClientTunnel t : open) {
            muxes.add(t.mux);
        }
        dev.gt.core.internal.mux.Drain.streams(io.group().next(), muxes, config.drainTimeout()).thenCompose(drained -> {
            if (!drained) {
                log.info("GT client '{}': streams still open after the drain timeout of {}; resetting them",
                        config.id(), config.drainTimeout());
            }
            for (ClientTunnel t : open) {
                t.mux.resetStreams(GtErrorCode.GOING_AWAY, "client shutting down");
                t.close(GtErrorCode.GOING_AWAY, "client shutting down", null);
            }
            CompletableFuture<Void> later = new CompletableFuture<>();
            // Let GOAWAY and RESET frames leave before the loops go.
            io.group().schedule(() -> later.complete(null), open.isEmpty() ? 0 : 50, TimeUnit.MILLISECONDS);
            return later;
        }).thenCompose(v -> io.shutdown()).whenComplete((v, e) -> {
            if (dialer != null) {
                dialer.close();
            }
            synchronized (resolverLock) {
                if (resolver != null) {
                    resolver.shutdownNow();
                }
            }
            synchronized (transports) {
                for (TunnelTransport t : transports.values()) {
                    t.close();
                }
            }
            log.info("GT client '{}' stopped", config.id());
            events.close();
            stopped.complete(null);
            terminated.complete(null);
        });
        return stopped;
    }
}

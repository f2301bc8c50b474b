package dev.gt.core.internal.client;

import dev.gt.api.ClientState;
import dev.gt.api.GtErrorCode;
import dev.gt.api.GtEvent;
import dev.gt.api.GtException;
import dev.gt.api.ServiceKind;
import dev.gt.api.ServiceSpec;
import dev.gt.api.TunnelInfo;
import dev.gt.api.spi.IoTransport;
import dev.gt.api.spi.TransportProvider;
import dev.gt.core.GtClientConfig;
import dev.gt.core.RemoteUrl;
import dev.gt.core.TlsVersion;
import dev.gt.core.internal.Transports;
import dev.gt.core.internal.tls.TlsContexts;
import io.netty.handler.ssl.SslContext;
import dev.gt.core.internal.proto.Hello;
import dev.gt.core.internal.proto.Protocol;
import io.netty.util.NetUtil;
import io.netty.util.concurrent.DefaultThreadFactory;
import io.netty.util.concurrent.ScheduledFuture;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The machinery behind {@link dev.gt.core.GtClient}. */
public final class ClientRuntime {
    private static final Logger log = LoggerFactory.getLogger(ClientRuntime.class);

    final GtClientConfig config;
    private final Hello hello;
    IoTransport io;
    LocalDialer dialer;
    /** The client TLS context for tls:// remotes, or {@code null} when none is used. */
    SslContext sslContext;
    private final List<RemotePool> pools = new ArrayList<>();
    private final ClientState.RegisteredService[] registered;
    private ExecutorService resolver;
    private ScheduledFuture<?> shrinkTask;
    private CompletableFuture<Void> started;
    private CompletableFuture<Void> stopped;
    private volatile boolean running;

    public ClientRuntime(GtClientConfig config) {
        this.config = config;
        List<Hello.Service> services = new ArrayList<>();
        for (ServiceSpec s : config.services()) {
            int kind = s.kind() == ServiceKind.HTTP ? Protocol.KIND_HTTP
                    : s.kind() == ServiceKind.HTTPS ? Protocol.KIND_HTTPS : Protocol.KIND_TCP;
            services.add(new Hello.Service(kind, s.hostPrefix(), s.remoteTcpPort(), s.remoteTcpRandom()));
        }
        this.hello = new Hello(config.id(), config.secret(), Protocol.DEFAULT_WINDOW, services);
        this.registered = new ClientState.RegisteredService[services.size()];
    }

    Hello hello() {
        return hello;
    }

    public synchronized CompletableFuture<Void> start() {
        if (started != null) {
            return started;
        }
        started = new CompletableFuture<>();
        if (stopped != null) {
            started.completeExceptionally(new IllegalStateException("the client was stopped"));
            return started;
        }
        try {
            TransportProvider provider = Transports.select(config.transport());
            io = provider.create(config.workerThreads(), "gt-client");
        } catch (RuntimeException e) {
            started.completeExceptionally(e);
            return started;
        }
        try {
            sslContext = tlsContext();
        } catch (RuntimeException | javax.net.ssl.SSLException e) {
            io.shutdown();
            started.completeExceptionally(new IllegalArgumentException("cannot set up TLS for the tls:// remote: "
                    + e.getMessage(), e));
            return started;
        }
        log.info("GT client '{}' using the {} transport; {} service{}, server{} {}", config.id(), io.name(),
                config.services().size(), config.services().size() == 1 ? "" : "s",
                config.remotes().size() > 1 ? "s" : "",
                config.remoteApi() != null ? "from the -remoteAPI at " + config.remoteApi().getHost()
                        : config.remotes());
        running = true;
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
                if (config.remoteApi() != null) {
                    RemotePool p = new RemotePool(this, null, new RemoteApi(config.remoteApi(), config.remoteTimeout()));
                    pools.add(p);
                    p.start();
                }
                for (RemoteUrl r : config.remotes()) {
                    RemotePool p = new RemotePool(this, r, null);
                    pools.add(p);
                    p.start();
                }
                long period = Math.max(1000, config.remoteTimeout().toMillis() / 2);
                shrinkTask = io.group().scheduleAtFixedRate(() -> {
                    for (RemotePool p : poolsSnapshot()) {
                        p.shrink();
                    }
                }, period, period, TimeUnit.MILLISECONDS);
            }
        });
        return started;
    }

    private SslContext tlsContext() throws javax.net.ssl.SSLException {
        // The remote API may answer with a tls:// address, so a client asking it is ready for TLS.
        boolean tls = config.remoteApi() != null || config.remotes().stream().anyMatch(RemoteUrl::isTls);
        if (!tls) {
            return null;
        }
        if (config.sslContext() != null) {
            return config.sslContext();
        }
        TlsContexts.Trust trust = config.remoteCertFingerprint() != null ? TlsContexts.Trust.FINGERPRINT
                : config.remoteCert() != null ? TlsContexts.Trust.CA_FILE
                : config.remoteCertInsecure() ? TlsContexts.Trust.INSECURE : TlsContexts.Trust.SYSTEM;
        log.info("tls:// tunnels use {} TLS; server certificates are checked against {}", TlsContexts.providerName(),
                trust == TlsContexts.Trust.FINGERPRINT ? "the pinned SHA-256 fingerprint"
                : trust == TlsContexts.Trust.CA_FILE ? "the CA file " + config.remoteCert()
                : trust == TlsContexts.Trust.INSECURE ? "nothing (-remoteCertInsecure)" : "the system trust store");
        return TlsContexts.client(trust, config.remoteCert(), config.remoteCertFingerprint(), TlsVersion.TLS1_2);
    }

    private synchronized List<RemotePool> poolsSnapshot() {
        return new ArrayList<>(pools);
    }

    boolean isStarted() {
        return started != null && started.isDone();
    }

    void firstAttemptFailed(Throwable cause) {
        // Not a failure of start(): the client keeps trying; the log and events say what happened.
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
                throw new GtException(GtErrorCode.INTERNAL_ERROR, "cannot resolve " + host, e);
            }
        }, resolver());
    }

    private synchronized ExecutorService resolver() {
        if (resolver == null) {
            resolver = Executors.newCachedThreadPool(new DefaultThreadFactory("gt-client-resolver", true));
        }
        return resolver;
    }

    void onTunnelReady(RemotePool pool, ClientTunnel t, List<ClientTunnel.Registered> announced) {
        for (ClientTunnel.Registered r : announced) {
            ServiceSpec spec = config.services().get(r.index());
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
                fire(new GtEvent.ServiceRegistered(pool.name(), r.index(), spec, r.host(), r.tcpPort()));
            }
        }
        fire(new GtEvent.TunnelConnected(pool.name(), t.slot, t.channel().remoteAddress()));
        started.complete(null);
    }

    void onRejected(RemotePool pool, ClientTunnel t, GtErrorCode code, String message) {
        String hint = code == GtErrorCode.BANNED ? "will retry after a while; check -id and -secret"
                : code == GtErrorCode.INVALID_ID_OR_SECRET ? "will retry with backoff; check -id and -secret, repeated "
                        + "failures get this address banned by the server"
                : code.isRetryable() ? "will retry with backoff"
                : "will retry with backoff, but this needs a configuration change on the client or the server";
        log.error("server {} rejected tunnel {}: {} (code {}): {} ({})", pool.name(), t.slot, code.description(),
                code.code(), message, hint);
        fire(new GtEvent.HandshakeRejected(pool.name(), t.slot, code, message));
        // An extra tunnel over the server's -connections says nothing about the client as a whole
        // while another of its tunnels is up or on its way.
        if (code != GtErrorCode.MAX_CONNECTIONS || !pool.hasOtherTunnel(t.slot)) {
            started.completeExceptionally(new GtException(code, message));
        }
    }

    void fire(GtEvent event) {
        try {
            config.eventListener().onEvent(event);
        } catch (RuntimeException e) {
            log.warn("event listener failed on {}: {}", event, e.toString());
        }
    }

    public ClientState state() {
        List<TunnelInfo> tunnels = new ArrayList<>();
        for (RemotePool p : poolsSnapshot()) {
            for (ClientTunnel t : p.readyTunnels()) {
                tunnels.add(new TunnelInfo(p.name(), t.slot, t.channel().remoteAddress(), t.streamCount(),
                        t.rtt(), io.name()));
            }
        }
        List<ClientState.RegisteredService> services = new ArrayList<>();
        synchronized (registered) {
            for (ClientState.RegisteredService r : registered) {
                if (r != null) {
                    services.add(r);
                }
            }
        }
        return new ClientState(running, tunnels, services);
    }

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
            return stopped;
        }
        if (shrinkTask != null) {
            shrinkTask.cancel(false);
        }
        for (RemotePool p : pools) {
            p.stop();
        }
        // Let GOAWAY frames leave before the loops go.
        io.group().schedule(() -> { }, 50, TimeUnit.MILLISECONDS).addListener(f -> io.shutdown().whenComplete((v, e) -> {
            dialer.close();
            synchronized (this) {
                if (resolver != null) {
                    resolver.shutdownNow();
                }
            }
            log.info("GT client '{}' stopped", config.id());
            stopped.complete(null);
        }));
        return stopped;
    }
}

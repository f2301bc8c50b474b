package dev.gt.core.internal.client;

import dev.gt.api.GtErrorCode;
import dev.gt.api.GtEvent;
import dev.gt.api.GtException;
import dev.gt.core.RemoteUrl;
import dev.gt.api.spi.TunnelDialRequest;
import dev.gt.api.spi.TunnelTransport;
import dev.gt.core.internal.proto.FrameDecoder;
import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.WriteBufferWaterMark;
import io.netty.handler.ssl.SslHandler;
import io.netty.util.concurrent.ScheduledFuture;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The tunnels to one server: {@code remoteIdleConnections} slots are kept connected, more are
 * opened (up to {@code remoteConnections}) while every tunnel is busy, and surplus idle ones are
 * retired. Each active slot reconnects forever after {@code reconnectDelay} plus jitter.
 */
final class RemotePool {
    private static final Logger log = LoggerFactory.getLogger(RemotePool.class);
    /** A tunnel with this many streams counts as busy (GT's rule). */
    private static final int BUSY_STREAMS = 3;
    private static final long RETIRE_IDLE_NANOS = TimeUnit.SECONDS.toNanos(30);
    /** Retry delay of a hello refused while a predecessor pool's GOAWAY was on its way. */
    private static final long QUICK_RETRY_MILLIS = 20;
    private static final WriteBufferWaterMark WATER_MARK = new WriteBufferWaterMark(256 * 1024, 1024 * 1024);

    final ClientRuntime runtime;
    /** The hello this pool's tunnels send: fixed for the pool's life (a new one means a new pool). */
    final dev.gt.core.internal.proto.Hello hello;
    /** The configuration in force for this pool (services' local targets may change live). */
    private volatile dev.gt.core.GtClientConfig config;
    private volatile LocalDialer dialer;
    /**
     * While set, a predecessor pool to the same server is draining: the server may still hold the
     * old service list for a moment, and its refusal (error 7) is retried at once, not backed off.
     */
    volatile boolean replacing;
    /** The server; with -remoteAPI, the address it gave last ({@code null} before its first answer). */
    volatile RemoteUrl remote;
    private final RemoteApi api;
    /** Bytes of every stream through this server, for snapshots and the metrics recorder. */
    final dev.gt.core.internal.events.Traffic traffic = new dev.gt.core.internal.events.Traffic();
    private final Slot[] slots;
    private boolean stopped;
    /**
     * How new streams should rank this server's tunnels (PRIORITY, 0 first), as the client's
     * choice of path decided; -1 before any choice (the server then treats all tunnels alike).
     */
    private volatile int rank = -1;

    private static final class Slot {
        final int index;
        boolean active;
        boolean connecting;
        ClientTunnel tunnel;
        ScheduledFuture<?> reconnect;
        int attempt;
        /** Handshake rejections in a row: each doubles the wait, up to 16 reconnect delays. */
        int rejections;
        /** The next reconnect follows at once (a refusal expected while a predecessor drains). */
        boolean quickRetry;
        long idleSince = System.nanoTime();

        Slot(int index) {
            this.index = index;
        }
    }

    RemotePool(ClientRuntime runtime, RemoteUrl remote, RemoteApi api, dev.gt.core.GtClientConfig config,
            dev.gt.core.internal.proto.Hello hello, LocalDialer dialer) {
        this.runtime = runtime;
        this.config = config;
        this.hello = hello;
        this.dialer = dialer;
        this.remote = remote;
        this.api = api;
        this.slots = new Slot[config.maxTunnels()];
        for (int i = 0; i < slots.length; i++) {
            slots[i] = new Slot(i);
        }
    }

    dev.gt.core.GtClientConfig config() {
        return config;
    }

    LocalDialer dialer() {
        return dialer;
    }

    /** A configuration whose hello, pool sizes and handlers equal this pool's (local targets may differ). */
    void update(dev.gt.core.GtClientConfig next, LocalDialer nextDialer) {
        this.config = next;
        this.dialer = nextDialer;
    }

    /** The server URL this pool connects to, or {@code null} for a pool that asks -remoteAPI. */
    RemoteUrl configuredRemote() {
        return api == null ? remote : null;
    }

    synchronized void start() {
        for (int i = 0; i < config.idleTunnels(); i++) {
            slots[i].active = true;
            connect(slots[i]);
        }
    }

    private void connect(Slot slot) {
        if (stopped || !slot.active || slot.connecting || slot.tunnel != null) {
            return;
        }
        slot.connecting = true;
        slot.reconnect = null;
        if (api == null) {
            resolveAndDial(slot, remote);
            return;
        }
        // GT asks the remote API again before every attempt: the server may have moved.
        api.serverAddress(config.id()).whenComplete((address, err) -> {
            if (err != null) {
                connectFailed(slot, err instanceof java.util.concurrent.CompletionException && err.getCause() != null
                        ? err.getCause() : err);
                return;
            }
            RemoteUrl r;
            try {
                r = RemoteUrl.parse(address);
            } catch (IllegalArgumentException e) {
                connectFailed(slot, e);
                return;
            }
            if (!r.toString().equals(String.valueOf(remote))) {
                log.info("the server lookup API gives the server address {}", r);
            }
            remote = r;
            resolveAndDial(slot, r);
        });
    }

    private void resolveAndDial(Slot slot, RemoteUrl r) {
        runtime.resolve(r.host()).whenComplete((addr, err) -> {
            if (err != null) {
                connectFailed(slot, err);
                return;
            }
            dial(slot, addr, r);
        });
    }

    /** The tunnel transport of the server's URL ({@code tcp}, {@code tls}). */
    String transportName() {
        RemoteUrl r = remote;
        return r == null ? "tcp" : r.scheme();
    }

    /** Whether the server's address is fixed (-remote), not asked from -remoteAPI. */
    boolean isFixed() {
        return api == null;
    }

    /** The server as logs and events name it. */
    String name() {
        RemoteUrl r = remote;
        return r != null ? r.toString() : "the server lookup API " + api;
    }

    private void dial(Slot slot, InetAddress addr, RemoteUrl remote) {
        TunnelTransport transport;
        try {
            transport = runtime.transport(remote.scheme());
        } catch (RuntimeException e) {
            connectFailed(slot, e);
            return;
        }
        if (!remote.scheme().equals("tcp") && config.trustAnyCertificate()) {
            log.warn("the certificate of {} is NOT checked (trustAnyCertificate): anyone on the path can read and "
                    + "change this tunnel; pin it with pinnedCertificateSha256 instead", remote);
        }
        Duration connectTimeout = Duration.ofMillis(Math.min(config.serverTimeout().toMillis(), 30_000));
        // A transport's own idle timeout (QUIC) only backs up the keepalive, which closes a silent
        // tunnel after -remoteTimeout with a clearer reason.
        Duration transportIdle = config.serverTimeout().plusSeconds(5);
        ClientTunnel[] made = new ClientTunnel[1];
        transport.dial(new TunnelDialRequest(remote.host(), remote.port(), addr, connectTimeout, transportIdle, ch -> {
            ch.config().setWriteBufferWaterMark(WATER_MARK);
            ClientTunnel t = new ClientTunnel(RemotePool.this, ch, slot.index);
            made[0] = t;
            synchronized (RemotePool.this) {
                slot.tunnel = t;
            }
            ch.pipeline().addLast("gt-frames", new FrameDecoder(t.mux, true));
            ch.pipeline().addLast("gt-tunnel", t.mux);
            ch.pipeline().addLast("gt-probe", t.writability);
        })).whenComplete((connection, failure) -> {
            if (failure != null) {
                connectFailed(slot, failure instanceof java.util.concurrent.CompletionException
                        && failure.getCause() != null ? failure.getCause() : failure);
                return;
            }
            if (made[0] != null) {
                made[0].connected(connection);
            }
            if (remote.isTls()) {
                // Only now: on a connection that never came about the handshake "fails" too, and
                // that is no certificate problem.
                logTlsFailure(connection.channel(), remote);
            }
        });
    }

    private static void logTlsFailure(Channel ch, RemoteUrl remote) {
        SslHandler tls = ch.pipeline().get(SslHandler.class);
        if (tls == null) {
            return;
        }
        tls.handshakeFuture().addListener(f -> {
            if (!f.isSuccess()) {
                Throwable c = f.cause();
                while (c.getCause() != null && c.getCause() != c) {
                    c = c.getCause();
                }
                log.error("TLS handshake with {} failed: {} (check trustedCertificates, pinnedCertificateSha256, "
                        + "the server name in the server's URL and the TLS version)", remote, c.getMessage());
            }
        });
    }

    private void connectFailed(Slot slot, Throwable cause) {
        synchronized (this) {
            slot.connecting = false;
            slot.tunnel = null;
        }
        GtException reason = unreachable(cause);
        log.warn("cannot connect to {}: {}", name(), cause instanceof GtException ? reason.detail()
                : ClientRuntime.describe(cause));
        runtime.attemptFailed(reason);
        String remote = name();
        runtime.events.dispatch(l -> l.tunnelDisconnected(remote, slot.index, reason));
        scheduleReconnect(slot);
    }

    /** {@code cause} as a failure to reach this server, unless it already is a {@link GtException}. */
    private GtException unreachable(Throwable cause) {
        return cause instanceof GtException ? (GtException) cause
                : new GtException(GtErrorCode.SERVER_UNREACHABLE, name() + ": " + ClientRuntime.describe(cause), cause);
    }

    private synchronized void scheduleReconnect(Slot slot) {
        if (stopped || !slot.active || slot.reconnect != null) {
            return;
        }
        if (slot.quickRetry) {
            slot.quickRetry = false;
            slot.reconnect = runtime.io.group().schedule(() -> {
                synchronized (RemotePool.this) {
                    slot.reconnect = null;
                    connect(slot);
                }
            }, QUICK_RETRY_MILLIS, TimeUnit.MILLISECONDS);
            return;
        }
        slot.attempt++;
        Duration base = config.reconnectDelay();
        if (slot.rejections > 0) {
            base = base.multipliedBy(1L << Math.min(slot.rejections - 1, 4));
        }
        long jitter = base.toNanos() <= 0 ? 0 : ThreadLocalRandom.current().nextLong(base.toNanos() / 5 + 1);
        Duration delay = base.plusNanos(jitter);
        String remote = name();
        int attempt = slot.attempt;
        runtime.events.dispatch(l -> l.reconnectScheduled(remote, slot.index, delay, attempt));
        log.info("reconnecting tunnel {} to {} in {} ms (attempt {})", slot.index, name(), delay.toMillis(),
                slot.attempt);
        slot.reconnect = runtime.io.group().schedule(() -> {
            synchronized (RemotePool.this) {
                slot.reconnect = null;
                connect(slot);
            }
        }, delay.toNanos(), TimeUnit.NANOSECONDS);
    }

    void onReady(ClientTunnel t, List<ClientTunnel.Registered> registered) {
        Slot slot = slots[t.slot];
        replacing = false;
        synchronized (this) {
            slot.connecting = false;
            slot.attempt = 0;
            slot.rejections = 0;
            slot.idleSince = System.nanoTime();
        }
        log.info("tunnel {} to {} ready ({} via {})", t.slot, name(), t.peer(),
                runtime.io.name());
        int r = rank;
        if (r >= 0) {
            t.sendRank(r);
        }
        runtime.onTunnelReady(this, t, registered);
    }

    /** Whether a slot other than {@code except} has a tunnel (ready or still in its handshake). */
    synchronized boolean hasOtherTunnel(int except) {
        for (Slot s : slots) {
            if (s.index != except && (s.tunnel != null || s.connecting)) {
                return true;
            }
        }
        return false;
    }

    void onRejected(ClientTunnel t, GtErrorCode code, String message) {
        if (replacing && code == GtErrorCode.DIFFERENT_CONFIG) {
            // The old tunnels' GOAWAY and this hello crossed on their way to the server: try again now.
            log.debug("tunnel {} to {}: the server still holds the previous service list; retrying", t.slot, name());
            synchronized (this) {
                slots[t.slot].quickRetry = true;
            }
            return;
        }
        synchronized (this) {
            slots[t.slot].rejections++;
        }
        runtime.onRejected(this, t, code, message);
    }

    void onGoAway(ClientTunnel t) {
        // The tunnel drains and closes; onClosed then reconnects the slot.
    }

    void onClosed(ClientTunnel t, boolean wasReady, Throwable cause) {
        Slot slot = slots[t.slot];
        synchronized (this) {
            if (slot.tunnel == t) {
                slot.tunnel = null;
            }
            slot.connecting = false;
        }
        if (!wasReady) {
            // A connection that ended before its handshake (TLS refused, hello unanswered): the
            // reason a start that times out reports.
            runtime.attemptFailed(unreachable(cause));
        }
        if (wasReady) {
            // Not hearing from the server (-remoteTimeout) is a problem on the way; other closes are routine.
            boolean silent = cause instanceof GtException && ((GtException) cause).code() == GtErrorCode.TIMEOUT;
            if (silent) {
                log.warn("tunnel {} to {} dropped: {}; reconnecting", t.slot, name(), cause.getMessage());
            } else {
                log.info("tunnel {} to {} closed: {}", t.slot, name(), cause.getMessage());
            }
            String remote = name();
            runtime.events.dispatch(l -> l.tunnelDisconnected(remote, t.slot, cause));
            runtime.events.tunnelEnded(remote, t.slot);
        }
        scheduleReconnect(slot);
    }

    /** Opens one more tunnel when every ready one is busy. */
    synchronized void maybeGrow(ClientTunnel opening) {
        Slot free = null;
        for (Slot s : slots) {
            if (!s.active) {
                if (free == null) {
                    free = s;
                }
                continue;
            }
            if (s.connecting || s.reconnect != null) {
                return;
            }
            ClientTunnel t = s.tunnel;
            if (t != null && t.isReady() && !t.isGoingAway() && t.streamCount() < BUSY_STREAMS && t != opening) {
                return;
            }
        }
        if (free != null && opening.streamCount() >= BUSY_STREAMS) {
            free.active = true;
            log.debug("all tunnels to {} are busy; opening tunnel {}", name(), free.index);
            connect(free);
        }
    }

    /** Retires idle tunnels beyond {@code remoteIdleConnections}; called periodically. */
    synchronized void shrink() {
        long now = System.nanoTime();
        int idle = 0;
        for (Slot s : slots) {
            ClientTunnel t = s.tunnel;
            if (!s.active || t == null || !t.isReady()) {
                continue;
            }
            if (t.streamCount() > 0) {
                s.idleSince = now;
                continue;
            }
            idle++;
            if (idle > config.idleTunnels() && now - s.idleSince > RETIRE_IDLE_NANOS) {
                log.debug("retiring idle tunnel {} to {}", s.index, name());
                s.active = false;
                t.goAway(GtErrorCode.GOING_AWAY, "idle tunnel retired");
                idle--;
            }
        }
    }

    /** Ranks this server's tunnels for new streams (0 first), now and as they reconnect. */
    void rank(int r) {
        if (r == rank) {
            return;
        }
        rank = r;
        for (ClientTunnel t : readyTunnels()) {
            t.sendRank(r);
        }
    }

    synchronized List<ClientTunnel> readyTunnels() {
        List<ClientTunnel> r = new ArrayList<>();
        for (Slot s : slots) {
            if (s.tunnel != null && s.tunnel.isReady()) {
                r.add(s.tunnel);
            }
        }
        return r;
    }

    /**
     * Stops reconnecting and tells the server to open no more streams on the open tunnels, which
     * are returned for the caller to drain and close.
     */
    List<ClientTunnel> stop() {
        List<ClientTunnel> open = new ArrayList<>();
        synchronized (this) {
            stopped = true;
            for (Slot s : slots) {
                if (s.reconnect != null) {
                    s.reconnect.cancel(false);
                    s.reconnect = null;
                }
                if (s.tunnel != null) {
                    open.add(s.tunnel);
                }
            }
        }
        for (ClientTunnel t : open) {
            t.goAway(GtErrorCode.GOING_AWAY, "client shutting down");
        }
        return open;
    }
}

package dev.gt.core.internal.client;

import dev.gt.api.GtErrorCode;
import dev.gt.api.GtException;
import dev.gt.api.ServiceSpec;
import dev.gt.core.internal.http.HostRewriter;
import dev.gt.core.internal.mux.MuxTunnel;
import dev.gt.core.internal.relay.RelayHandler;
import dev.gt.core.internal.relay.StreamRelay;
import dev.gt.core.internal.proto.Protocol;
import dev.gt.core.internal.proto.ProtocolException;
import dev.gt.core.internal.Durations;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.util.concurrent.ScheduledFuture;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The client end of a tunnel: sends the hello, then dials a local service per OPEN. */
final class ClientTunnel implements MuxTunnel.Owner {
    private static final Logger log = LoggerFactory.getLogger(ClientTunnel.class);
    private static final int MAX_HEAD = 16 * 1024;
    /**
     * Streams the server may hold open on one tunnel: every one costs a local connection, so a
     * hostile or broken server must not be able to open them without end.
     */
    static final int MAX_STREAMS = 16_384;

    /** What the server announced for one service. */
    record Registered(int index, String host, int tcpPort) { }

    final RemotePool pool;
    final int slot;
    final MuxTunnel mux;
    private final Channel channel;
    private final List<Registered> registered = new ArrayList<>();
    private boolean ready;
    private int serverTunnelId;
    private ScheduledFuture<?> handshakeDeadline;

    ClientTunnel(RemotePool pool, Channel channel, int slot) {
        this.mux = new MuxTunnel(channel, Protocol.DEFAULT_WINDOW, Protocol.DEFAULT_WINDOW, System::nanoTime, this);
        this.channel = channel;
        this.pool = pool;
        this.slot = slot;
    }

    boolean isReady() {
        return ready;
    }

    Channel channel() {
        return channel;
    }

    int streamCount() {
        return mux.streamCount();
    }

    java.time.Duration rtt() {
        return mux.rtt();
    }

    boolean isGoingAway() {
        return mux.isGoingAway();
    }

    void goAway(GtErrorCode code, String message) {
        mux.goAway(code, message);
    }

    void close(GtErrorCode code, String message, Throwable cause) {
        mux.close(code, message, cause);
    }

    @Override
    public void onActive(MuxTunnel m) {
        channel.writeAndFlush(pool.hello.encode(channel.alloc()));
        long deadline = pool.config().serverTimeout().toMillis();
        handshakeDeadline = channel.eventLoop().schedule(() -> {
            if (!ready) {
                // Logged here: the pool logs the close of ready tunnels only.
                String why = "no answer to the hello within " + Durations.format(pool.config().serverTimeout())
                        + " (-remoteTimeout)";
                log.warn("tunnel {} to {}: {}; reconnecting", slot, pool.name(), why);
                close(GtErrorCode.TIMEOUT, why, null);
            }
        }, deadline, TimeUnit.MILLISECONDS);
    }

    @Override
    public void onService(int index, int kind, int tcpPort, String host) {
        if (ready) {
            throw new ProtocolException("SERVICE frame after READY");
        }
        if (index >= pool.config().services().size()) {
            throw new ProtocolException("SERVICE frame for service " + index + " (the client has "
                    + pool.config().services().size() + ")");
        }
        registered.add(new Registered(index, host, tcpPort));
    }

    @Override
    public void onReady(int window, long timeoutMillis, int tunnelId) {
        if (ready) {
            throw new ProtocolException("second READY frame");
        }
        if (window < Protocol.MIN_WINDOW || window > Protocol.MAX_WINDOW) {
            throw new ProtocolException("server window " + window + " (expected " + Protocol.MIN_WINDOW + " to "
                    + Protocol.MAX_WINDOW + ")");
        }
        mux.sendWindow(window);
        ready = true;
        serverTunnelId = tunnelId;
        if (handshakeDeadline != null) {
            handshakeDeadline.cancel(false);
        }
        Duration remoteTimeout = pool.config().serverTimeout();
        Duration ping = remoteTimeout.dividedBy(2);
        if (timeoutMillis > 0) {
            Duration third = Duration.ofMillis(timeoutMillis / 3);
            if (third.compareTo(ping) < 0) {
                ping = third;
            }
        }
        mux.startKeepalive(ping, remoteTimeout);
        Duration shortest = Duration.ZERO;
        for (ServiceSpec spec : pool.config().services()) {
            Duration t = spec.idleTimeout();
            if (!t.isZero() && (shortest.isZero() || t.compareTo(shortest) < 0)) {
                shortest = t;
            }
        }
        mux.startIdleSweeper(shortest);
        pool.onReady(this, registered);
    }

    @Override
    public void onError(int code, int serviceIndex, String message) {
        GtErrorCode c = GtErrorCode.orInternal(code);
        GtException e = new GtException(c, message);
        pool.onRejected(this, c, message);
        close(c, "rejected", e);
    }

    @Override
    public void onOpen(int id, int serviceIndex, byte[] visitorIp, int visitorPort) {
        if (!ready) {
            throw new ProtocolException("OPEN before READY");
        }
        if (id <= 0 || (id & 1) == 0) {
            throw new ProtocolException("OPEN with stream id " + id + " (expected an odd positive number)");
        }
        if (mux.hasStream(id)) {
            throw new ProtocolException("OPEN for stream " + id + ", which is open");
        }
        StreamRelay s = new StreamRelay(mux.loop());
        s.describe("service " + serviceIndex, null);
        s.countInto(pool.traffic, false);
        mux.newStream(id, s);
        if (mux.isGoingAway()) {
            // Our GOAWAY crossed this OPEN on the way: the client is stopping or retiring the tunnel.
            s.reset(GtErrorCode.STREAM_REFUSED, "the client is going away");
            return;
        }
        if (mux.streamCount() > MAX_STREAMS) {
            s.reset(GtErrorCode.STREAM_REFUSED, "the client holds " + MAX_STREAMS + " streams on this tunnel already");
            return;
        }
        List<ServiceSpec> services = pool.config().services();
        if (serviceIndex >= services.size()) {
            s.reset(GtErrorCode.NO_SUCH_SERVICE, "service " + serviceIndex + " (the client has " + services.size() + ")");
            return;
        }
        ServiceSpec spec = services.get(serviceIndex);
        s.idleLimitTicks(mux.ticks(spec.idleTimeout()));
        pool.maybeGrow(this);
        pool.dialer().dial(serviceIndex, mux.loop(), ch -> {
            if (spec.rewriteHostHeader()) {
                InetSocketAddress a = spec.localAddress();
                String hostPort = (a.getHostString().indexOf(':') >= 0 ? "[" + a.getHostString() + "]"
                        : a.getHostString()) + ":" + a.getPort();
                ch.pipeline().addLast("gt-host", new HostRewriter(hostPort, MAX_HEAD));
            }
            ch.pipeline().addLast("gt-relay", new RelayHandler(s));
        }, (ch, cause) -> {
            if (cause != null) {
                String target = spec.localUrl() != null ? spec.localUrl() : "in-process handler";
                log.warn("cannot connect to {} for a visitor: {}", target, ClientRuntime.describe(cause));
                s.reset(GtErrorCode.DIAL_FAILED, target + ": " + cause.getMessage());
                return;
            }
            if (s.isEnded()) {
                ch.close();
                return;
            }
            mux.writeControl(Protocol.accept(mux.alloc(), id));
            s.describe("service " + serviceIndex, ch.remoteAddress());
            s.attach(ch);
        });
    }

    @Override
    public void onIdleTimeout(MuxTunnel m, Duration idle) {
        close(GtErrorCode.TIMEOUT, "no data from the server for " + Durations.format(idle) + " (-remoteTimeout)",
                null);
    }

    @Override
    public String peerSideName() {
        return "local service";
    }

    @Override
    public String otherSideName() {
        return "server";
    }

    @Override
    public void onPeerGoAway(GtErrorCode code, String message) {
        log.info("server is retiring tunnel {} to {}: {}", slot, pool.name(), message);
        pool.onGoAway(this);
    }

    @Override
    public void onTunnelClosed(Throwable cause) {
        if (handshakeDeadline != null) {
            handshakeDeadline.cancel(false);
        }
        pool.onClosed(this, ready, cause);
    }

    @Override
    public void onIceServers(List<dev.gt.api.IceServer> servers) {
        if (!ready) {
            throw new ProtocolException("ICE_SERVERS before READY");
        }
        pool.runtime.onIceServers(servers);
    }

    @Override
    public void onStreamOpened(dev.gt.core.internal.mux.MuxStream s) {
        if (pool.runtime.events.enabled()) {
            dev.gt.api.StreamInfo info = streamInfo(s);
            pool.runtime.events.dispatchStream(info.owner(), slot, l -> l.streamOpened(info));
        }
    }

    @Override
    public void onStreamClosed(dev.gt.core.internal.mux.MuxStream s, Throwable cause) {
        if (pool.runtime.events.enabled()) {
            dev.gt.api.StreamInfo info = streamInfo(s);
            pool.runtime.events.dispatchStream(info.owner(), slot, l -> l.streamClosed(info, cause));
        }
    }

    private dev.gt.api.StreamInfo streamInfo(dev.gt.core.internal.mux.MuxStream s) {
        StreamRelay r = s.relay();
        return new dev.gt.api.StreamInfo(pool.name(), slot, s.id(), r.route(), r.peerAddress(), r.sentBytes(),
                r.deliveredBytes(), r.age());
    }

    /** A snapshot of this tunnel. */
    dev.gt.api.TunnelInfo info(String transport, String ioEngine) {
        java.util.List<dev.gt.api.StreamInfo> open = new java.util.ArrayList<>();
        for (dev.gt.core.internal.mux.MuxStream s : mux.liveStreams()) {
            open.add(streamInfo(s));
        }
        return new dev.gt.api.TunnelInfo(pool.name(), slot, channel.remoteAddress(), mux.streamCount(), mux.rtt(),
                transport, ioEngine, mux.age(), mux.bytesSent(), mux.bytesReceived(), open);
    }

    int serverTunnelId() {
        return serverTunnelId;
    }
}

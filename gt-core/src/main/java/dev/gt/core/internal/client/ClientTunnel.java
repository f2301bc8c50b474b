package dev.gt.core.internal.client;

import dev.gt.api.GtErrorCode;
import dev.gt.api.GtException;
import dev.gt.api.ServiceSpec;
import dev.gt.core.internal.http.HostRewriter;
import dev.gt.api.spi.TunnelConnection;
import dev.gt.core.internal.mux.CarriedStream;
import dev.gt.core.internal.mux.MuxTunnel;
import dev.gt.core.internal.mux.NativeStream;
import dev.gt.core.internal.relay.RelayHandler;
import dev.gt.core.internal.relay.StreamRelay;
import dev.gt.core.internal.proto.Protocol;
import dev.gt.core.internal.proto.ProtocolException;
import dev.gt.core.internal.Durations;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.util.concurrent.ScheduledFuture;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
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

    /**
     * A finished throughput probe: {@code bytes} reached the server in {@code nanos}; not
     * {@code complete} when the deadline passed first.
     */
    record ProbeResult(long bytes, long nanos, boolean complete) {
        long bytesPerSecond() {
            return nanos <= 0 ? 0 : (long) (bytes * 1e9 / nanos);
        }
    }

    /** Zeros that probe frames carry (read-only, never released: it is shared). */
    private static final ByteBuf PADDING = Unpooled.unreleasableBuffer(
            Unpooled.wrappedBuffer(java.nio.ByteBuffer.allocateDirect(Protocol.MAX_DATA_CHUNK)).asReadOnly());
    /** How far a probe may run ahead of the server's acknowledgements on a transport of its own flow control. */
    private static final int NATIVE_PROBE_WINDOW = 16 << 20;

    /** A probe in flight (on the tunnel's loop). */
    private static final class Probe {
        final int id;
        final long total;
        final long window;
        final long start = System.nanoTime();
        final CompletableFuture<ProbeResult> done;
        long sent;
        long acked;
        ScheduledFuture<?> deadline;

        Probe(int id, long total, long window, CompletableFuture<ProbeResult> done) {
            this.id = id;
            this.total = total;
            this.window = window;
            this.done = done;
        }
    }

    final RemotePool pool;
    final int slot;
    final MuxTunnel mux;
    private final Channel channel;
    private final List<Registered> registered = new ArrayList<>();
    private boolean ready;
    private int serverTunnelId;
    private ScheduledFuture<?> handshakeDeadline;
    /** The connection when its transport carries the streams itself (QUIC), else {@code null}. */
    private volatile TunnelConnection connection;
    /** The dial's connection, whatever its transport (for path statistics). */
    private volatile TunnelConnection dialed;
    private Probe probe;
    private int probeIds;
    /** Streams the server opened whose OPEN came before READY (on the tunnel's loop); see onNativeStream. */
    private List<Channel> beforeReady;
    /** More than a server opens in the moment its READY is on the way: the rest are refused. */
    private static final int MAX_STREAMS_BEFORE_READY = 256;

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

    /**
     * The dial completed with {@code c}: a transport with native streams hands the server's streams
     * to this tunnel from now on (one that arrives before READY waits for it).
     */
    void connected(TunnelConnection c) {
        dialed = c;
        if (c.hasNativeStreams()) {
            connection = c;
            c.acceptStreams(this::onNativeStream);
        }
    }

    /** The server's address: for a migrating connection (QUIC), where it is reached now. */
    java.net.SocketAddress peer() {
        TunnelConnection c = connection;
        return c != null ? c.remoteAddress() : channel.remoteAddress();
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
                        + " (serverTimeout)";
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
        mux.startLossWatch(connection);
        pool.onReady(this, registered);
        List<Channel> held = beforeReady;
        beforeReady = null;
        if (held != null) {
            held.forEach(this::onNativeStream);
        }
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
        checkOpen(id);
        openStream(id, serviceIndex, relay -> mux.newStream(id, relay), () -> mux.writeControl(Protocol.accept(mux.alloc(), id)));
    }

    /** A stream the server opened on a transport with native streams: its OPEN frame comes first. */
    private void onNativeStream(Channel ch) {
        if (!ready) {
            // The server opens streams once it has sent READY, but a transport's streams are not
            // ordered with one another (QUIC): a lost packet can hold READY back on the control
            // stream while an OPEN arrives on a stream of its own. Such a stream waits, unread (its
            // bytes stay in the transport's flow-control window), until READY.
            if (beforeReady == null) {
                beforeReady = new ArrayList<>();
            }
            if (beforeReady.size() >= MAX_STREAMS_BEFORE_READY) {
                connection.resetStream(ch, GtErrorCode.STREAM_REFUSED.code());
                return;
            }
            beforeReady.add(ch);
            return;
        }
        TunnelConnection c = connection;
        NativeStream.accept(mux, c, ch, (stream, id, serviceIndex, ip, port) -> {
            checkOpen(id);
            NativeStream[] bound = new NativeStream[1];
            openStream(id, serviceIndex, relay -> bound[0] = NativeStream.bind(mux, c, stream, id, relay),
                    () -> bound[0].accepted());
        });
    }

    private void checkOpen(int id) {
        if (!ready) {
            throw new ProtocolException("OPEN before READY");
        }
        if (id <= 0 || (id & 1) == 0) {
            throw new ProtocolException("OPEN with stream id " + id + " (expected an odd positive number)");
        }
        if (mux.hasStream(id)) {
            throw new ProtocolException("OPEN for stream " + id + ", which is open");
        }
    }

    /**
     * Serves the server's stream {@code id}: registers it with {@code carrier} (multiplexed or native)
     * and dials the service; {@code accept} answers the OPEN once the service is connected, a reset
     * of the relay answers it otherwise.
     */
    private void openStream(int id, int serviceIndex, java.util.function.Function<StreamRelay, ?> carrier,
            Runnable accept) {
        StreamRelay s = new StreamRelay(mux.loop());
        s.describe("service " + serviceIndex, null);
        s.countInto(pool.traffic, false);
        carrier.apply(s);
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
            accept.run();
            s.describe("service " + serviceIndex, ch.remoteAddress());
            s.attach(ch);
        });
    }

    /** Tells the server how much new streams should prefer this tunnel (0 first). */
    void sendRank(int rank) {
        mux.runOnLoop(() -> {
            if (ready && channel.isActive()) {
                mux.writeControl(Protocol.priority(mux.alloc(), rank));
            }
        });
    }

    /** What the transport knows about the path (QUIC: loss, its RTT); unknown for TCP. */
    CompletableFuture<dev.gt.api.spi.PathStats> pathStats() {
        TunnelConnection c = dialed;
        return c == null ? CompletableFuture.completedFuture(dev.gt.api.spi.PathStats.UNKNOWN) : c.pathStats();
    }

    /** Sends a PING now (the next keepalive round trip). */
    void ping() {
        mux.ping();
    }

    /**
     * Sends {@code bytes} of PROBE frames and completes when the server acknowledged them all, or
     * with what was acknowledged when {@code deadline} passes. The probe runs under the flow
     * control a new stream of this tunnel would get: our credit window for a multiplexed tunnel
     * (the server acknowledges as it would return credit), the transport's own for QUIC.
     */
    CompletableFuture<ProbeResult> probe(long bytes, Duration deadline) {
        CompletableFuture<ProbeResult> done = new CompletableFuture<>();
        mux.runOnLoop(() -> {
            if (probe != null || !ready || !channel.isActive() || mux.isGoingAway()) {
                done.completeExceptionally(new IllegalStateException("tunnel " + slot + " cannot probe now"));
                return;
            }
            long window = connection != null ? NATIVE_PROBE_WINDOW : mux.streamSendWindow();
            Probe p = new Probe(++probeIds, bytes, window, done);
            probe = p;
            p.deadline = channel.eventLoop().schedule(() -> finishProbe(p, false), deadline.toNanos(),
                    TimeUnit.NANOSECONDS);
            pumpProbe();
        });
        return done;
    }

    private void pumpProbe() {
        Probe p = probe;
        if (p == null) {
            return;
        }
        boolean wrote = false;
        while (p.sent < p.total && p.sent - p.acked < p.window && channel.isWritable()) {
            int n = (int) Math.min(Protocol.MAX_DATA_CHUNK - 4, Math.min(p.total - p.sent, p.window - (p.sent - p.acked)));
            boolean fin = p.sent + n == p.total;
            channel.write(Protocol.probeHeader(channel.alloc(), p.id, n, fin), channel.voidPromise());
            channel.write(PADDING.retainedSlice(0, n), channel.voidPromise());
            p.sent += n;
            wrote = true;
        }
        if (wrote) {
            channel.flush();
        }
    }

    @Override
    public void onProbeAck(int id, long received, boolean fin) {
        Probe p = probe;
        if (p == null || id != p.id) {
            return;
        }
        p.acked = Math.max(p.acked, received);
        if (fin) {
            finishProbe(p, true);
        } else {
            pumpProbe();
        }
    }

    private void finishProbe(Probe p, boolean complete) {
        if (probe != p) {
            return;
        }
        probe = null;
        if (p.deadline != null) {
            p.deadline.cancel(false);
        }
        p.done.complete(new ProbeResult(p.acked, System.nanoTime() - p.start, complete));
    }

    /** The tunnel's writability changed: a probe waiting for it goes on. */
    final io.netty.channel.ChannelHandler writability = new io.netty.channel.ChannelInboundHandlerAdapter() {
        @Override
        public void channelWritabilityChanged(ChannelHandlerContext ctx) {
            if (ctx.channel().isWritable()) {
                pumpProbe();
            }
            ctx.fireChannelWritabilityChanged();
        }
    };

    @Override
    public void onIdleTimeout(MuxTunnel m, Duration idle) {
        close(GtErrorCode.TIMEOUT, "no data from the server for " + Durations.format(idle) + " (serverTimeout)",
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
        Probe p = probe;
        if (p != null) {
            finishProbe(p, false);
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
    public void onStreamOpened(CarriedStream s) {
        if (pool.runtime.events.enabled()) {
            dev.gt.api.StreamInfo info = streamInfo(s);
            pool.runtime.events.dispatchStream(info.owner(), slot, l -> l.streamOpened(info));
        }
    }

    @Override
    public void onStreamClosed(CarriedStream s, Throwable cause) {
        if (pool.runtime.events.enabled()) {
            dev.gt.api.StreamInfo info = streamInfo(s);
            pool.runtime.events.dispatchStream(info.owner(), slot, l -> l.streamClosed(info, cause));
        }
    }

    private dev.gt.api.StreamInfo streamInfo(CarriedStream s) {
        StreamRelay r = s.relay();
        return new dev.gt.api.StreamInfo(pool.name(), slot, s.id(), r.route(), r.peerAddress(), r.sentBytes(),
                r.deliveredBytes(), r.age());
    }

    /** A snapshot of this tunnel. */
    dev.gt.api.TunnelInfo info(String transport, String ioEngine) {
        java.util.List<dev.gt.api.StreamInfo> open = new java.util.ArrayList<>();
        for (CarriedStream s : mux.liveStreams()) {
            open.add(streamInfo(s));
        }
        return new dev.gt.api.TunnelInfo(pool.name(), slot, peer(), mux.streamCount(), mux.rtt(),
                transport, ioEngine, mux.age(), mux.bytesSent(), mux.bytesReceived(), open);
    }

    int serverTunnelId() {
        return serverTunnelId;
    }
}

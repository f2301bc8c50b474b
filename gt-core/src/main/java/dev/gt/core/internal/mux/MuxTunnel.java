package dev.gt.core.internal.mux;

import dev.gt.api.GtErrorCode;
import dev.gt.api.GtException;
import dev.gt.api.spi.TunnelConnection;
import dev.gt.core.internal.proto.FrameListener;
import dev.gt.core.internal.proto.Protocol;
import dev.gt.core.internal.proto.ProtocolException;
import dev.gt.core.internal.relay.StreamRelay;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.EventLoop;
import io.netty.channel.socket.ChannelInputShutdownEvent;
import io.netty.handler.codec.DecoderException;
import io.netty.util.collection.IntObjectHashMap;
import io.netty.util.concurrent.ScheduledFuture;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The stream multiplexer of one tunnel connection, shared by server and client. It sits after
 * the {@link dev.gt.core.internal.proto.FrameDecoder} and owns the stream table; all of its state
 * is touched only on the tunnel channel's event loop.
 *
 * <p>What the other side can make this side write is bounded, whether or not it reads: data by
 * the credit windows, PONGs by coalescing (while the tunnel is unwritable only the latest PING is
 * remembered), WINDOW frames by deferring them while the tunnel is unwritable (one pending
 * increment per stream), RESETs by the streams. A peer that keeps the tunnel unwritable for its
 * idle timeout, or makes this side queue more than {@link #MAX_CONTROL_WHILE_UNWRITABLE} control
 * frames while it is unwritable, loses the tunnel. The tunnel keeps being read while unwritable:
 * with both sides pausing their reads under bulk traffic both ways, neither would ever drain.
 */
public final class MuxTunnel extends ChannelInboundHandlerAdapter implements FrameListener {
    /**
     * The tunnel a multiplexer works for (a server's or a client's): what the frames mean beyond
     * streams, and what happens when the tunnel ends. Called on the tunnel's loop.
     */
    public interface Owner {
        /** A name for the peers of streams, for messages ("visitor", "local service"). */
        String peerSideName();

        /** A name for the other end of the tunnel, for messages ("client", "server"). */
        String otherSideName();

        /** Called once when the tunnel channel is gone, after all streams were aborted. */
        void onTunnelClosed(Throwable cause);

        /** The other side sent GOAWAY. */
        void onPeerGoAway(GtErrorCode code, String message);

        /** A stream was registered (its relay knows its route and peer). */
        default void onStreamOpened(CarriedStream stream) {
        }

        /** A stream left the table: {@code cause} is {@code null} when it ended cleanly. */
        default void onStreamClosed(CarriedStream stream, Throwable cause) {
        }

        /** The tunnel channel became active. */
        default void onActive(MuxTunnel mux) {
        }

        /**
         * Nothing was read for the keepalive's idle timeout: closes the tunnel. An owner may say so
         * in its own words (which option, which peer); it must still close.
         */
        default void onIdleTimeout(MuxTunnel mux, Duration idle) {
            mux.close(GtErrorCode.TIMEOUT, "nothing heard for " + idle, null);
        }

        /** OPEN: only a client expects it. */
        default void onOpen(int stream, int serviceIndex, byte[] visitorIp, int visitorPort) {
            throw new ProtocolException("unexpected OPEN frame");
        }

        /** READY: only a client in its handshake expects it. */
        default void onReady(int window, long timeoutMillis, int tunnelId) {
            throw new ProtocolException("unexpected READY frame");
        }

        /** SERVICE: only a client in its handshake expects it. */
        default void onService(int index, int kind, int tcpPort, String host) {
            throw new ProtocolException("unexpected SERVICE frame");
        }

        /** ICE_SERVERS: only a client expects it. */
        default void onIceServers(java.util.List<dev.gt.api.IceServer> servers) {
            throw new ProtocolException("unexpected ICE_SERVERS frame");
        }

        /** ERROR: only a client in its handshake expects it. */
        default void onError(int code, int serviceIndex, String message) {
            throw new ProtocolException("unexpected ERROR frame");
        }

        /** PRIORITY (optional, client to server): ignored where it means nothing. */
        default void onPriority(int rank) {
        }

        /** PROBE (optional, client to server): ignored where it means nothing. */
        default void onProbe(int probeId, int length, boolean fin) {
        }

        /** PROBE_ACK (optional, server to client): ignored where it means nothing. */
        default void onProbeAck(int probeId, long received, boolean fin) {
        }
    }

    private static final Logger log = LoggerFactory.getLogger(MuxTunnel.class);
    /** Netty's HTTP/2 codec closes a connection at the same count of queued control frames. */
    static final int MAX_CONTROL_WHILE_UNWRITABLE = 10_000;
    /** How long a GOAWAY before a close may take to leave before the connection is closed anyway. */
    private static final long CLOSE_GRACE_MILLIS = 1000;
    /** How long after this side ended a transport stream its FINAL_SIZE goes (see {@link #queueFinalSize}). */
    static final Duration FINAL_SIZE_DELAY = Duration.ofMillis(20);
    /** A batch of FINAL_SIZE frames this large is written at once (3,640 streams). */
    private static final int MAX_FINAL_SIZE_BATCH = 64 * 1024;

    final Channel channel;
    private final EventLoop loop;
    final ByteBufAllocator alloc;
    private static final long ANSWERED = Long.MIN_VALUE;
    /** A PING unanswered for this long (or four round trips, if more) makes a tunnel unresponsive. */
    public static final Duration UNRESPONSIVE_AFTER = Duration.ofSeconds(2);
    /**
     * A tunnel asked to carry a new stream after this long without a read sends a PING with it: a
     * busy tunnel never does, an idle one finds out at its first visitor whether its peer is there.
     */
    private static final long QUIET_NANOS = TimeUnit.MILLISECONDS.toNanos(100);

    /** A {@link System#nanoTime()}-like clock for keepalive, round trips and timeouts. */
    private final LongSupplier ticker;
    private final Owner owner;
    int sendWindow;
    final int recvWindow;
    final int creditThreshold;
    private final IntObjectHashMap<CarriedStream> streams = new IntObjectHashMap<>();
    /** The same streams, readable from any thread, for snapshots. */
    private final java.util.Set<CarriedStream> live = java.util.concurrent.ConcurrentHashMap.newKeySet();
    private final long openedAtNanos = System.nanoTime();
    /** Stream payload bytes sent and received; written on the loop, read by snapshots. */
    private volatile long bytesSent;
    private volatile long bytesReceived;
    /** Relays whose peer (on this loop) has writes to flush after the current read batch. */
    private final List<StreamRelay> dirty = new ArrayList<>();
    /** Relays waiting for the tunnel to become writable. */
    private final ArrayDeque<StreamRelay> waiting = new ArrayDeque<>();
    /** Streams with a WINDOW increment held back while the tunnel was unwritable. */
    private final ArrayDeque<MuxStream> windowWaiting = new ArrayDeque<>();
    private boolean flushScheduled;
    private final Runnable flushTask = this::flushNow;
    private volatile int streamCount;
    private long lastReadNanos;
    /**
     * When the first PING sent since the last read went out, or {@link #ANSWERED}: a live peer
     * answers a PING within a round trip, so a PING unanswered for long marks a peer that may be
     * gone (a killed client whose QUIC connection, or whose host, says nothing). Volatile: tunnels
     * are picked for new streams on other loops.
     */
    private volatile long unansweredSinceNanos = ANSWERED;
    /**
     * When the oldest PING without its own PONG went out (on the loop). Unlike
     * {@link #unansweredSinceNanos}, only a PONG clears it: a path that carries the peer's data to
     * us but not ours to the peer still reads, and would otherwise never look dead from this side.
     */
    private long pongDueSinceNanos = ANSWERED;
    private long unwritableSinceNanos;
    private volatile long rttNanos = -1;
    private boolean pongPending;
    private long pongOpaque;
    private int controlWhileUnwritable;
    private ScheduledFuture<?> keepalive;
    private ScheduledFuture<?> sweeper;
    private ScheduledFuture<?> lossWatch;
    /** FINAL_SIZE frames waiting for their batch to be written ({@code null}: none). */
    private ByteBuf finalSizes;
    /** Packets the transport had declared lost at the last look. */
    private long lostSeen;
    private long tickNanos;
    /** Advanced by the idle sweeper; streams note it on activity instead of reading a clock. */
    long tick;
    private volatile boolean goingAway;
    private boolean goAwaySent;
    private boolean closing;
    private boolean closed;
    private Throwable closeCause;

    /**
     * @param sendWindow the other side's per-stream receive window (our initial credit)
     * @param recvWindow our per-stream receive window
     * @param ticker a {@link System#nanoTime()}-like clock; only differences are used
     * @param owner the tunnel it works for
     */
    public MuxTunnel(Channel channel, int sendWindow, int recvWindow, LongSupplier ticker, Owner owner) {
        this.owner = owner;
        this.channel = channel;
        this.loop = channel.eventLoop();
        this.alloc = channel.alloc();
        this.ticker = ticker;
        this.sendWindow = sendWindow;
        this.recvWindow = recvWindow;
        this.creditThreshold = Math.max(1, recvWindow / 4);
        this.lastReadNanos = ticker.getAsLong();
    }

    /** Sets the other side's window, as announced in the handshake, before any stream exists. */
    public void sendWindow(int window) {
        if (!streams.isEmpty()) {
            throw new IllegalStateException("window changed with open streams");
        }
        this.sendWindow = window;
    }

    public Channel channel() {
        return channel;
    }

    public EventLoop loop() {
        return loop;
    }

    public ByteBufAllocator alloc() {
        return alloc;
    }

    /** Open streams; safe to read from any thread. */
    public int streamCount() {
        return streamCount;
    }

    /** Last keepalive round trip, or {@code null}. */
    public Duration rtt() {
        long r = rttNanos;
        return r < 0 ? null : Duration.ofNanos(r);
    }

    public boolean isGoingAway() {
        return goingAway;
    }

    String peerSideName() {
        return owner.peerSideName();
    }

    String otherSideName() {
        return owner.otherSideName();
    }

    // ---- streams ----

    /** Creates a stream for {@code relay} under {@code id}, binds the relay to it and registers it. */
    public MuxStream newStream(int id, StreamRelay relay) {
        MuxStream s = new MuxStream(this, id, relay);
        relay.bind(s);
        streams.put(id, s);
        live.add(s);
        streamCount = streams.size();
        owner.onStreamOpened(s);
        return s;
    }

    /**
     * Registers a stream carried by the transport itself ({@link NativeStream}), bound to its relay
     * by the caller: it counts, expires and ends with the tunnel like a multiplexed one.
     */
    public void register(CarriedStream s) {
        streams.put(s.id, s);
        live.add(s);
        streamCount = streams.size();
        owner.onStreamOpened(s);
    }

    public boolean hasStream(int id) {
        return streams.containsKey(id);
    }

    public CarriedStream stream(int id) {
        return streams.get(id);
    }

    /** A copy of the open streams (on the tunnel's loop). */
    public List<CarriedStream> streams() {
        return new ArrayList<>(streams.values());
    }

    void removeStream(CarriedStream s, Throwable cause) {
        if (streams.get(s.id) == s) {
            streams.remove(s.id);
            live.remove(s);
            streamCount = streams.size();
            owner.onStreamClosed(s, cause);
            closeIfDrained();
        }
    }

    /** The open streams, from any thread (a weakly consistent view). */
    public java.util.Collection<CarriedStream> liveStreams() {
        return java.util.Collections.unmodifiableSet(live);
    }

    /** How long ago the tunnel was made. */
    public Duration age() {
        return Duration.ofNanos(System.nanoTime() - openedAtNanos);
    }

    public long bytesSent() {
        return bytesSent;
    }

    public long bytesReceived() {
        return bytesReceived;
    }

    void countSent(int n) {
        bytesSent += n;
    }

    void countReceived(int n) {
        bytesReceived += n;
    }

    /** After GOAWAY either way, the tunnel ends with its last stream. */
    private void closeIfDrained() {
        if (goingAway && streams.isEmpty()) {
            channel.close();
        }
    }

    // ---- writing ----

    void writeData(int stream, ByteBuf payload, boolean fin) {
        channel.write(Protocol.dataHeader(alloc, stream, payload.readableBytes(), fin), channel.voidPromise());
        channel.write(payload, channel.voidPromise());
        scheduleFlush();
    }

    /** Writes a control frame; flushed with the current batch. */
    public void writeControl(ByteBuf frame) {
        if (!channel.isWritable() && ++controlWhileUnwritable > MAX_CONTROL_WHILE_UNWRITABLE) {
            frame.release();
            if (!closing) {
                log.warn("tunnel {}: the other side makes this side queue more than {} control frames without "
                        + "reading them; closing", channel.remoteAddress(), MAX_CONTROL_WHILE_UNWRITABLE);
                abortTunnel(new GtException(GtErrorCode.PROTOCOL_ERROR, "more than " + MAX_CONTROL_WHILE_UNWRITABLE
                        + " control frames queued for a peer that does not read"));
            }
            return;
        }
        channel.write(frame, channel.voidPromise());
        scheduleFlush();
    }

    /**
     * Sends a WINDOW increment for {@code s} now, or, while the tunnel is unwritable, later: the
     * stream keeps accumulating its increment, so a peer that does not read gets one WINDOW per
     * stream queued at most.
     */
    boolean windowWritable(MuxStream s) {
        if (channel.isWritable()) {
            return true;
        }
        if (!s.windowWaiting) {
            s.windowWaiting = true;
            windowWaiting.add(s);
        }
        return false;
    }

    /**
     * Queues FINAL_SIZE for a transport stream this side ended after {@code size} raw bytes: sent
     * {@link #FINAL_SIZE_DELAY} later, batched with the others of that time, so that streams
     * ending one after another cost one control write, and their FINs are normally there first (a
     * FINAL_SIZE for a stream the other side has already forgotten is ignored).
     */
    void queueFinalSize(int stream, long size) {
        if (closed || closing) {
            return;
        }
        if (finalSizes == null) {
            try {
                loop.schedule(this::flushFinalSizes, FINAL_SIZE_DELAY.toNanos(), TimeUnit.NANOSECONDS);
            } catch (RejectedExecutionException e) {
                return;
            }
            finalSizes = alloc.directBuffer(Protocol.FINAL_SIZE_LENGTH * 8);
        }
        Protocol.writeFinalSize(finalSizes, stream, size);
        if (finalSizes.readableBytes() >= MAX_FINAL_SIZE_BATCH) {
            flushFinalSizes();
        }
    }

    private void flushFinalSizes() {
        ByteBuf b = finalSizes;
        if (b == null) {
            return;
        }
        finalSizes = null;
        if (closed || closing || !channel.isActive()) {
            b.release();
            return;
        }
        writeControl(b);
    }

    private void scheduleFlush() {
        if (!flushScheduled) {
            flushScheduled = true;
            loop.execute(flushTask);
        }
    }

    private void flushNow() {
        flushScheduled = false;
        channel.flush();
    }

    void markDirty(StreamRelay r) {
        if (r.markDirty()) {
            dirty.add(r);
        }
    }

    void waitForWritability(StreamRelay r) {
        if (r.markWaitingForTransport()) {
            waiting.add(r);
        }
    }

    /** Runs {@code task} on the tunnel's loop (at once when already there). */
    public void runOnLoop(Runnable task) {
        if (loop.inEventLoop()) {
            task.run();
        } else {
            try {
                loop.execute(task);
            } catch (RejectedExecutionException e) {
                log.debug("tunnel event loop is shut down; dropping a stream event");
            }
        }
    }

    // ---- channel events ----

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
        owner.onActive(this);
        ctx.fireChannelActive();
    }

    @Override
    public void onBytesReceived() {
        // Per socket read: a long batch of reads (16 of them before channelReadComplete) must not
        // look like silence to the keepalive, which runs between the reads of a batch.
        lastReadNanos = ticker.getAsLong();
        heard();
    }

    private void heard() {
        if (unansweredSinceNanos != ANSWERED) {
            unansweredSinceNanos = ANSWERED;
        }
    }

    /** Sends a PING (on the loop) and notes when, unless one is still unanswered. */
    private void pingForLiveness() {
        long now = ticker.getAsLong();
        if (unansweredSinceNanos == ANSWERED) {
            unansweredSinceNanos = now;
        }
        if (pongDueSinceNanos == ANSWERED) {
            pongDueSinceNanos = now;
        }
        writeControl(Protocol.ping(alloc, now));
    }

    /**
     * Whether a PING has gone unanswered (nothing at all read since) for {@link #UNRESPONSIVE_AFTER}
     * or four round trips, whichever is longer: the peer may be gone. Safe from any thread.
     */
    public boolean isUnresponsive() {
        long since = unansweredSinceNanos;
        if (since == ANSWERED) {
            return false;
        }
        long rtt = rttNanos;
        long limit = Math.max(UNRESPONSIVE_AFTER.toNanos(), rtt > 0 ? 4 * rtt : 0);
        return ticker.getAsLong() - since > limit;
    }

    /**
     * Before a new stream goes into this tunnel: when nothing was read for 100 ms, sends a PING
     * (unless one is unanswered), so that a peer that has gone is found out within a round trip
     * or two instead of at the next keepalive. Call on the loop.
     */
    public void probeIfQuiet() {
        if (unansweredSinceNanos == ANSWERED && ticker.getAsLong() - lastReadNanos > QUIET_NANOS
                && channel.isActive()) {
            pingForLiveness();
        }
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
        lastReadNanos = ticker.getAsLong();
        heard();
        if (!dirty.isEmpty()) {
            for (int i = 0; i < dirty.size(); i++) {
                dirty.get(i).flushPeer();
            }
            dirty.clear();
        }
        ctx.fireChannelReadComplete();
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) {
        if (channel.isWritable()) {
            controlWhileUnwritable = 0;
            if (pongPending) {
                pongPending = false;
                writeControl(Protocol.pong(alloc, pongOpaque));
            }
            MuxStream s;
            while (channel.isWritable() && (s = windowWaiting.poll()) != null) {
                s.windowWaiting = false;
                s.sendPendingWindow();
            }
            StreamRelay r;
            int n = waiting.size();
            while (n-- > 0 && channel.isWritable() && (r = waiting.poll()) != null) {
                r.onTransportWritable();
            }
        } else {
            unwritableSinceNanos = ticker.getAsLong();
        }
        ctx.fireChannelWritabilityChanged();
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
        if (evt instanceof ChannelInputShutdownEvent) {
            // The other side closed the tunnel (the listener allows half-closure for visitors).
            ctx.close();
            return;
        }
        ctx.fireUserEventTriggered(evt);
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        closeStreams();
        ctx.fireChannelInactive();
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        Throwable c = cause instanceof DecoderException && cause.getCause() != null ? cause.getCause() : cause;
        if (c instanceof ProtocolException) {
            log.warn("tunnel {}: {}", channel.remoteAddress(), c.getMessage());
            close(GtErrorCode.PROTOCOL_ERROR, c.getMessage(), c);
        } else {
            log.debug("tunnel {} failed: {}", channel.remoteAddress(), c.toString());
            if (closeCause == null) {
                closeCause = c;
            }
            channel.close();
        }
    }

    /**
     * Sends GOAWAY with {@code code} and closes the tunnel once it is written; a tunnel whose peer
     * does not read is closed without waiting for it.
     */
    public void close(GtErrorCode code, String message, Throwable cause) {
        runOnLoop(() -> {
            if (closeCause == null) {
                closeCause = cause != null ? cause : new GtException(code, message);
            }
            if (closing) {
                return;
            }
            closing = true;
            if (!channel.isActive() || !channel.isWritable()) {
                channel.close();
                return;
            }
            channel.writeAndFlush(Protocol.goAway(alloc, code.code(), message)).addListener(f -> channel.close());
            loop.schedule(() -> {
                channel.close();
            }, CLOSE_GRACE_MILLIS, TimeUnit.MILLISECONDS);
        });
    }

    /** Closes the connection at once, without a GOAWAY. */
    private void abortTunnel(Throwable cause) {
        if (closeCause == null) {
            closeCause = cause;
        }
        closing = true;
        channel.close();
    }

    /** Announces GOAWAY: no new streams will be opened here; open ones go on. */
    public void goAway(GtErrorCode code, String message) {
        // At once, not only when the task runs: a frame read before the task (an OPEN the other
        // side sent after our caller decided to stop) must already see it.
        goingAway = true;
        runOnLoop(() -> {
            if (!goAwaySent && channel.isActive()) {
                goAwaySent = true;
                writeControl(Protocol.goAway(alloc, code.code(), message));
            }
        });
    }

    /**
     * Resets every open stream with {@code code} (the visitors of the server get an RST, or an
     * answer when they have received nothing yet); used when a drain deadline passes.
     */
    public void resetStreams(GtErrorCode code, String message) {
        runOnLoop(() -> {
            for (CarriedStream s : streams()) {
                s.relay.reset(code, message);
            }
        });
    }

    public void markGoingAway() {
        goingAway = true;
    }

    private void closeStreams() {
        if (closed) {
            return;
        }
        closed = true;
        if (keepalive != null) {
            keepalive.cancel(false);
        }
        if (sweeper != null) {
            sweeper.cancel(false);
        }
        if (lossWatch != null) {
            lossWatch.cancel(false);
        }
        if (finalSizes != null) {
            finalSizes.release();
            finalSizes = null;
        }
        List<CarriedStream> all = new ArrayList<>(streams.values());
        streams.clear();
        live.clear();
        streamCount = 0;
        Throwable lost = closeCause != null ? closeCause
                : new GtException(GtErrorCode.STREAM_RESET, "tunnel connection closed");
        for (CarriedStream s : all) {
            s.onTunnelLost();
            owner.onStreamClosed(s, lost);
        }
        waiting.clear();
        windowWaiting.clear();
        dirty.clear();
        Throwable cause = closeCause != null ? closeCause
                : new GtException(GtErrorCode.STREAM_RESET, "tunnel connection closed");
        owner.onTunnelClosed(cause);
    }

    // ---- keepalive ----

    /**
     * Starts the keepalive: a PING every {@code pingInterval} (none if zero) and a close when
     * nothing was read, or the tunnel stayed unwritable, for {@code idleTimeout} (never if zero).
     */
    public void startKeepalive(Duration pingInterval, Duration idleTimeout) {
        long ping = pingInterval.toNanos();
        long idle = idleTimeout.toNanos();
        long period = ping > 0 ? ping : idle / 2;
        if (period <= 0) {
            return;
        }
        if (ping > 0 && idle > 0) {
            // The timeouts are checked on the same task: often enough that they are not late by much.
            period = Math.min(period, idle / 2);
        }
        period = Math.max(period, TimeUnit.MILLISECONDS.toNanos(50));
        long pingEvery = ping;
        long[] lastPing = {ticker.getAsLong()};
        keepalive = loop.scheduleAtFixedRate(() -> keepaliveTick(idle, pingEvery, lastPing), period, period,
                TimeUnit.NANOSECONDS);
    }

    private void keepaliveTick(long idle, long ping, long[] lastPing) {
        long now = ticker.getAsLong();
        if (idle > 0 && now - lastReadNanos > idle) {
            owner.onIdleTimeout(this, Duration.ofNanos(idle));
            return;
        }
        if (idle > 0 && !channel.isWritable() && now - unwritableSinceNanos > idle) {
            log.warn("tunnel {}: the other side has read nothing for {}; closing", channel.remoteAddress(),
                    Duration.ofNanos(idle));
            abortTunnel(new GtException(GtErrorCode.TIMEOUT, "the other side read nothing for "
                    + Duration.ofNanos(idle)));
            return;
        }
        if (idle > 0 && ping > 0 && pongDueSinceNanos != ANSWERED && now - pongDueSinceNanos > idle) {
            log.warn("tunnel {}: no answer to a PING for {}; closing", channel.remoteAddress(), Duration.ofNanos(idle));
            abortTunnel(new GtException(GtErrorCode.TIMEOUT, "no answer to a PING for " + Duration.ofNanos(idle)));
            return;
        }
        if (ping > 0 && now - lastPing[0] >= ping - ping / 8) {
            lastPing[0] = now;
            pingForLiveness();
        }
    }


    // ---- lost data held back by the transport ----

    /** How often {@link #startLossWatch} looks while streams are open. */
    static final Duration LOSS_WATCH_INTERVAL = Duration.ofMillis(250);

    /**
     * For a transport with native streams (QUIC; null: none): every 250 ms while streams are open,
     * asks the transport how many packets it has
     * declared lost, and after a look that finds more than the last one (the first look: any)
     * writes a PING.
     *
     * <p>Why: the QUIC library Netty 4.2.18 bundles (quiche) may hold data it declared lost
     * until the application next writes on the connection. When a loss is the last event of a
     * burst (the OPEN of a lone request, the last bytes of an answer), nothing writes again until
     * the next keepalive or the visitor's timeout: quic-eval at 5% loss saw 1 in about 4,000 small
     * requests wait 10 s (its qlog: the OPEN declared lost at once, retransmitted 10 s later, in the
     * first packet after the visitor gave up). Any write releases it; a PING is the smallest, and
     * its PONG is a round-trip sample as well. At most one PING per look, only after a loss.
     */
    public void startLossWatch(TunnelConnection transport) {
        if (transport == null || lossWatch != null || closed) {
            return;
        }
        long nanos = LOSS_WATCH_INTERVAL.toNanos();
        lossWatch = loop.scheduleAtFixedRate(() -> {
            if (!streams.isEmpty()) {
                transport.pathStats().thenAccept(p -> runOnLoop(() -> onLossCount(p.packetsLost())));
            }
        }, nanos, nanos, TimeUnit.NANOSECONDS);
    }

    /** After a look at the transport's loss count: a PING when it grew since the last look. */
    void onLossCount(long lost) {
        if (lost < 0 || closed) {
            return;
        }
        if (lost > lostSeen && channel.isActive()) {
            pingForLiveness();
        }
        lostSeen = lost;
    }

    // ---- stream timeouts ----

    /**
     * Starts the sweeper that resets streams idle for longer than their limit, and streams whose
     * open was not answered in time. One periodic task per tunnel replaces a timer per connection;
     * its resolution is an eighth of the shortest timeout (between 50 ms and 1 s).
     */
    public void startIdleSweeper(Duration shortestTimeout) {
        if (shortestTimeout.isZero() || sweeper != null) {
            return;
        }
        tickNanos = Math.max(TimeUnit.MILLISECONDS.toNanos(50),
                Math.min(TimeUnit.SECONDS.toNanos(1), shortestTimeout.toNanos() / 8));
        sweeper = loop.scheduleAtFixedRate(this::sweep, tickNanos, tickNanos, TimeUnit.NANOSECONDS);
    }

    /** The number of ticks that make up {@code timeout} (0 = no limit). */
    public long ticks(Duration timeout) {
        if (timeout.isZero() || tickNanos == 0) {
            return 0;
        }
        return Math.max(1, (timeout.toNanos() + tickNanos - 1) / tickNanos);
    }

    /** Advances the stream clock by one tick and ends streams that are over their limits. */
    void sweep() {
        tick++;
        if (streams.isEmpty()) {
            return;
        }
        List<StreamRelay> expired = null;
        for (CarriedStream s : streams.values()) {
            if (s.relay.isOverdue(tick)) {
                if (expired == null) {
                    expired = new ArrayList<>();
                }
                expired.add(s.relay);
            }
        }
        if (expired != null) {
            for (StreamRelay r : expired) {
                r.expire(tick, tickNanos);
            }
        }
    }

    // ---- frames common to both sides ----

    @Override
    public void onData(int id, boolean fin, ByteBuf payload) {
        CarriedStream s = streams.get(id);
        if (s == null) {
            // Late data for a stream this side already ended: dropped, the tunnel stays up.
            payload.release();
            return;
        }
        s.onRemoteData(payload, fin);
    }

    @Override
    public void onFinalSize(int id, long size) {
        CarriedStream s = streams.get(id);
        if (s != null) {
            s.onRemoteFinalSize(size);
        }
    }

    @Override
    public void onAccept(int id) {
        CarriedStream s = streams.get(id);
        if (s != null) {
            s.relay.onAccept();
        }
    }

    @Override
    public void onReset(int id, int code, String message) {
        CarriedStream s = streams.get(id);
        if (s != null) {
            s.onRemoteReset(code, message);
        }
    }

    @Override
    public void onWindow(int id, int increment) {
        CarriedStream s = streams.get(id);
        if (s != null) {
            s.onRemoteWindow(increment);
        }
    }

    @Override
    public void onPing(long opaque) {
        if (channel.isWritable()) {
            writeControl(Protocol.pong(alloc, opaque));
        } else {
            // The peer is not reading: only the latest PING needs an answer, once it reads again.
            pongPending = true;
            pongOpaque = opaque;
        }
    }

    @Override
    public void onPong(long opaque) {
        // The opaque value is the PING's send time: a PONG for it or a later PING answers them all.
        if (pongDueSinceNanos != ANSWERED && opaque >= pongDueSinceNanos) {
            pongDueSinceNanos = ANSWERED;
        }
        long rtt = ticker.getAsLong() - opaque;
        if (rtt >= 0) {
            rttNanos = rtt;
        }
    }

    @Override
    public void onGoAway(int code, String message) {
        goingAway = true;
        if (closeCause == null) {
            closeCause = new GtException(GtErrorCode.orInternal(code), "the other side is going away: " + message);
        }
        owner.onPeerGoAway(GtErrorCode.orInternal(code), message);
        closeIfDrained();
    }

    @Override
    public void onOpen(int stream, int serviceIndex, byte[] visitorIp, int visitorPort) {
        owner.onOpen(stream, serviceIndex, visitorIp, visitorPort);
    }

    @Override
    public void onReady(int window, long timeoutMillis, int tunnelId) {
        owner.onReady(window, timeoutMillis, tunnelId);
    }

    @Override
    public void onService(int index, int kind, int tcpPort, String host) {
        owner.onService(index, kind, tcpPort, host);
    }

    @Override
    public void onError(int code, int serviceIndex, String message) {
        owner.onError(code, serviceIndex, message);
    }

    @Override
    public void onPriority(int rank) {
        owner.onPriority(rank);
    }

    @Override
    public void onProbe(int probeId, int length, boolean fin) {
        owner.onProbe(probeId, length, fin);
    }

    @Override
    public void onProbeAck(int probeId, long received, boolean fin) {
        owner.onProbeAck(probeId, received, fin);
    }

    /** The other side's per-stream window: how far a stream may send ahead of its credit returns. */
    public int streamSendWindow() {
        return sendWindow;
    }

    /** Sends a PING now; its PONG updates {@link #rtt()}. */
    public void ping() {
        runOnLoop(this::pingForLiveness);
    }

    @Override
    public void onIceServers(java.util.List<dev.gt.api.IceServer> servers) {
        owner.onIceServers(servers);
    }
}

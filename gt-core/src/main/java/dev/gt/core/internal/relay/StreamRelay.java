package dev.gt.core.internal.relay;

import dev.gt.api.GtErrorCode;
import dev.gt.core.internal.mux.RateLimiter;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoop;
import io.netty.channel.socket.DuplexChannel;
import io.netty.handler.ssl.SslHandler;
import java.util.ArrayDeque;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;

/**
 * The peer side of one visitor stream: relays between a peer channel (the visitor on the server,
 * the local service on the client) and a {@link TransportStream}, whatever carries it. It owns
 * backpressure toward the peer (AUTO_READ), speed limits, half-close in both directions, the
 * idle and open deadlines, the answer to a peer that got nothing (HTTP 502/504), the reset of a
 * peer cut off mid-transfer, and the byte counts.
 *
 * <p>Every method runs on the relay's event loop (the transport's); events of a peer on another
 * loop are handed over by {@link RelayHandler}. Memory per stream is bounded by the other side's
 * credit for what arrives, and by one read buffer plus what the transport refused for what the
 * peer sends: reads from the peer stop while there is no credit, the transport is unwritable or a
 * speed limit pauses the stream.
 */
public final class StreamRelay {
    private static final org.slf4j.Logger log = org.slf4j.LoggerFactory.getLogger(StreamRelay.class);
    /**
     * Takes over a stream that ends abnormally before any byte reached the peer, to give the peer
     * an answer (an HTTP visitor's 502 or 504 page) instead of a reset.
     */
    @FunctionalInterface
    public interface EarlyEndHandler {
        /**
         * Returns true if it took care of closing {@code peer}.
         *
         * @param code why the stream ended: {@link GtErrorCode#DIAL_FAILED} (the service cannot be
         *     reached), {@link GtErrorCode#TIMEOUT} (no answer in time), anything else (the stream
         *     or its tunnel was lost)
         */
        boolean onEarlyEnd(Channel peer, GtErrorCode code, String message);
    }

    /** The direction from the peer into the transport. */
    enum SendHalf {
        /** Bytes the peer sends are relayed. */
        OPEN,
        /** The peer sent EOF; bytes read before it still wait for credit. */
        FIN_PENDING,
        /** FIN went to the transport: nothing more is sent. */
        FIN_SENT
    }

    /** The direction from the transport to the peer. */
    enum ReceiveHalf {
        /** Bytes that arrive are delivered. */
        OPEN,
        /** FIN arrived while bytes before it were still queued (no peer yet, or a speed pause). */
        FIN_HELD,
        /** The peer's output is being shut down after the last byte. */
        FIN_DELIVERING,
        /** The peer's output was shut down: nothing more arrives. */
        FIN_DELIVERED
    }

    private final EventLoop loop;
    private TransportStream stream;
    private Channel peer;
    private boolean peerSameLoop;
    private SendHalf sendHalf = SendHalf.OPEN;
    private ReceiveHalf receiveHalf = ReceiveHalf.OPEN;
    /** Ended: reset, aborted, or both halves done. Nothing is relayed any more. */
    private boolean ended;
    /** Our FIN reached the peer and its EOF now closes its channel (see shutOutput). */
    private boolean peerEofCloses;
    /** The peer reported a read error before closing. */
    private boolean peerFailed;
    private final ArrayDeque<ByteBuf> fromPeerPending = new ArrayDeque<>(2);
    private ArrayDeque<ByteBuf> toPeerQueue;
    private int consumedBlocked;
    /** Whether the relay wants the peer read; read by the enabling task on the peer's loop. */
    private volatile boolean reading;
    /** Queued for a batched flush of the peer. */
    private boolean dirty;
    /** Queued for the transport's writability. */
    private boolean waitingForTransport;
    private boolean accepted = true;
    private long openDeadlineTick;
    private long lastActiveTick;
    private long idleLimitTicks;
    /** Written on the loop, read by snapshots from any thread. */
    private volatile long deliveredBytes;
    private volatile long sentBytes;
    private final long openedAtNanos = System.nanoTime();
    private String route = "";
    private java.net.SocketAddress peerAddress;
    /** Per-owner byte counters, or {@code null}; which way is the visitor's depends on the side. */
    private dev.gt.core.internal.events.Traffic traffic;
    private boolean peerIsVisitor;
    private EarlyEndHandler earlyEndHandler;
    /** Speed limits (per user, shared by its streams); {@code null} = unlimited. */
    private RateLimiter sendLimiter;
    private RateLimiter deliverLimiter;
    private boolean sendPaused;
    private boolean deliverPaused;

    /** @param loop the transport's event loop, where every method of the relay runs */
    public StreamRelay(EventLoop loop) {
        this.loop = loop;
    }

    /** The loop the relay runs on. */
    public EventLoop loop() {
        return loop;
    }

    /** Binds the transport side; before any other call on the loop. */
    public void bind(TransportStream stream) {
        this.stream = stream;
        this.lastActiveTick = stream.tick();
    }

    public Channel peer() {
        return peer;
    }

    public boolean isEnded() {
        return ended;
    }

    /**
     * Describes the stream for snapshots and events: what it routes to ({@code http:prefix},
     * {@code tcp:port}, {@code service 0}) and the peer's address, known before the peer is attached.
     */
    public void describe(String route, java.net.SocketAddress peerAddress) {
        this.route = route;
        this.peerAddress = peerAddress;
    }

    /**
     * Counts this stream's bytes into {@code traffic} as well; {@code peerIsVisitor} is true on the
     * server (the peer is a visitor) and false on the client (the peer is the local service).
     */
    public void countInto(dev.gt.core.internal.events.Traffic traffic, boolean peerIsVisitor) {
        this.traffic = traffic;
        this.peerIsVisitor = peerIsVisitor;
    }

    public String route() {
        return route;
    }

    public java.net.SocketAddress peerAddress() {
        return peerAddress;
    }

    /** How long ago the stream was made. */
    public java.time.Duration age() {
        return java.time.Duration.ofNanos(System.nanoTime() - openedAtNanos);
    }

    /** Bytes handed to the peer. */
    public long deliveredBytes() {
        return deliveredBytes;
    }

    /** Bytes sent into the transport. */
    public long sentBytes() {
        return sentBytes;
    }

    SendHalf sendHalf() {
        return sendHalf;
    }

    ReceiveHalf receiveHalf() {
        return receiveHalf;
    }

    /** Closes the stream after {@code ticks} transport ticks without data either way; 0 = never. */
    public void idleLimitTicks(long ticks) {
        this.idleLimitTicks = ticks;
        this.lastActiveTick = stream.tick();
    }

    /**
     * Expects the other side to answer the stream's open ({@link #onAccept()}, data or a reset)
     * within {@code ticks} transport ticks; otherwise the stream ends with
     * {@link GtErrorCode#TIMEOUT}.
     */
    public void openDeadlineTicks(long ticks) {
        if (ticks > 0) {
            accepted = false;
            openDeadlineTick = stream.tick() + ticks;
        }
    }

    public void earlyEndHandler(EarlyEndHandler handler) {
        this.earlyEndHandler = handler;
    }

    /**
     * Limits the bytes this stream sends into the transport ({@code send}) and hands to its peer
     * ({@code deliver}); either may be {@code null}. Over the rate the stream stops reading from its
     * peer, or stops writing to it (its credit then stops the other side), until the bucket
     * recovers: backpressure, never a sleeping thread, and each stream waits its own turn.
     */
    public void rateLimits(RateLimiter send, RateLimiter deliver) {
        this.sendLimiter = send;
        this.deliverLimiter = deliver;
    }

    /**
     * Binds the peer channel (connected, AUTO_READ off, {@link RelayHandler} in its pipeline),
     * delivers what arrived before, and starts reading from it.
     */
    public void attach(Channel peer) {
        assert loop.inEventLoop();
        if (ended) {
            peer.close();
            return;
        }
        this.peer = peer;
        this.peerSameLoop = peer.eventLoop() == loop;
        drainToPeer();
        updateReading();
    }

    // ---- peer -> transport ----

    /** Bytes read from the peer; ownership passes to the relay. */
    void onPeerData(ByteBuf buf) {
        if (ended || sendHalf != SendHalf.OPEN) {
            buf.release();
            return;
        }
        lastActiveTick = stream.tick();
        if (!fromPeerPending.isEmpty() || sendPaused) {
            fromPeerPending.add(buf);
        } else {
            send(buf);
        }
        updateReading();
    }

    /** Sends initial bytes (such as a sniffed request head) as if read from the peer. */
    public void sendInitial(ByteBuf buf) {
        onPeerData(buf);
    }

    private void send(ByteBuf buf) {
        while (true) {
            int readable = buf.readableBytes();
            if (readable == 0) {
                buf.release();
                return;
            }
            int credit = stream.sendCredit();
            if (credit == 0 || sendPaused) {
                // At the head: when draining, later buffers are still queued behind this one.
                fromPeerPending.addFirst(buf);
                return;
            }
            int n = Math.min(readable, credit);
            if (sendLimiter != null) {
                n = Math.min(n, sendLimiter.quantum());
            }
            sentBytes += n;
            if (traffic != null) {
                if (peerIsVisitor) {
                    traffic.fromVisitors(n);
                } else {
                    traffic.toVisitors(n);
                }
            }
            boolean last = n == readable;
            stream.write(last ? buf : buf.readRetainedSlice(n));
            if (sendLimiter != null) {
                long wait = sendLimiter.take(n);
                if (wait > 0) {
                    sendPaused = true;
                    resumeLater(this::resumeSend, wait);
                }
            }
            if (last) {
                return;
            }
        }
    }

    private void resumeLater(Runnable resume, long nanos) {
        try {
            loop.schedule(resume, nanos, TimeUnit.NANOSECONDS);
        } catch (RejectedExecutionException e) {
            // The loop is shutting down and the transport with it: nothing is left to resume.
        }
    }

    private void resumeSend() {
        sendPaused = false;
        if (ended) {
            return;
        }
        drainPending();
        updateReading();
    }

    private void drainPending() {
        ByteBuf b;
        while (!sendPaused && stream.sendCredit() > 0 && (b = fromPeerPending.poll()) != null) {
            send(b);
        }
        if (sendHalf == SendHalf.FIN_PENDING && fromPeerPending.isEmpty()) {
            sendFin();
        }
    }

    void onPeerInputShutdown() {
        if (ended || sendHalf != SendHalf.OPEN) {
            return;
        }
        sendHalf = SendHalf.FIN_PENDING;
        if (fromPeerPending.isEmpty()) {
            sendFin();
        }
    }

    private void sendFin() {
        sendHalf = SendHalf.FIN_SENT;
        stream.fin();
        maybeFinish();
    }

    /**
     * Reads from the peer (AUTO_READ on) only while there is credit, nothing is pending and the
     * transport is writable. Toggling AUTO_READ rather than calling read() per chunk keeps the
     * socket registered for reading, so an active stream costs no extra system calls.
     */
    void updateReading() {
        if (peer == null) {
            return;
        }
        boolean want = !ended && sendHalf == SendHalf.OPEN && fromPeerPending.isEmpty() && !sendPaused
                && stream.sendCredit() > 0;
        if (want && !stream.isWritable()) {
            stream.notifyWhenWritable();
            want = false;
        }
        if (want != reading) {
            reading = want;
            setPeerAutoRead(want);
        }
    }

    /**
     * Turns reading from the peer on or off. On is done on the peer's own loop, and only while its
     * input is open: epoll drops a socket whose input was shut down from its interest set, and a
     * read requested after that (from another loop, racing with the peer's EOF) fails and closes
     * the socket before the answer to the peer's last request could reach it.
     */
    private void setPeerAutoRead(boolean on) {
        Channel p = peer;
        if (!on) {
            p.config().setAutoRead(false);
            return;
        }
        if (peerSameLoop) {
            enableReading(p);
        } else {
            try {
                p.eventLoop().execute(() -> enableReading(p));
            } catch (RejectedExecutionException e) {
                // The peer's loop is shutting down, and the peer with it.
            }
        }
    }

    /** On the peer's loop: reads on, unless the relay changed its mind meanwhile or the input is gone. */
    private void enableReading(Channel p) {
        if (reading && p.isActive() && !(p instanceof DuplexChannel && ((DuplexChannel) p).isInputShutdown())) {
            p.config().setAutoRead(true);
        }
    }

    /** The transport granted more credit. */
    public void onCredit() {
        if (ended) {
            return;
        }
        drainPending();
        updateReading();
    }

    /** The transport turned writable after {@link TransportStream#notifyWhenWritable()}. */
    public void onTransportWritable() {
        waitingForTransport = false;
        updateReading();
    }

    // ---- transport -> peer ----

    /** The other side connected its end of the stream (its local service). */
    public void onAccept() {
        accepted = true;
    }

    /** Bytes (and perhaps FIN) from the other side; ownership passes. */
    public void onData(ByteBuf payload, boolean fin) {
        accepted = true;
        if (ended) {
            payload.release();
            return;
        }
        int n = payload.readableBytes();
        lastActiveTick = stream.tick();
        if (peer == null || deliverPaused) {
            if (n > 0) {
                if (toPeerQueue == null) {
                    toPeerQueue = new ArrayDeque<>(4);
                }
                toPeerQueue.add(payload);
            } else {
                payload.release();
            }
            if (fin) {
                receiveHalf = ReceiveHalf.FIN_HELD;
            }
            return;
        }
        if (n > 0) {
            deliverLimited(payload);
            if (peerSameLoop) {
                // Cross-loop writes are flushed by the write task itself (one hop per chunk).
                stream.flushPeerLater(this);
            }
        } else {
            payload.release();
        }
        if (fin) {
            if (toPeerQueue != null && !toPeerQueue.isEmpty()) {
                receiveHalf = ReceiveHalf.FIN_HELD;
            } else {
                deliverFin();
            }
        }
    }

    /** Hands queued bytes to the peer once the speed limit allows again. */
    private void resumeDeliver() {
        deliverPaused = false;
        if (ended || peer == null) {
            return;
        }
        drainToPeer();
    }

    /** Hands queued bytes, then a held FIN, to the peer, as far as the speed limit allows. */
    private void drainToPeer() {
        if (toPeerQueue != null) {
            ByteBuf b;
            while (!deliverPaused && (b = toPeerQueue.poll()) != null) {
                deliverLimited(b);
            }
            peer.flush();
        }
        if (receiveHalf == ReceiveHalf.FIN_HELD && (toPeerQueue == null || toPeerQueue.isEmpty())) {
            // Every byte before the FIN is written, so the FIN may follow even while paused.
            deliverFin();
        }
    }

    /**
     * Delivers {@code payload}; under a speed limit in turns of the limiter's quantum, putting
     * back at the head of the queue what a pause leaves over.
     */
    private void deliverLimited(ByteBuf payload) {
        if (deliverLimiter == null) {
            deliver(payload);
            return;
        }
        int quantum = deliverLimiter.quantum();
        while (payload.readableBytes() > quantum) {
            deliver(payload.readRetainedSlice(quantum));
            if (deliverPaused) {
                if (toPeerQueue == null) {
                    toPeerQueue = new ArrayDeque<>(4);
                }
                toPeerQueue.addFirst(payload);
                return;
            }
        }
        deliver(payload);
    }

    private void deliver(ByteBuf payload) {
        int n = payload.readableBytes();
        deliveredBytes += n;
        if (traffic != null) {
            if (peerIsVisitor) {
                traffic.toVisitors(n);
            } else {
                traffic.fromVisitors(n);
            }
        }
        if (deliverLimiter != null) {
            long wait = deliverLimiter.take(n);
            if (wait > 0) {
                deliverPaused = true;
                resumeLater(this::resumeDeliver, wait);
            }
        }
        if (peerSameLoop) {
            peer.write(payload, peer.voidPromise());
        } else {
            peer.writeAndFlush(payload, peer.voidPromise());
        }
        if (peer.isWritable()) {
            stream.consumed(n);
        } else {
            consumedBlocked += n;
        }
    }

    /** Marks the relay for a batched flush of its peer; false when it already is (queue it once). */
    public boolean markDirty() {
        if (dirty) {
            return false;
        }
        dirty = true;
        return true;
    }

    /** Marks the relay as waiting for the transport's writability; false when it already is. */
    public boolean markWaitingForTransport() {
        if (waitingForTransport) {
            return false;
        }
        waitingForTransport = true;
        return true;
    }

    /** Flushes the peer's batched writes. */
    public void flushPeer() {
        dirty = false;
        if (peer != null && !ended) {
            peer.flush();
        }
    }

    void onPeerWritable() {
        if (ended || consumedBlocked == 0) {
            return;
        }
        int n = consumedBlocked;
        consumedBlocked = 0;
        stream.consumed(n);
    }

    private void deliverFin() {
        Channel p = peer;
        receiveHalf = ReceiveHalf.FIN_DELIVERING;
        if (!(p instanceof DuplexChannel)) {
            // In-process channels have no half-close; the stream ends when both sides are done.
            receiveHalf = ReceiveHalf.FIN_DELIVERED;
            maybeFinish();
            return;
        }
        // When the peer has ended its side too, the close that follows sends the FIN: a half-close
        // first would only cost Netty's shutdown exception (a stack trace per stream).
        boolean closeFollows = sendHalf == SendHalf.FIN_SENT;
        p.writeAndFlush(Unpooled.EMPTY_BUFFER).addListener((ChannelFutureListener) f -> {
            boolean closesOnEof = f.isSuccess() && !closeFollows && shutOutput((DuplexChannel) p);
            runOnLoop(() -> {
                receiveHalf = ReceiveHalf.FIN_DELIVERED;
                peerEofCloses = closesOnEof;
                maybeFinish();
            });
        });
    }

    /**
     * Half-closes {@code p}; true when from now on its EOF closes it. Both FINs exchanged leave the
     * socket in TIME_WAIT, where Netty's half-close of the input fails (ENOTCONN, an exception
     * built and caught per stream), so half-closure is turned off and onPeerInactive reads the
     * close as the peer's FIN. Not for a TLS-terminated peer, whose TLS handler may report a close
     * without close_notify as an error, which would turn its orderly end into a reset.
     */
    private static boolean shutOutput(DuplexChannel p) {
        return p.shutdownOutput().isSuccess() && p.pipeline().get(SslHandler.class) == null
                && p.config().setOption(ChannelOption.ALLOW_HALF_CLOSURE, false);
    }

    /** The peer failed (a read error); its close that follows is not an orderly end. */
    void onPeerFailed() {
        peerFailed = true;
    }

    private void maybeFinish() {
        if (sendHalf == SendHalf.FIN_SENT && receiveHalf == ReceiveHalf.FIN_DELIVERED && !ended) {
            ended = true;
            stream.finished();
            releaseBuffers();
            if (peer != null) {
                peer.close();
            }
        }
    }

    // ---- endings ----

    void onPeerInactive(Channel channel) {
        if (ended) {
            return;
        }
        if (sendHalf == SendHalf.FIN_SENT && receiveHalf == ReceiveHalf.FIN_DELIVERED) {
            maybeFinish();
            return;
        }
        if (peerEofCloses && !peerFailed) {
            // Its output was shut and half-closure turned off (deliverFin): this close is its EOF.
            onPeerInputShutdown();
            return;
        }
        if (!(channel instanceof DuplexChannel)) {
            // An in-process channel has no half-close: its close is the orderly end of its output.
            // What it wrote still goes out (after credit allows), then FIN; nothing more can reach it.
            receiveHalf = ReceiveHalf.FIN_DELIVERED;
            onPeerInputShutdown();
            return;
        }
        reset(GtErrorCode.STREAM_RESET, "connection closed by " + stream.peerSideName());
    }

    /** The other side reset the stream (the transport already forgot it). */
    public void onRemoteReset(GtErrorCode code, String message) {
        if (ended) {
            return;
        }
        ended = true;
        releaseBuffers();
        endPeer(code, message);
    }

    /** Aborts the stream: tells the other side with a reset and ends the peer. */
    public void reset(GtErrorCode code, String message) {
        if (ended) {
            return;
        }
        ended = true;
        releaseBuffers();
        stream.reset(code, message);
        endPeer(code, message);
    }

    /** The transport is gone: ends the peer without telling anyone. */
    public void abort() {
        if (ended) {
            return;
        }
        ended = true;
        releaseBuffers();
        endPeer(GtErrorCode.STREAM_RESET, "the tunnel was lost");
    }

    /** Whether an idle limit or the open deadline has passed at {@code now} (transport ticks). */
    public boolean isOverdue(long now) {
        return !accepted && now - openDeadlineTick > 0
                || idleLimitTicks > 0 && now - lastActiveTick > idleLimitTicks;
    }

    /** Ends an overdue stream; {@code tickNanos} says how long a tick is, for the message. */
    public void expire(long now, long tickNanos) {
        if (!accepted && now - openDeadlineTick > 0) {
            reset(GtErrorCode.TIMEOUT, "the " + stream.otherSideName() + " did not answer the stream's open");
            return;
        }
        reset(GtErrorCode.TIMEOUT, "no data for " + TimeUnit.NANOSECONDS.toMillis(idleLimitTicks * tickNanos) + " ms");
    }

    /**
     * Ends the peer of a stream that did not end cleanly. A peer that got nothing yet may get an
     * answer from the {@link EarlyEndHandler} (an HTTP visitor's 502 or 504 page). Otherwise a
     * stream cut off by a failure is reset (TCP RST), so that a truncated body or stream never
     * looks complete to the peer; an idle timeout is an orderly close.
     */
    private void endPeer(GtErrorCode code, String message) {
        Channel p = peer;
        if (log.isDebugEnabled()) {
            log.debug("{} ({}, {}) ends abnormally: {}: {} (sent {}, delivered {}, halves {}/{})", this, route,
                    peerAddress, code, message, sentBytes, deliveredBytes, sendHalf, receiveHalf);
        }
        if (p == null) {
            return;
        }
        if (deliveredBytes == 0 && earlyEndHandler != null && p.isActive()
                && earlyEndHandler.onEarlyEnd(p, code, message)) {
            return;
        }
        if (code == GtErrorCode.TIMEOUT && accepted) {
            p.close();
            return;
        }
        resetPeer(p);
    }

    /** Closes {@code p} with a TCP RST where it has a socket (SO_LINGER 0), on its own loop. */
    static void resetPeer(Channel p) {
        if (!(p instanceof DuplexChannel) || !p.isActive()) {
            p.close();
            return;
        }
        p.eventLoop().execute(() -> {
            try {
                p.config().setOption(ChannelOption.SO_LINGER, 0);
            } catch (RuntimeException e) {
                // No RST then, but the peer is closed all the same.
            }
            p.close();
        });
    }

    private void releaseBuffers() {
        ByteBuf b;
        while ((b = fromPeerPending.poll()) != null) {
            b.release();
        }
        if (toPeerQueue != null) {
            while ((b = toPeerQueue.poll()) != null) {
                b.release();
            }
        }
    }

    /** Runs {@code task} on the relay's loop (at once when already there). */
    void runOnLoop(Runnable task) {
        if (loop.inEventLoop()) {
            task.run();
        } else {
            try {
                loop.execute(task);
            } catch (RejectedExecutionException e) {
                // The loop is shut down: the transport and this stream are gone with it.
            }
        }
    }

    @Override
    public String toString() {
        return "stream relay " + (stream == null ? "(unbound)" : stream.toString());
    }
}

package dev.gt.core.internal.mux;

import dev.gt.api.GtErrorCode;
import dev.gt.core.internal.proto.Protocol;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelOption;
import io.netty.channel.socket.DuplexChannel;
import java.util.ArrayDeque;

/**
 * One visitor connection carried over a tunnel, tied to a peer channel (the visitor on the server,
 * the local service on the client). Every method runs on the tunnel's event loop; events of a peer
 * on another loop are handed over by {@link StreamRelayHandler}.
 *
 * <p>Flow control: this side may send at most {@code sendCredit} bytes; the receiver returns
 * credit with WINDOW frames once it has handed the bytes to its peer channel and that channel is
 * writable. Reads from the peer stop while credit is exhausted or the tunnel is not writable,
 * so memory per stream is bounded by one window plus one read buffer, and a slow peer only slows
 * its own stream.
 */
public final class Stream {
    /**
     * Takes over a stream that ends abnormally before any byte reached the peer, to give the peer
     * an answer (an HTTP visitor's 502 or 504 page) instead of a reset.
     */
    @FunctionalInterface
    public interface EarlyResetHandler {
        /**
         * Returns true if it took care of closing {@code peer}.
         *
         * @param code why the stream ended: {@link GtErrorCode#DIAL_FAILED} (the service cannot be
         *     reached), {@link GtErrorCode#TIMEOUT} (no answer in time), anything else (the stream
         *     or its tunnel was lost)
         */
        boolean onEarlyReset(Channel peer, GtErrorCode code, String message);
    }

    final MuxTunnel tunnel;
    int id;
    private Channel peer;
    private boolean peerSameLoop;
    private int sendCredit;
    private int recvAllowed;
    private int creditReady;
    private int creditBlocked;
    private ArrayDeque<ByteBuf> toPeerQueue;
    private final ArrayDeque<ByteBuf> fromPeerPending = new ArrayDeque<>(2);
    private boolean remoteFin;
    /** A FIN that arrived while bytes before it were still queued (no peer yet, or paused). */
    private boolean finHeld;
    private boolean remoteFinDelivered;
    private boolean localFinPending;
    private boolean localFinSent;
    private boolean closed;
    boolean dirty;
    boolean waitingForTunnel;
    /** Queued in the tunnel for a WINDOW that waits for the tunnel to become writable. */
    boolean windowWaiting;
    /** False while an OPEN this side sent waits for the other side's ACCEPT (or first DATA). */
    private boolean accepted = true;
    private long openDeadlineTick;
    private boolean reading;
    long lastActiveTick;
    long idleLimitTicks;
    private long deliveredBytes;
    private long sentBytes;
    private EarlyResetHandler earlyResetHandler;
    /** Speed limits (per user, shared by its streams); {@code null} = unlimited. */
    private RateLimiter sendLimiter;
    private RateLimiter deliverLimiter;
    private boolean sendPaused;
    private boolean deliverPaused;

    Stream(MuxTunnel tunnel, int id) {
        this.tunnel = tunnel;
        this.id = id;
        this.sendCredit = tunnel.sendWindow;
        this.recvAllowed = tunnel.recvWindow;
    }

    public int id() {
        return id;
    }

    public Channel peer() {
        return peer;
    }

    public boolean isClosed() {
        return closed;
    }

    public long deliveredBytes() {
        return deliveredBytes;
    }

    public long sentBytes() {
        return sentBytes;
    }

    /** Closes the stream after {@code ticks} keepalive ticks without data either way; 0 = never. */
    public void idleLimitTicks(long ticks) {
        this.idleLimitTicks = ticks;
        this.lastActiveTick = tunnel.tick;
    }

    /**
     * Expects the other side to answer this stream's OPEN (ACCEPT, DATA or RESET) within
     * {@code ticks} sweeper ticks; otherwise the stream ends with {@link GtErrorCode#TIMEOUT}.
     */
    public void openDeadlineTicks(long ticks) {
        if (ticks > 0) {
            accepted = false;
            openDeadlineTick = tunnel.tick + ticks;
        }
    }

    public void earlyResetHandler(EarlyResetHandler handler) {
        this.earlyResetHandler = handler;
    }

    /**
     * Limits the bytes this stream sends into the tunnel ({@code send}) and hands to its peer
     * ({@code deliver}); either may be {@code null}. Over the rate the stream stops reading from its
     * peer, or stops writing to it (its window then stops the other side), until the bucket
     * recovers: backpressure, never a sleeping thread, and each stream waits its own turn.
     */
    public void rateLimits(RateLimiter send, RateLimiter deliver) {
        this.sendLimiter = send;
        this.deliverLimiter = deliver;
    }

    /**
     * Binds the peer channel (connected, AUTO_READ off, {@link StreamRelayHandler} in its pipeline),
     * delivers what arrived before, and starts reading from it.
     */
    public void attach(Channel peer) {
        assert tunnel.loop.inEventLoop();
        if (closed) {
            peer.close();
            return;
        }
        this.peer = peer;
        this.peerSameLoop = peer.eventLoop() == tunnel.loop;
        drainToPeer();
        updateReading();
    }

    // ---- peer -> tunnel ----

    /** Bytes read from the peer; ownership passes to the stream. */
    void onPeerData(ByteBuf buf) {
        if (closed || localFinSent || localFinPending) {
            buf.release();
            return;
        }
        lastActiveTick = tunnel.tick;
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
            if (sendCredit == 0 || sendPaused) {
                // At the head: when draining, later buffers are still queued behind this one.
                fromPeerPending.addFirst(buf);
                return;
            }
            int n = Math.min(readable, Math.min(sendCredit, Protocol.MAX_DATA_CHUNK));
            if (sendLimiter != null) {
                n = Math.min(n, sendLimiter.quantum());
            }
            sendCredit -= n;
            sentBytes += n;
            boolean last = n == readable;
            tunnel.writeData(id, last ? buf : buf.readRetainedSlice(n), false);
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
            tunnel.loop.schedule(resume, nanos, java.util.concurrent.TimeUnit.NANOSECONDS);
        } catch (java.util.concurrent.RejectedExecutionException e) {
            // The loop is shutting down and the tunnel with it: nothing is left to resume.
        }
    }

    private void resumeSend() {
        sendPaused = false;
        if (closed) {
            return;
        }
        drainPending();
        updateReading();
    }

    private void drainPending() {
        ByteBuf b;
        while (sendCredit > 0 && !sendPaused && (b = fromPeerPending.poll()) != null) {
            send(b);
        }
        if (localFinPending && fromPeerPending.isEmpty()) {
            sendFin();
        }
    }

    void onPeerInputShutdown() {
        if (closed || localFinSent) {
            return;
        }
        localFinPending = true;
        if (fromPeerPending.isEmpty()) {
            sendFin();
        }
    }

    private void sendFin() {
        localFinPending = false;
        localFinSent = true;
        tunnel.writeData(id, Unpooled.EMPTY_BUFFER, true);
        maybeFinish();
    }

    /**
     * Reads from the peer (AUTO_READ on) only while there is credit, nothing is pending and the
     * tunnel is writable. Toggling AUTO_READ rather than calling read() per chunk keeps the socket
     * registered for reading, so an active stream costs no extra system calls.
     */
    void updateReading() {
        if (peer == null) {
            return;
        }
        boolean want = !closed && !localFinSent && !localFinPending && fromPeerPending.isEmpty() && sendCredit > 0
                && !sendPaused;
        if (want && !tunnel.channel.isWritable()) {
            tunnel.waitForWritability(this);
            want = false;
        }
        if (want != reading) {
            reading = want;
            peer.config().setAutoRead(want);
        }
    }

    void onRemoteWindow(int increment) {
        if (closed) {
            return;
        }
        long c = (long) sendCredit + increment;
        if (c > Integer.MAX_VALUE) {
            reset(GtErrorCode.FLOW_CONTROL_ERROR, "window grew past 2^31-1");
            return;
        }
        sendCredit = (int) c;
        drainPending();
        updateReading();
    }

    // ---- tunnel -> peer ----

    void onRemoteAccept() {
        accepted = true;
    }

    void onRemoteData(ByteBuf payload, boolean fin) {
        accepted = true;
        int n = payload.readableBytes();
        if (closed || remoteFin) {
            payload.release();
            if (!closed) {
                reset(GtErrorCode.PROTOCOL_ERROR, "DATA after FIN");
            }
            return;
        }
        if (n > recvAllowed) {
            payload.release();
            reset(GtErrorCode.FLOW_CONTROL_ERROR, n + " bytes sent with " + recvAllowed + " bytes of window left");
            return;
        }
        recvAllowed -= n;
        lastActiveTick = tunnel.tick;
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
                remoteFin = true;
                finHeld = true;
            }
            return;
        }
        if (n > 0) {
            deliverLimited(payload);
            if (!peerSameLoop) {
                // Cross-loop writes are flushed by the write task itself (one hop per chunk).
            } else {
                tunnel.markDirty(this);
            }
        } else {
            payload.release();
        }
        if (fin) {
            remoteFin = true;
            if (toPeerQueue != null && !toPeerQueue.isEmpty()) {
                finHeld = true;
            } else {
                deliverFin();
            }
        }
    }

    /** Hands queued bytes to the peer once the speed limit allows again. */
    private void resumeDeliver() {
        deliverPaused = false;
        if (closed || peer == null) {
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
        if (finHeld && (toPeerQueue == null || toPeerQueue.isEmpty())) {
            // Every byte before the FIN is written, so the FIN may follow even while paused.
            finHeld = false;
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
            credit(n);
        } else {
            creditBlocked += n;
        }
    }

    void flushPeer() {
        if (peer != null && !closed) {
            peer.flush();
        }
    }

    private void credit(int n) {
        creditReady += n;
        if (creditReady >= tunnel.creditThreshold && tunnel.windowWritable(this)) {
            sendWindow();
        }
    }

    /** Sends the increment held back while the tunnel was unwritable. */
    void sendPendingWindow() {
        if (!closed && creditReady > 0) {
            sendWindow();
        }
    }

    private void sendWindow() {
        recvAllowed += creditReady;
        tunnel.writeControl(Protocol.window(tunnel.alloc, id, creditReady));
        creditReady = 0;
    }

    void onPeerWritable() {
        if (closed || creditBlocked == 0) {
            return;
        }
        int n = creditBlocked;
        creditBlocked = 0;
        credit(n);
    }

    private void deliverFin() {
        Channel p = peer;
        if (!(p instanceof DuplexChannel)) {
            // In-process channels have no half-close; the stream ends when both sides are done.
            remoteFinDelivered = true;
            maybeFinish();
            return;
        }
        p.writeAndFlush(Unpooled.EMPTY_BUFFER).addListener((ChannelFutureListener) f -> {
            if (f.isSuccess()) {
                ((DuplexChannel) p).shutdownOutput();
            }
            tunnel.runOnLoop(() -> {
                remoteFinDelivered = true;
                maybeFinish();
            });
        });
    }

    private void maybeFinish() {
        if (localFinSent && remoteFinDelivered && !closed) {
            closed = true;
            tunnel.removeStream(this);
            releaseBuffers();
            if (peer != null) {
                peer.close();
            }
        }
    }

    // ---- endings ----

    void onPeerInactive(Channel channel) {
        if (closed) {
            return;
        }
        if (localFinSent && remoteFinDelivered) {
            maybeFinish();
            return;
        }
        if (!(channel instanceof DuplexChannel)) {
            // An in-process channel has no half-close: its close is the orderly end of its output.
            // What it wrote still goes out (after credit allows), then FIN; nothing more can reach it.
            remoteFinDelivered = true;
            onPeerInputShutdown();
            return;
        }
        reset(GtErrorCode.STREAM_RESET, "connection closed by " + tunnel.peerSideName());
    }

    void onRemoteReset(int code, String message) {
        if (closed) {
            return;
        }
        closed = true;
        tunnel.removeStream(this);
        releaseBuffers();
        endPeer(GtErrorCode.orInternal(code), message);
    }

    /** Aborts the stream: tells the other side with RESET and ends the peer. */
    public void reset(GtErrorCode code, String message) {
        if (closed) {
            return;
        }
        closed = true;
        tunnel.removeStream(this);
        releaseBuffers();
        tunnel.writeControl(Protocol.reset(tunnel.alloc, id, code.code(), message));
        endPeer(code, message);
    }

    /** The tunnel is gone: end the peer without telling anyone. */
    void abort() {
        if (closed) {
            return;
        }
        closed = true;
        releaseBuffers();
        endPeer(GtErrorCode.STREAM_RESET, "the tunnel was lost");
    }

    /** Whether an idle limit or the open deadline has passed at {@code now} (sweeper ticks). */
    boolean isOverdue(long now) {
        return !accepted && now - openDeadlineTick > 0
                || idleLimitTicks > 0 && now - lastActiveTick > idleLimitTicks;
    }

    /** Ends an overdue stream. */
    void expire(long now, long tickNanos) {
        if (!accepted && now - openDeadlineTick > 0) {
            reset(GtErrorCode.TIMEOUT, "the " + tunnel.otherSideName() + " did not answer the stream's open");
            return;
        }
        reset(GtErrorCode.TIMEOUT, "no data for "
                + java.util.concurrent.TimeUnit.NANOSECONDS.toMillis(idleLimitTicks * tickNanos) + " ms");
    }

    /**
     * Ends the peer of a stream that did not end cleanly. A peer that got nothing yet may get an
     * answer from the {@link EarlyResetHandler} (an HTTP visitor's 502 or 504 page). Otherwise a
     * stream cut off by a failure is reset (TCP RST), so that a truncated body or stream never
     * looks complete to the peer; an idle timeout is an orderly close.
     */
    private void endPeer(GtErrorCode code, String message) {
        Channel p = peer;
        if (p == null) {
            return;
        }
        if (deliveredBytes == 0 && earlyResetHandler != null && p.isActive()
                && earlyResetHandler.onEarlyReset(p, code, message)) {
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

    @Override
    public String toString() {
        return "stream " + id;
    }
}

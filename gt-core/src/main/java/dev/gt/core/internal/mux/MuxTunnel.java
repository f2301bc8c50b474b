package dev.gt.core.internal.mux;

import dev.gt.api.GtErrorCode;
import dev.gt.api.GtException;
import dev.gt.core.internal.proto.FrameListener;
import dev.gt.core.internal.proto.Protocol;
import dev.gt.core.internal.proto.ProtocolException;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
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
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The stream multiplexer of one tunnel connection, shared by server and client. It sits after
 * the {@link dev.gt.core.internal.proto.FrameDecoder} and owns the stream table; all of its state
 * is touched only on the tunnel channel's event loop.
 */
public abstract class MuxTunnel extends ChannelInboundHandlerAdapter implements FrameListener {
    private static final Logger log = LoggerFactory.getLogger(MuxTunnel.class);

    protected final Channel channel;
    protected final EventLoop loop;
    protected final ByteBufAllocator alloc;
    int sendWindow;
    final int recvWindow;
    final int creditThreshold;
    private final IntObjectHashMap<Stream> streams = new IntObjectHashMap<>();
    private final List<Stream> dirty = new ArrayList<>();
    private final ArrayDeque<Stream> waiting = new ArrayDeque<>();
    private boolean flushScheduled;
    private final Runnable flushTask = this::flushNow;
    private volatile int streamCount;
    private long lastReadNanos = System.nanoTime();
    private volatile long rttNanos = -1;
    private ScheduledFuture<?> keepalive;
    private ScheduledFuture<?> sweeper;
    private long tickNanos;
    /** Advanced by the idle sweeper; streams note it on activity instead of reading a clock. */
    long tick;
    private boolean goingAway;
    private boolean closed;
    private Throwable closeCause;

    /**
     * @param sendWindow the other side's per-stream receive window (our initial credit)
     * @param recvWindow our per-stream receive window
     */
    protected MuxTunnel(Channel channel, int sendWindow, int recvWindow) {
        this.channel = channel;
        this.loop = channel.eventLoop();
        this.alloc = channel.alloc();
        this.sendWindow = sendWindow;
        this.recvWindow = recvWindow;
        this.creditThreshold = Math.max(1, recvWindow / 4);
    }

    /** Sets the other side's window, as announced in the handshake, before any stream exists. */
    protected void sendWindow(int window) {
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

    /** A name for the other side of streams, for messages ("visitor", "local service"). */
    protected abstract String peerSideName();

    /** Called once when the tunnel channel is gone, after all streams were aborted. */
    protected abstract void onTunnelClosed(Throwable cause);

    // ---- streams ----

    protected Stream newStream(int id) {
        Stream s = new Stream(this, id);
        streams.put(id, s);
        streamCount = streams.size();
        return s;
    }

    /**
     * Creates a stream that is not in the table yet, so that a peer's handler can be bound to it
     * on the peer's own event loop before {@link #register} runs on the tunnel's.
     */
    protected Stream unregisteredStream() {
        return new Stream(this, 0);
    }

    /** Puts a stream made by {@link #unregisteredStream()} in the table under {@code id}. */
    protected void register(Stream s, int id) {
        s.id = id;
        streams.put(id, s);
        streamCount = streams.size();
    }

    protected boolean hasStream(int id) {
        return streams.containsKey(id);
    }

    protected Stream stream(int id) {
        return streams.get(id);
    }

    void removeStream(Stream s) {
        if (streams.get(s.id) == s) {
            streams.remove(s.id);
            streamCount = streams.size();
            closeIfDrained();
        }
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
        channel.write(frame, channel.voidPromise());
        scheduleFlush();
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

    void markDirty(Stream s) {
        if (!s.dirty) {
            s.dirty = true;
            dirty.add(s);
        }
    }

    void waitForWritability(Stream s) {
        if (!s.waitingForTunnel) {
            s.waitingForTunnel = true;
            waiting.add(s);
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
    public void channelReadComplete(ChannelHandlerContext ctx) {
        lastReadNanos = System.nanoTime();
        if (!dirty.isEmpty()) {
            for (int i = 0; i < dirty.size(); i++) {
                Stream s = dirty.get(i);
                s.dirty = false;
                s.flushPeer();
            }
            dirty.clear();
        }
        ctx.fireChannelReadComplete();
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) {
        if (channel.isWritable()) {
            Stream s;
            int n = waiting.size();
            while (n-- > 0 && channel.isWritable() && (s = waiting.poll()) != null) {
                s.waitingForTunnel = false;
                s.updateReading();
            }
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

    /** Sends GOAWAY with {@code code} and closes the tunnel once it is written. */
    public void close(GtErrorCode code, String message, Throwable cause) {
        runOnLoop(() -> {
            if (closeCause == null) {
                closeCause = cause != null ? cause : new GtException(code, message);
            }
            if (channel.isActive()) {
                channel.writeAndFlush(Protocol.goAway(alloc, code.code(), message))
                        .addListener(ChannelFutureListener.CLOSE);
            } else {
                channel.close();
            }
        });
    }

    /** Announces GOAWAY: no new streams will be opened here; open ones go on. */
    public void goAway(GtErrorCode code, String message) {
        runOnLoop(() -> {
            if (!goingAway && channel.isActive()) {
                goingAway = true;
                writeControl(Protocol.goAway(alloc, code.code(), message));
            }
        });
    }

    protected void markGoingAway() {
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
        List<Stream> all = new ArrayList<>(streams.values());
        streams.clear();
        streamCount = 0;
        for (Stream s : all) {
            s.abort();
        }
        waiting.clear();
        dirty.clear();
        Throwable cause = closeCause != null ? closeCause
                : new GtException(GtErrorCode.STREAM_RESET, "tunnel connection closed");
        onTunnelClosed(cause);
    }

    // ---- keepalive ----

    /**
     * Starts the keepalive: a PING every {@code pingInterval} (none if zero) and a close when
     * nothing was read for {@code idleTimeout} (never if zero).
     */
    protected void startKeepalive(Duration pingInterval, Duration idleTimeout) {
        long ping = pingInterval.toNanos();
        long idle = idleTimeout.toNanos();
        long period = ping > 0 ? ping : idle / 2;
        if (period <= 0) {
            return;
        }
        period = Math.max(period, TimeUnit.MILLISECONDS.toNanos(50));
        keepalive = loop.scheduleAtFixedRate(() -> {
            long now = System.nanoTime();
            if (idle > 0 && now - lastReadNanos > idle) {
                onIdleTimeout(Duration.ofNanos(idle));
                return;
            }
            if (ping > 0) {
                writeControl(Protocol.ping(alloc, now));
            }
        }, period, period, TimeUnit.NANOSECONDS);
    }

    /**
     * Nothing was read for the keepalive's idle timeout: closes the tunnel. A side may override it
     * to say so in its own words (which option, which peer); it must still close.
     */
    protected void onIdleTimeout(Duration idle) {
        close(GtErrorCode.TIMEOUT, "nothing heard for " + idle, null);
    }

    // ---- stream idle timeouts ----

    /**
     * Starts the sweeper that resets streams idle for longer than their limit. One periodic task
     * per tunnel replaces a timer per connection; its resolution is an eighth of the shortest
     * timeout (between 50 ms and 1 s).
     */
    protected void startIdleSweeper(Duration shortestTimeout) {
        if (shortestTimeout.isZero() || sweeper != null) {
            return;
        }
        tickNanos = Math.max(TimeUnit.MILLISECONDS.toNanos(50),
                Math.min(TimeUnit.SECONDS.toNanos(1), shortestTimeout.toNanos() / 8));
        sweeper = loop.scheduleAtFixedRate(this::sweep, tickNanos, tickNanos, TimeUnit.NANOSECONDS);
    }

    /** The number of ticks that make up {@code timeout} (0 = no limit). */
    protected long ticks(Duration timeout) {
        if (timeout.isZero() || tickNanos == 0) {
            return 0;
        }
        return Math.max(1, (timeout.toNanos() + tickNanos - 1) / tickNanos);
    }

    private void sweep() {
        tick++;
        if (streams.isEmpty()) {
            return;
        }
        List<Stream> idle = null;
        for (Stream s : streams.values()) {
            if (s.idleLimitTicks > 0 && tick - s.lastActiveTick > s.idleLimitTicks) {
                if (idle == null) {
                    idle = new ArrayList<>();
                }
                idle.add(s);
            }
        }
        if (idle != null) {
            for (Stream s : idle) {
                log.debug("{} idle for {} ms, closing", s, TimeUnit.NANOSECONDS.toMillis(s.idleLimitTicks * tickNanos));
                s.reset(GtErrorCode.TIMEOUT, "no data for " + TimeUnit.NANOSECONDS.toMillis(s.idleLimitTicks * tickNanos)
                        + " ms");
            }
        }
    }

    // ---- frames common to both sides ----

    @Override
    public void onData(int id, boolean fin, ByteBuf payload) {
        Stream s = streams.get(id);
        if (s == null) {
            // Late data for a stream this side already ended: dropped, the tunnel stays up.
            payload.release();
            return;
        }
        s.onRemoteData(payload, fin);
    }

    @Override
    public void onReset(int id, int code, String message) {
        Stream s = streams.get(id);
        if (s != null) {
            s.onRemoteReset(code, message);
        }
    }

    @Override
    public void onWindow(int id, int increment) {
        Stream s = streams.get(id);
        if (s != null) {
            s.onRemoteWindow(increment);
        }
    }

    @Override
    public void onPing(long opaque) {
        writeControl(Protocol.pong(alloc, opaque));
    }

    @Override
    public void onPong(long opaque) {
        long rtt = System.nanoTime() - opaque;
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
        onPeerGoAway(GtErrorCode.orInternal(code), message);
        closeIfDrained();
    }

    /** Hook: the other side sent GOAWAY. */
    protected abstract void onPeerGoAway(GtErrorCode code, String message);

    @Override
    public void onOpen(int stream, int serviceIndex, byte[] visitorIp, int visitorPort) {
        throw new ProtocolException("unexpected OPEN frame");
    }

    @Override
    public void onReady(int window, long timeoutMillis, int tunnelId) {
        throw new ProtocolException("unexpected READY frame");
    }

    @Override
    public void onService(int index, int kind, int tcpPort, String host) {
        throw new ProtocolException("unexpected SERVICE frame");
    }

    @Override
    public void onError(int code, int serviceIndex, String message) {
        throw new ProtocolException("unexpected ERROR frame");
    }
}

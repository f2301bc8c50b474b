package dev.gt.core.internal.mux;

import dev.gt.api.GtErrorCode;
import dev.gt.api.GtException;
import dev.gt.api.spi.TunnelConnection;
import dev.gt.core.internal.proto.Protocol;
import dev.gt.core.internal.proto.ProtocolException;
import dev.gt.core.internal.relay.StreamRelay;
import dev.gt.core.internal.relay.TransportStream;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelOption;
import io.netty.channel.socket.ChannelInputShutdownEvent;
import io.netty.channel.socket.DuplexChannel;
import io.netty.util.ReferenceCountUtil;
import java.nio.charset.StandardCharsets;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A visitor stream carried by a stream of the tunnel transport itself (a QUIC stream), registered
 * in the tunnel's {@link MuxTunnel} table like a multiplexed one. The transport's own flow control
 * replaces our credit windows: the credit is unlimited while the stream channel exists, the
 * channel's writability is the stream's send capacity, and what arrives is read (AUTO_READ) only
 * while less than {@link #READ_AHEAD} bytes wait for the peer, so a slow peer stops its sender
 * through the transport's window and nothing else.
 *
 * <p>On the wire (PROTOCOL.md §5): the server opens the stream and writes an OPEN frame, then raw
 * bytes; the client answers with an ACCEPT frame, or a RESET frame and FIN, then raw bytes. FIN is
 * the transport's FIN, sent after the last write; an abort is the transport's reset
 * ({@link TunnelConnection#resetStream}) with the GT error code.
 */
public final class NativeStream extends CarriedStream implements TransportStream {
    private static final Logger log = LoggerFactory.getLogger(NativeStream.class);
    /** Bytes handed to the relay and not yet taken by its peer, past which reading pauses. */
    static final int READ_AHEAD = 256 * 1024;
    /** Largest answer or OPEN frame accepted at the start of a stream. */
    private static final int MAX_HEADER = Protocol.HEADER_LENGTH + 2 + Protocol.MAX_MESSAGE_BYTES;

    /**
     * What a client does with a stream the server opened, once its OPEN frame is read: registers
     * a {@link NativeStream} with {@link NativeStream#bind}, or refuses it by throwing.
     */
    @FunctionalInterface
    public interface Opener {
        void onOpen(Channel channel, int id, int serviceIndex, byte[] visitorIp, int visitorPort);
    }

    private final MuxTunnel tunnel;
    private final TunnelConnection connection;
    /** Whether this side opened the stream (the server) and so reads an answer first. */
    private final boolean opener;
    private Channel channel;
    /** Removed from the tunnel's table. */
    private boolean gone;
    /** Client: whether the OPEN was answered (ACCEPT or RESET). */
    private boolean answered;
    /** The relay asked for FIN before the stream channel existed. */
    private boolean finPending;
    private boolean finSent;
    /** The transport took our FIN (after every write). */
    private boolean outputShut;
    private boolean finReceived;
    private boolean finalSizeQueued;
    /** The other side's end came as FINAL_SIZE, not as the transport's FIN. */
    private boolean finFromFinalSize;
    /**
     * The first frame was read: on the server the client's answer to OPEN, on the client (bound
     * once its OPEN was read) from the start.
     */
    private boolean started;
    /** Raw bytes written to and read from the transport stream, after its first frame. */
    private long sentBytes;
    private long receivedBytes;
    /** The other side's FINAL_SIZE, or -1. */
    private long finalSize = -1;
    private boolean waitingForWritability;
    private boolean flushPeer;
    private int unconsumed;

    private NativeStream(MuxTunnel tunnel, TunnelConnection connection, int id, StreamRelay relay, boolean opener) {
        super(id, relay);
        this.tunnel = tunnel;
        this.connection = connection;
        this.opener = opener;
    }

    /**
     * Server: opens a transport stream for {@code relay} under {@code id}. The stream is registered
     * and bound at once; the relay holds what its peer sends (no credit) until the transport has
     * opened the stream and the OPEN frame {@code open} (ownership passes) is written. A refusal
     * by the transport (the client allows no more streams now) ends the stream with
     * {@link GtErrorCode#STREAM_REFUSED}.
     */
    public static NativeStream open(MuxTunnel tunnel, TunnelConnection connection, int id, StreamRelay relay,
            ByteBuf open) {
        NativeStream s = new NativeStream(tunnel, connection, id, relay, true);
        s.answered = true;
        relay.bind(s);
        tunnel.register(s);
        Inbound in = new Inbound(connection, null);
        in.stream = s;
        connection.openStream(ch -> {
            ch.config().setOption(ChannelOption.ALLOW_HALF_CLOSURE, true);
            ch.config().setAutoRead(false);
            ch.pipeline().addLast("gt-stream", in);
        }).whenComplete((ch, err) -> {
            try {
                // Always later, never inline: the caller attaches the relay's peer first, so that a
                // refusal can still answer it (503).
                tunnel.loop().execute(() -> s.opened(ch, err, open));
            } catch (java.util.concurrent.RejectedExecutionException e) {
                open.release();
                if (ch != null) {
                    ch.close();
                }
            }
        });
        return s;
    }

    private void opened(Channel ch, Throwable err, ByteBuf open) {
        if (err != null) {
            open.release();
            log.debug("{}: the transport opened no stream: {}", this, err.toString());
            relay.reset(GtErrorCode.STREAM_REFUSED, "the " + tunnel.otherSideName() + " takes no more streams now");
            return;
        }
        if (gone) {
            open.release();
            connection.resetStream(ch, GtErrorCode.STREAM_RESET.code());
            return;
        }
        channel = ch;
        ch.writeAndFlush(open, ch.voidPromise());
        ch.config().setAutoRead(true);
        if (finPending) {
            finPending = false;
            fin();
        }
        relay.onCredit();
    }

    /**
     * Client: reads the OPEN frame of a stream the server opened and hands it to {@code opener}
     * (which binds it), then relays. A malformed OPEN resets that stream only.
     */
    public static void accept(MuxTunnel tunnel, TunnelConnection connection, Channel ch, Opener opener) {
        ch.config().setOption(ChannelOption.ALLOW_HALF_CLOSURE, true);
        ch.pipeline().addLast("gt-stream", new Inbound(connection, opener));
        ch.config().setAutoRead(true);
    }

    /**
     * Client: registers the stream {@code channel} as {@code id} for {@code relay}, from
     * {@link Opener#onOpen}. {@link #accepted()} or a reset answers the OPEN later.
     */
    public static NativeStream bind(MuxTunnel tunnel, TunnelConnection connection, Channel channel, int id,
            StreamRelay relay) {
        NativeStream s = new NativeStream(tunnel, connection, id, relay, false);
        s.channel = channel;
        s.started = true;
        relay.bind(s);
        tunnel.register(s);
        ((Inbound) channel.pipeline().get("gt-stream")).stream = s;
        return s;
    }

    /** Client: the local service is connected: answers the OPEN with ACCEPT. */
    public void accepted() {
        if (gone || answered) {
            return;
        }
        answered = true;
        channel.writeAndFlush(Protocol.accept(channel.alloc(), id), channel.voidPromise());
    }

    // ---- TransportStream ----

    @Override
    public int sendCredit() {
        return channel == null || gone ? 0 : Integer.MAX_VALUE;
    }

    @Override
    public boolean isWritable() {
        return channel != null && channel.isWritable();
    }

    @Override
    public void notifyWhenWritable() {
        waitingForWritability = true;
    }

    @Override
    public void write(ByteBuf data) {
        int n = data.readableBytes();
        tunnel.countSent(n);
        sentBytes += n;
        // Each write is handed to the transport at once (it sends as its congestion window allows).
        // Flushed now: a QUIC stream channel left unflushed sends only when its connection next
        // reports the stream writable (an ACK, a timer), which held small answers back by about
        // an ACK delay and paced bulk transfers by incoming packets.
        channel.writeAndFlush(data, channel.voidPromise());
    }

    @Override
    public void fin() {
        if (channel == null) {
            finPending = true;
            return;
        }
        if (finSent) {
            return;
        }
        finSent = true;
        Channel ch = channel;
        // After the last write, never beside it: a FIN sent while writes still wait for the
        // transport's window would drop them (deps.md §3).
        ch.writeAndFlush(Unpooled.EMPTY_BUFFER).addListener((ChannelFutureListener) f -> {
            if (f.isSuccess()) {
                ((DuplexChannel) ch).shutdownOutput().addListener(done -> {
                    if (done.isSuccess()) {
                        outputShut = true;
                        queueFinalSize();
                    }
                });
            }
        });
    }

    /**
     * Our FIN also goes as FINAL_SIZE on the control channel ({@link #fin}): the QUIC library
     * bundled with Netty 4.2.18 (quiche 0.29) can lose a FIN. One given without data is dropped
     * when the ACK of the stream's last data is processed before the FIN is put in a packet (the
     * stream counts as complete and is forgotten; quiche issue 2525), and under loss a FIN was seen
     * never to arrive while everything before it did; the other side then waits for the end until
     * its idle timeout.
     */
    private void queueFinalSize() {
        // Not before the client has answered the OPEN: until it has read it, it does not know the
        // stream, and would ignore the FINAL_SIZE.
        if (outputShut && started && !finalSizeQueued) {
            finalSizeQueued = true;
            tunnel.queueFinalSize(id, sentBytes);
        }
    }

    @Override
    public void reset(GtErrorCode code, String message) {
        if (gone) {
            return;
        }
        gone = true;
        tunnel.removeStream(this, new GtException(code, message));
        Channel ch = channel;
        if (ch == null) {
            return;
        }
        if (!answered) {
            // The client's answer to OPEN: the reason travels in a RESET frame, then FIN, so that the
            // server's relay sees DIAL_FAILED and answers its visitor 502 (a transport reset could
            // discard the frame).
            answered = true;
            ch.write(Protocol.reset(ch.alloc(), id, code.code(), message), ch.voidPromise());
            ch.writeAndFlush(Unpooled.EMPTY_BUFFER).addListener((ChannelFutureListener) f -> {
                if (f.isSuccess()) {
                    ((DuplexChannel) ch).shutdownOutput();
                }
            });
            // Whatever the server still sends on it is dropped until it resets or ends the stream.
            ch.config().setAutoRead(true);
            return;
        }
        connection.resetStream(ch, code.code());
    }

    @Override
    public void finished() {
        if (!gone) {
            gone = true;
            tunnel.removeStream(this, null);
        }
        // The channel closes itself once FIN went both ways (closing it here could cut off a FIN
        // still waiting behind the last write).
    }

    @Override
    public void consumed(int n) {
        unconsumed -= n;
        if (unconsumed < READ_AHEAD && channel != null && !gone && !channel.config().isAutoRead()) {
            channel.config().setAutoRead(true);
        }
    }

    @Override
    public void flushPeerLater(StreamRelay r) {
        if (r.markDirty()) {
            flushPeer = true;
        }
    }

    @Override
    public long tick() {
        return tunnel.tick;
    }

    @Override
    public String otherSideName() {
        return tunnel.otherSideName();
    }

    @Override
    public String peerSideName() {
        return tunnel.peerSideName();
    }

    // ---- CarriedStream: frames for this stream on the control channel are not expected ----

    @Override
    void onRemoteData(ByteBuf payload, boolean fin) {
        payload.release();
        relay.reset(GtErrorCode.PROTOCOL_ERROR, "DATA on the control stream for a stream of the transport");
    }

    @Override
    void onRemoteWindow(int increment) {
        // Flow control is the transport's; nothing to do.
    }

    @Override
    void onRemoteReset(int code, String message) {
        remoteReset(GtErrorCode.orInternal(code), message);
    }

    @Override
    void onRemoteFinalSize(long size) {
        if (gone || finReceived) {
            return;
        }
        if (size < receivedBytes) {
            relay.reset(GtErrorCode.PROTOCOL_ERROR, "FINAL_SIZE of " + size + " bytes after " + receivedBytes
                    + " bytes arrived (expected at least as many)");
            return;
        }
        finalSize = size;
        endIfAllArrived();
    }

    /** After FINAL_SIZE: the end, once every byte before it has been read. */
    private void endIfAllArrived() {
        if (finalSize < 0 || gone || finReceived || !started || receivedBytes < finalSize) {
            return;
        }
        if (receivedBytes > finalSize) {
            relay.reset(GtErrorCode.PROTOCOL_ERROR, receivedBytes + " bytes arrived on a stream of FINAL_SIZE "
                    + finalSize);
            return;
        }
        log.debug("{}: ended by FINAL_SIZE {} (the transport's FIN did not come)", this, finalSize);
        finReceived = true;
        finFromFinalSize = true;
        relay.onData(Unpooled.EMPTY_BUFFER, true);
        // The channel stays open and reading: the transport closes it when the FIN comes after
        // all, which it usually does (FINAL_SIZE overtook a FIN lost and sent again). Closed
        // before, the channel would never read that FIN, and Netty's codec would look at the
        // stream, readable forever, on every packet of the connection. One whose FIN never comes
        // stays until the connection goes, neither readable nor writable.
        channel.config().setAutoRead(true);
    }

    @Override
    void onTunnelLost() {
        gone = true;
        relay.abort();
    }

    private void remoteReset(GtErrorCode code, String message) {
        if (gone) {
            return;
        }
        gone = true;
        tunnel.removeStream(this, new GtException(code, "reset by the " + tunnel.otherSideName() + ": " + message));
        relay.onRemoteReset(code, message);
        if (channel != null) {
            channel.close();
        }
    }

    private void onBytes(ByteBuf buf) {
        if (gone) {
            buf.release();
            return;
        }
        if (finFromFinalSize) {
            buf.release();
            relay.reset(GtErrorCode.PROTOCOL_ERROR, "bytes past the FINAL_SIZE of " + finalSize);
            return;
        }
        int n = buf.readableBytes();
        tunnel.countReceived(n);
        receivedBytes += n;
        unconsumed += n;
        if (unconsumed >= READ_AHEAD) {
            channel.config().setAutoRead(false);
        }
        relay.onData(buf, false);
        endIfAllArrived();
    }

    @Override
    public String toString() {
        return "stream " + id + " (" + connection.scheme() + ")";
    }

    /**
     * The stream channel's handler: reads the first frame (OPEN on the client, the answer on the
     * server), then hands bytes, FIN, writability and resets to the stream.
     */
    private static final class Inbound extends ChannelInboundHandlerAdapter {
        private final TunnelConnection connection;
        /** Client: who takes the OPEN; {@code null} once it has (and on the server). */
        private Opener opener;
        /** The bound stream (the client's is bound by the opener). */
        NativeStream stream;
        /** The first frame, while it is incomplete. */
        private ByteBuf head;

        Inbound(TunnelConnection connection, Opener opener) {
            this.connection = connection;
            this.opener = opener;
        }

        /** Whether the first frame (OPEN, or the answer to it) is still to be read. */
        private boolean headerPending() {
            return opener != null || stream != null && !stream.started;
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            if (!(msg instanceof ByteBuf)) {
                ReferenceCountUtil.release(msg);
                return;
            }
            ByteBuf buf = (ByteBuf) msg;
            if (stream != null && stream.gone) {
                buf.release();
                return;
            }
            if (headerPending()) {
                head = head == null ? buf : Unpooled.wrappedBuffer(head, buf);
                int frame = frameLength(head);
                if (frame < 0) {
                    return;
                }
                ByteBuf first = head.readRetainedSlice(frame);
                ByteBuf rest = head;
                head = null;
                try {
                    onFirstFrame(ctx, first);
                } catch (ProtocolException e) {
                    log.warn("tunnel {}: {}; resetting the stream", connection.remoteAddress(), e.getMessage());
                    rest.release();
                    if (stream != null) {
                        stream.relay.reset(GtErrorCode.PROTOCOL_ERROR, e.getMessage());
                    } else {
                        connection.resetStream(ctx.channel(), GtErrorCode.PROTOCOL_ERROR.code());
                    }
                    return;
                } finally {
                    first.release();
                }
                if (rest.isReadable() && stream != null) {
                    stream.onBytes(rest);
                } else {
                    rest.release();
                    if (stream != null) {
                        stream.endIfAllArrived();
                    }
                }
                return;
            }
            if (stream == null) {
                buf.release();
                return;
            }
            stream.onBytes(buf);
        }

        /** The length of the complete first frame in {@code b}, or -1 while it is incomplete. */
        private int frameLength(ByteBuf b) {
            if (b.readableBytes() < Protocol.HEADER_LENGTH) {
                return -1;
            }
            long length = b.getUnsignedInt(b.readerIndex() + 6);
            if (length > MAX_HEADER - Protocol.HEADER_LENGTH) {
                throw new ProtocolException("first frame of a stream of " + length + " bytes (expected at most "
                        + (MAX_HEADER - Protocol.HEADER_LENGTH) + ")");
            }
            int total = Protocol.HEADER_LENGTH + (int) length;
            return b.readableBytes() < total ? -1 : total;
        }

        private void onFirstFrame(ChannelHandlerContext ctx, ByteBuf f) {
            int type = f.readUnsignedByte();
            f.skipBytes(1);
            int sid = f.readInt();
            f.skipBytes(4);
            if (opener != null) {
                if (type != Protocol.TYPE_OPEN) {
                    throw new ProtocolException("a stream of the server starts with " + Protocol.typeName(type)
                            + " (expected OPEN)");
                }
                if (f.readableBytes() < 5) {
                    throw new ProtocolException("OPEN frame is too short");
                }
                int service = f.readUnsignedShort();
                int addrLen = f.readUnsignedByte();
                if (addrLen != 0 && addrLen != 4 && addrLen != 16 || f.readableBytes() < addrLen + 2) {
                    throw new ProtocolException("OPEN frame with an address of " + addrLen
                            + " bytes (expected 0, 4 or 16)");
                }
                byte[] ip = null;
                if (addrLen > 0) {
                    ip = new byte[addrLen];
                    f.readBytes(ip);
                }
                int port = f.readUnsignedShort();
                Opener o = opener;
                opener = null;
                o.onOpen(ctx.channel(), sid, service, ip, port);
                if (stream == null) {
                    // Refused without a stream to reset (the opener logged why).
                    connection.resetStream(ctx.channel(), GtErrorCode.STREAM_REFUSED.code());
                }
                return;
            }
            stream.started = true;
            if (sid != stream.id) {
                throw new ProtocolException("the answer on stream " + stream.id + " names stream " + sid);
            }
            if (type == Protocol.TYPE_ACCEPT) {
                stream.relay.onAccept();
                stream.queueFinalSize();
            } else if (type == Protocol.TYPE_RESET) {
                if (f.readableBytes() < 2) {
                    throw new ProtocolException("RESET frame is too short");
                }
                int code = f.readUnsignedShort();
                String message = f.readCharSequence(f.readableBytes(), StandardCharsets.UTF_8).toString();
                stream.remoteReset(GtErrorCode.orInternal(code), message);
            } else {
                throw new ProtocolException("a stream starts its answer with " + Protocol.typeName(type)
                        + " (expected ACCEPT or RESET)");
            }
        }

        @Override
        public void channelReadComplete(ChannelHandlerContext ctx) {
            NativeStream s = stream;
            if (s != null && s.flushPeer) {
                s.flushPeer = false;
                s.relay.flushPeer();
            }
            ctx.fireChannelReadComplete();
        }

        @Override
        public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
            if (evt instanceof ChannelInputShutdownEvent) {
                NativeStream s = stream;
                if (s == null || headerPending()) {
                    // Ended before its first frame was whole: nothing to relay.
                    release();
                    if (s != null && !s.gone) {
                        s.relay.reset(GtErrorCode.PROTOCOL_ERROR, "the stream ended before its first frame");
                    } else {
                        ctx.close();
                    }
                    return;
                }
                if (!s.gone && !s.finReceived) {
                    s.finReceived = true;
                    s.relay.onData(Unpooled.EMPTY_BUFFER, true);
                }
                return;
            }
            ctx.fireUserEventTriggered(evt);
        }

        @Override
        public void channelWritabilityChanged(ChannelHandlerContext ctx) {
            NativeStream s = stream;
            if (s != null && s.waitingForWritability && ctx.channel().isWritable()) {
                s.waitingForWritability = false;
                s.relay.onTransportWritable();
            }
            ctx.fireChannelWritabilityChanged();
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            NativeStream s = stream;
            long code = connection.resetCode(cause);
            if (s == null) {
                log.debug("stream of {} failed before its OPEN: {}", connection.remoteAddress(), cause.toString());
                release();
                ctx.close();
                return;
            }
            if (code >= 0) {
                int c = code > Integer.MAX_VALUE ? GtErrorCode.INTERNAL_ERROR.code() : (int) code;
                s.remoteReset(GtErrorCode.orInternal(c), "stream reset");
                return;
            }
            if (s.gone) {
                return;
            }
            // A write refused after the other side stopped reading (it resets the stream next), or
            // the transport failed: the stream cannot go on.
            log.debug("{} failed: {}", s, cause.toString());
            s.relay.reset(GtErrorCode.STREAM_RESET, "the stream failed");
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) {
            release();
            NativeStream s = stream;
            if (s != null && !s.gone && !(s.finSent && s.finReceived)) {
                // Closed under the stream (the connection went): like a lost tunnel for this stream.
                s.gone = true;
                s.tunnel.removeStream(s, new GtException(GtErrorCode.STREAM_RESET, "the transport stream closed"));
                s.relay.abort();
            }
            ctx.fireChannelInactive();
        }

        @Override
        public void handlerRemoved(ChannelHandlerContext ctx) {
            release();
        }

        private void release() {
            if (head != null) {
                head.release();
                head = null;
            }
        }
    }
}

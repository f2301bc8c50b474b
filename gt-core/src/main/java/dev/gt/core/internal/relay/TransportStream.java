package dev.gt.core.internal.relay;

import dev.gt.api.GtErrorCode;
import io.netty.buffer.ByteBuf;

/**
 * The transport side of one visitor stream, as a {@link StreamRelay} sees it: a stream of our
 * multiplexer, a QUIC stream, a data channel. Every method is called on the relay's event loop,
 * and the implementation calls the relay back on that loop ({@link StreamRelay#onData},
 * {@link StreamRelay#onCredit}, {@link StreamRelay#onTransportWritable},
 * {@link StreamRelay#onAccept}, {@link StreamRelay#onRemoteReset}, {@link StreamRelay#abort}).
 */
public interface TransportStream {
    /**
     * How many bytes {@link #write} may take now: the credit the other side granted, or
     * {@link Integer#MAX_VALUE} for a transport that does its own flow control.
     */
    int sendCredit();

    /** Whether the connection can take more bytes now (its outbound buffer is below its high-water mark). */
    boolean isWritable();

    /** Calls {@link StreamRelay#onTransportWritable()} once when {@link #isWritable()} turns true. */
    void notifyWhenWritable();

    /** Writes bytes the peer sent, at most {@link #sendCredit()}; ownership passes. */
    void write(ByteBuf data);

    /** The peer will send no more: half-closes this direction after what was written. */
    void fin();

    /** Aborts the stream; the other side learns {@code code} and {@code message}. Ends the stream here. */
    void reset(GtErrorCode code, String message);

    /** The stream ended cleanly in both directions: the transport forgets it. */
    void finished();

    /**
     * {@code n} bytes delivered by {@link StreamRelay#onData} left the relay (the peer took them):
     * the other side may send as much more.
     */
    void consumed(int n);

    /**
     * Asks for the peer's buffered writes to be flushed with the transport's current read batch
     * (both on the same loop); a transport without batching flushes at once.
     */
    void flushPeerLater(StreamRelay relay);

    /** The transport's stream clock: advanced by its sweeper, noted by the relay on activity. */
    long tick();

    /** What the other end of the transport is called in messages ("client", "server"). */
    String otherSideName();

    /** What the peer of this side is called in messages ("visitor", "local service"). */
    String peerSideName();
}

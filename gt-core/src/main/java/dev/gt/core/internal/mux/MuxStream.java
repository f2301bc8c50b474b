package dev.gt.core.internal.mux;

import dev.gt.api.GtErrorCode;
import dev.gt.core.internal.proto.Protocol;
import dev.gt.core.internal.relay.StreamRelay;
import dev.gt.core.internal.relay.TransportStream;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;

/**
 * One stream of our multiplexer: the {@link TransportStream} of a {@link StreamRelay} over GT's
 * framing. It owns the credit windows and the frames; every method runs on the tunnel's loop.
 *
 * <p>Flow control: this side may send at most {@code sendCredit} bytes; the other side returns
 * credit with WINDOW frames once the bytes left its relay ({@link #consumed}). More than the
 * window from the other side is a flow-control error that resets this stream only.
 */
public final class MuxStream extends CarriedStream implements TransportStream {
    final MuxTunnel tunnel;
    private int sendCredit;
    private int recvAllowed;
    private int creditReady;
    /** FIN arrived from the other side: more DATA is a protocol error. */
    private boolean remoteFin;
    /** Removed from the tunnel's table: reset, finished or the tunnel is gone. */
    private boolean gone;
    /** Queued in the tunnel for a WINDOW that waits for the tunnel to become writable. */
    boolean windowWaiting;

    MuxStream(MuxTunnel tunnel, int id, StreamRelay relay) {
        super(id, relay);
        this.tunnel = tunnel;
        this.sendCredit = tunnel.sendWindow;
        this.recvAllowed = tunnel.recvWindow;
    }

    // ---- TransportStream: called by the relay ----

    @Override
    public int sendCredit() {
        return sendCredit;
    }

    @Override
    public boolean isWritable() {
        return tunnel.channel.isWritable();
    }

    @Override
    public void notifyWhenWritable() {
        tunnel.waitForWritability(relay);
    }

    @Override
    public void write(ByteBuf data) {
        int n = data.readableBytes();
        sendCredit -= n;
        tunnel.countSent(n);
        // Frames of at most MAX_DATA_CHUNK, so that one stream cannot hold the tunnel for long.
        while (data.readableBytes() > Protocol.MAX_DATA_CHUNK) {
            tunnel.writeData(id, data.readRetainedSlice(Protocol.MAX_DATA_CHUNK), false);
        }
        tunnel.writeData(id, data, false);
    }

    @Override
    public void fin() {
        tunnel.writeData(id, Unpooled.EMPTY_BUFFER, true);
    }

    @Override
    public void reset(GtErrorCode code, String message) {
        if (gone) {
            return;
        }
        gone = true;
        tunnel.removeStream(this, new dev.gt.api.GtException(code, message));
        tunnel.writeControl(Protocol.reset(tunnel.alloc, id, code.code(), message));
    }

    @Override
    public void finished() {
        if (!gone) {
            gone = true;
            tunnel.removeStream(this, null);
        }
    }

    @Override
    public void consumed(int n) {
        creditReady += n;
        if (creditReady >= tunnel.creditThreshold && tunnel.windowWritable(this)) {
            sendWindow();
        }
    }

    @Override
    public void flushPeerLater(StreamRelay r) {
        tunnel.markDirty(r);
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

    /** Sends the increment held back while the tunnel was unwritable. */
    void sendPendingWindow() {
        if (!gone && creditReady > 0) {
            sendWindow();
        }
    }

    private void sendWindow() {
        recvAllowed += creditReady;
        tunnel.writeControl(Protocol.window(tunnel.alloc, id, creditReady));
        creditReady = 0;
    }

    // ---- frames from the other side ----

    @Override
    void onRemoteData(ByteBuf payload, boolean fin) {
        int n = payload.readableBytes();
        if (remoteFin) {
            payload.release();
            relay.reset(GtErrorCode.PROTOCOL_ERROR, "DATA after FIN");
            return;
        }
        if (n > recvAllowed) {
            payload.release();
            relay.reset(GtErrorCode.FLOW_CONTROL_ERROR, n + " bytes sent with " + recvAllowed + " bytes of window left");
            return;
        }
        recvAllowed -= n;
        tunnel.countReceived(n);
        if (fin) {
            remoteFin = true;
        }
        relay.onData(payload, fin);
    }

    @Override
    void onRemoteWindow(int increment) {
        long c = (long) sendCredit + increment;
        if (c > Integer.MAX_VALUE) {
            relay.reset(GtErrorCode.FLOW_CONTROL_ERROR, "window grew past 2^31-1");
            return;
        }
        sendCredit = (int) c;
        relay.onCredit();
    }

    @Override
    void onRemoteReset(int code, String message) {
        gone = true;
        GtErrorCode c = GtErrorCode.orInternal(code);
        tunnel.removeStream(this, new dev.gt.api.GtException(c, "reset by the " + tunnel.otherSideName() + ": "
                + message));
        relay.onRemoteReset(c, message);
    }

    @Override
    void onRemoteFinalSize(long size) {
        // Our streams end with DATA's FIN, which cannot be lost on its own.
        relay.reset(GtErrorCode.PROTOCOL_ERROR, "FINAL_SIZE for a stream of the multiplexer");
    }

    @Override
    void onTunnelLost() {
        gone = true;
        relay.abort();
    }

    @Override
    public String toString() {
        return "stream " + id;
    }
}

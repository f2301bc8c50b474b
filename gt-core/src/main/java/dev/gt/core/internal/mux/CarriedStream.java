package dev.gt.core.internal.mux;

import dev.gt.core.internal.relay.StreamRelay;
import io.netty.buffer.ByteBuf;

/**
 * One stream in a {@link MuxTunnel}'s table, however it is carried: as frames of our multiplexer
 * ({@link MuxStream}), or as a stream of the transport itself ({@link NativeStream}, a QUIC stream)
 * whose control (keepalive, GOAWAY, the handshake) still runs over the tunnel's control channel.
 * The table gives both the same counts, snapshots, idle and open deadlines, drain and loss handling.
 * Every method runs on the tunnel's loop.
 */
public abstract class CarriedStream {
    final StreamRelay relay;
    int id;

    CarriedStream(int id, StreamRelay relay) {
        this.id = id;
        this.relay = relay;
    }

    /** The stream's number in its tunnel (odd: opened by the server). */
    public final int id() {
        return id;
    }

    /** The relay of its peer. */
    public final StreamRelay relay() {
        return relay;
    }

    /** DATA for this stream arrived on the control channel. */
    abstract void onRemoteData(ByteBuf payload, boolean fin);

    /** WINDOW for this stream arrived on the control channel. */
    abstract void onRemoteWindow(int increment);

    /** RESET for this stream arrived on the control channel. */
    abstract void onRemoteReset(int code, String message);

    /** FINAL_SIZE for this stream arrived on the control channel. */
    abstract void onRemoteFinalSize(long size);

    /** The tunnel is gone: nothing can be sent any more. */
    abstract void onTunnelLost();
}

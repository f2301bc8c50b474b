package dev.gt.core.internal.proto;

import io.netty.buffer.ByteBuf;

/**
 * Receives decoded frames, on the tunnel's event loop. Throwing a {@link ProtocolException}
 * closes the tunnel.
 */
public interface FrameListener {
    /**
     * Bytes arrived from the peer: called once per socket read, before the frames they complete.
     * A batch of reads can take long (a peer that floods the tunnel), and the peer is being heard
     * all along, not only when the batch ends.
     */
    default void onBytesReceived() {
    }

    /** DATA; the listener owns {@code payload} and must release it. */
    void onData(int stream, boolean fin, ByteBuf payload);

    /** OPEN; {@code visitorIp} is 4 or 16 bytes, or {@code null}. */
    void onOpen(int stream, int serviceIndex, byte[] visitorIp, int visitorPort);

    /** ACCEPT: the other side connected the stream's local service. */
    void onAccept(int stream);

    void onReset(int stream, int code, String message);

    void onWindow(int stream, int increment);

    void onPing(long opaque);

    void onPong(long opaque);

    void onGoAway(int code, String message);

    void onReady(int window, long timeoutMillis, int tunnelId);

    void onService(int index, int kind, int tcpPort, String host);

    void onError(int code, int serviceIndex, String message);

    /** PRIORITY (optional): the client ranks this tunnel for new streams, 0 first. */
    default void onPriority(int rank) {
    }

    /** PROBE (optional): {@code length} bytes of probe {@code probeId} arrived; {@code fin} on its last frame. */
    default void onProbe(int probeId, int length, boolean fin) {
    }

    /** PROBE_ACK (optional): {@code received} bytes of probe {@code probeId} arrived at the server. */
    default void onProbeAck(int probeId, long received, boolean fin) {
    }

    /**
     * FINAL_SIZE (optional): the other side ended transport stream {@code stream} after {@code size}
     * raw bytes.
     */
    default void onFinalSize(int stream, long size) {
    }

    /** ICE_SERVERS: STUN/TURN servers for peer-to-peer connections; a server receiving it breaks the protocol. */
    default void onIceServers(java.util.List<dev.gt.api.IceServer> servers) {
        throw new ProtocolException("unexpected ICE_SERVERS frame");
    }
}

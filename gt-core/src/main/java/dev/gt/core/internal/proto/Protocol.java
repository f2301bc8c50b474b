package dev.gt.core.internal.proto;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import java.nio.charset.StandardCharsets;

/**
 * Constants and encoders of the GT for Java tunnel protocol, version 0x10. PROTOCOL.md at the
 * repository root is the byte-level description; the golden-byte tests keep the two in step.
 */
public final class Protocol {
    private Protocol() {
    }

    /** First byte of every tunnel connection (shared with GT's own protocol). */
    public static final int MAGIC = 0xF0;
    /** GT's own version 1 (not spoken here; recognised to give a clear error). */
    public static final int VERSION_GT1 = 0x01;
    /** The version this implementation speaks. */
    public static final int VERSION = 0x10;

    /** Frame header: type(1) flags(1) stream(4) length(4). */
    public static final int HEADER_LENGTH = 10;

    public static final int TYPE_DATA = 0;
    public static final int TYPE_OPEN = 1;
    /** Client to server: the local service of a stream is connected (answers OPEN). */
    public static final int TYPE_ACCEPT = 2;
    public static final int TYPE_RESET = 3;
    public static final int TYPE_WINDOW = 4;
    public static final int TYPE_PING = 5;
    public static final int TYPE_PONG = 6;
    public static final int TYPE_GOAWAY = 7;
    public static final int TYPE_READY = 8;
    public static final int TYPE_SERVICE = 9;
    public static final int TYPE_ERROR = 10;
    /**
     * Client to server, optional: how much new streams should prefer this tunnel (0 first); the
     * client's choice between transports. A peer that does not know it skips it.
     */
    public static final int TYPE_PRIORITY = 12;
    /** Client to server, optional: bytes of a throughput probe (flag FIN on its last frame). */
    public static final int TYPE_PROBE = 13;
    /** Server to client, optional: how many bytes of a probe arrived (flag FIN once all did). */
    public static final int TYPE_PROBE_ACK = 14;
    /** Server to client: STUN/TURN servers with short-lived credentials, for peer-to-peer connections. */
    public static final int TYPE_ICE_SERVERS = 11;
    /**
     * Both ways, optional: where the sender's FIN on a stream of the transport itself (a QUIC
     * stream) came, repeated on the control stream, because the QUIC library may drop a FIN sent
     * without data (PROTOCOL.md §5). A peer that does not know it skips it.
     */
    public static final int TYPE_FINAL_SIZE = 15;

    /** DATA flag: the sender will send no more data on this stream (half-close). */
    public static final int FLAG_FIN = 0x01;

    /** Largest DATA payload a receiver accepts; senders emit at most {@link #MAX_DATA_CHUNK}. */
    public static final int MAX_DATA_PAYLOAD = 1 << 20;
    /** Largest DATA payload this implementation sends in one frame. */
    public static final int MAX_DATA_CHUNK = 64 * 1024;
    /** Largest payload of any other frame. */
    public static final int MAX_CONTROL_PAYLOAD = 64 * 1024;
    /**
     * Largest hello body: an id and a secret of 200 bytes each and a few hundred services fit
     * many times over, while an unauthenticated peer cannot make the server buffer much.
     */
    public static final int MAX_HELLO_LENGTH = 64 * 1024;
    /** Longest message text carried in RESET, GOAWAY and ERROR frames. */
    public static final int MAX_MESSAGE_BYTES = 1024;

    /** Default per-stream receive window, both directions. */
    public static final int DEFAULT_WINDOW = 256 * 1024;
    /** Smallest window a peer may announce. */
    public static final int MIN_WINDOW = 16 * 1024;
    /** Largest window a peer may announce. */
    public static final int MAX_WINDOW = 16 << 20;

    /** "no service" in ERROR frames. */
    public static final int NO_SERVICE = 0xFFFF;

    /** Service kinds on the wire. */
    public static final int KIND_HTTP = 0;
    public static final int KIND_HTTPS = 1;
    public static final int KIND_TCP = 2;

    /** Writes a frame header into a new buffer with room for {@code extra} payload bytes. */
    public static ByteBuf header(ByteBufAllocator alloc, int type, int flags, int stream, int length, int extra) {
        return writeHeader(alloc.directBuffer(HEADER_LENGTH + extra), type, flags, stream, length);
    }

    /** Appends a frame header to {@code out}: type(1) flags(1) stream(4) length(4). */
    private static ByteBuf writeHeader(ByteBuf out, int type, int flags, int stream, int length) {
        return out.writeByte(type).writeByte(flags).writeInt(stream).writeInt(length);
    }

    /** DATA header only; the payload follows as its own buffer. */
    public static ByteBuf dataHeader(ByteBufAllocator alloc, int stream, int length, boolean fin) {
        return header(alloc, TYPE_DATA, fin ? FLAG_FIN : 0, stream, length, 0);
    }

    public static ByteBuf window(ByteBufAllocator alloc, int stream, int increment) {
        return header(alloc, TYPE_WINDOW, 0, stream, 4, 4).writeInt(increment);
    }

    /** ACCEPT: no payload; the stream's local service is connected. */
    public static ByteBuf accept(ByteBufAllocator alloc, int stream) {
        return header(alloc, TYPE_ACCEPT, 0, stream, 0, 0);
    }

    public static ByteBuf ping(ByteBufAllocator alloc, long opaque) {
        return header(alloc, TYPE_PING, 0, 0, 8, 8).writeLong(opaque);
    }

    public static ByteBuf pong(ByteBufAllocator alloc, long opaque) {
        return header(alloc, TYPE_PONG, 0, 0, 8, 8).writeLong(opaque);
    }

    public static ByteBuf reset(ByteBufAllocator alloc, int stream, int code, String message) {
        return codeAndMessage(alloc, TYPE_RESET, stream, code, -1, message);
    }

    public static ByteBuf goAway(ByteBufAllocator alloc, int code, String message) {
        return codeAndMessage(alloc, TYPE_GOAWAY, 0, code, -1, message);
    }

    public static ByteBuf error(ByteBufAllocator alloc, int code, int serviceIndex, String message) {
        return codeAndMessage(alloc, TYPE_ERROR, 0, code, serviceIndex, message);
    }

    /**
     * OPEN: serviceIndex(2) addrType(1: 0 none, 4, 6) addr(0/4/16) port(2).
     *
     * @param visitorAddress the visitor's IP bytes (4 or 16) or {@code null}
     */
    public static ByteBuf open(ByteBufAllocator alloc, int stream, int serviceIndex, byte[] visitorAddress,
            int visitorPort) {
        int addrLen = visitorAddress == null ? 0 : visitorAddress.length;
        int len = 2 + 1 + addrLen + 2;
        ByteBuf buf = header(alloc, TYPE_OPEN, 0, stream, len, len);
        buf.writeShort(serviceIndex).writeByte(addrLen);
        if (addrLen > 0) {
            buf.writeBytes(visitorAddress);
        }
        return buf.writeShort(visitorPort);
    }

    /** PRIORITY: rank(1), 0 = preferred for new streams. */
    public static ByteBuf priority(ByteBufAllocator alloc, int rank) {
        return header(alloc, TYPE_PRIORITY, 0, 0, 1, 1).writeByte(rank);
    }

    /** PROBE header: probeId(4) followed by {@code padding} bytes the caller writes after it. */
    public static ByteBuf probeHeader(ByteBufAllocator alloc, int probeId, int padding, boolean fin) {
        return header(alloc, TYPE_PROBE, fin ? FLAG_FIN : 0, 0, 4 + padding, 4).writeInt(probeId);
    }

    /** PROBE_ACK: probeId(4) received(8); FIN once the probe's last frame arrived. */
    public static ByteBuf probeAck(ByteBufAllocator alloc, int probeId, long received, boolean fin) {
        return header(alloc, TYPE_PROBE_ACK, fin ? FLAG_FIN : 0, 0, 12, 12).writeInt(probeId).writeLong(received);
    }

    /** Length of a FINAL_SIZE frame. */
    public static final int FINAL_SIZE_LENGTH = HEADER_LENGTH + 8;

    /**
     * Appends FINAL_SIZE to {@code out} (several go in one write): size(8), the raw bytes the sender
     * wrote on transport stream {@code stream} before its FIN.
     */
    public static void writeFinalSize(ByteBuf out, int stream, long size) {
        writeHeader(out, TYPE_FINAL_SIZE, 0, stream, 8).writeLong(size);
    }

    /** READY: window(4) timeoutMillis(4) tunnelId(4). */
    public static ByteBuf ready(ByteBufAllocator alloc, int window, long timeoutMillis, int tunnelId) {
        return header(alloc, TYPE_READY, 0, 0, 12, 12).writeInt(window)
                .writeInt((int) Math.min(timeoutMillis, 0xFFFFFFFFL)).writeInt(tunnelId);
    }

    /**
     * ICE_SERVERS: count(1), then per server urlCount(1) [urlLen(2) url]... userLen(2) user credLen(2)
     * credential expiresAt(8, epoch seconds). UTF-8 strings.
     */
    public static ByteBuf iceServers(ByteBufAllocator alloc, java.util.List<dev.gt.api.IceServer> servers) {
        ByteBuf body = alloc.buffer();
        try {
            body.writeByte(Math.min(servers.size(), 255));
            for (dev.gt.api.IceServer s : servers.subList(0, Math.min(servers.size(), 255))) {
                body.writeByte(Math.min(s.urls().size(), 255));
                for (String url : s.urls().subList(0, Math.min(s.urls().size(), 255))) {
                    writeString2(body, url);
                }
                writeString2(body, s.username());
                writeString2(body, s.credential());
                body.writeLong(s.expiresAt().getEpochSecond());
            }
            if (body.readableBytes() > MAX_CONTROL_PAYLOAD) {
                throw new IllegalArgumentException("ICE servers take " + body.readableBytes() + " bytes (expected at most "
                        + MAX_CONTROL_PAYLOAD + ")");
            }
            ByteBuf frame = header(alloc, TYPE_ICE_SERVERS, 0, 0, body.readableBytes(), body.readableBytes());
            return frame.writeBytes(body);
        } finally {
            body.release();
        }
    }

    private static void writeString2(ByteBuf buf, String s) {
        byte[] b = s.getBytes(StandardCharsets.UTF_8);
        if (b.length > 0xFFFF) {
            throw new IllegalArgumentException("a string of " + b.length + " bytes (expected at most 65535)");
        }
        buf.writeShort(b.length).writeBytes(b);
    }

    /** SERVICE: index(2) kind(1) tcpPort(2) hostLen(1) host. */
    public static ByteBuf service(ByteBufAllocator alloc, int index, int kind, int tcpPort, String host) {
        byte[] h = host == null ? new byte[0] : host.getBytes(StandardCharsets.UTF_8);
        if (h.length > 255) {
            // The frame gives the host one length byte: a longer one would be cut and misframe the rest.
            throw new IllegalArgumentException("service host is " + h.length + " bytes in UTF-8, at most 255 fit a SERVICE frame");
        }
        int len = 2 + 1 + 2 + 1 + h.length;
        return header(alloc, TYPE_SERVICE, 0, 0, len, len).writeShort(index).writeByte(kind).writeShort(tcpPort)
                .writeByte(h.length).writeBytes(h);
    }

    private static ByteBuf codeAndMessage(ByteBufAllocator alloc, int type, int stream, int code, int serviceIndex,
            String message) {
        byte[] m = truncate(message);
        int len = 2 + (serviceIndex >= 0 ? 2 : 0) + m.length;
        ByteBuf buf = header(alloc, type, 0, stream, len, len).writeShort(code);
        if (serviceIndex >= 0) {
            buf.writeShort(serviceIndex);
        }
        return buf.writeBytes(m);
    }

    static byte[] truncate(String message) {
        if (message == null) {
            return new byte[0];
        }
        byte[] b = message.getBytes(StandardCharsets.UTF_8);
        if (b.length <= MAX_MESSAGE_BYTES) {
            return b;
        }
        byte[] t = new byte[MAX_MESSAGE_BYTES];
        System.arraycopy(b, 0, t, 0, t.length);
        return t;
    }

    /** Name of a frame type for messages. */
    public static String typeName(int type) {
        switch (type) {
            case TYPE_DATA: return "DATA";
            case TYPE_OPEN: return "OPEN";
            case TYPE_ACCEPT: return "ACCEPT";
            case TYPE_RESET: return "RESET";
            case TYPE_WINDOW: return "WINDOW";
            case TYPE_PING: return "PING";
            case TYPE_PONG: return "PONG";
            case TYPE_GOAWAY: return "GOAWAY";
            case TYPE_READY: return "READY";
            case TYPE_SERVICE: return "SERVICE";
            case TYPE_ERROR: return "ERROR";
            case TYPE_PRIORITY: return "PRIORITY";
            case TYPE_PROBE: return "PROBE";
            case TYPE_PROBE_ACK: return "PROBE_ACK";
            case TYPE_ICE_SERVERS: return "ICE_SERVERS";
            case TYPE_FINAL_SIZE: return "FINAL_SIZE";
            default: return "type " + type;
        }
    }
}

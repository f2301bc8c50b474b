package dev.gt.core.internal.proto;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.ByteToMessageDecoder;
import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * Decodes frames and hands them straight to a {@link FrameListener}: no message objects, and DATA
 * payloads are retained slices of the received buffer, never copies.
 *
 * <p>When {@code expectMagic} is set (client side), the first two bytes must be the server's
 * {@code F0 10} answer to the hello.
 */
public final class FrameDecoder extends ByteToMessageDecoder {
    private final FrameListener listener;
    private boolean expectMagic;
    /**
     * Set by a protocol error: what is left is discarded, since the channel closes and Netty decodes
     * the rest of the cumulation once more then (the magic check would fail again on the next bytes).
     */
    private boolean failed;

    public FrameDecoder(FrameListener listener, boolean expectMagic) {
        this.listener = listener;
        this.expectMagic = expectMagic;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) throws Exception {
        listener.onBytesReceived();
        super.channelRead(ctx, msg);
    }

    @Override
    protected void decode(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) {
        if (failed) {
            in.skipBytes(in.readableBytes());
            return;
        }
        try {
            decodeFrames(ctx, in);
        } catch (ProtocolException e) {
            failed = true;
            throw e;
        }
    }

    private void decodeFrames(ChannelHandlerContext ctx, ByteBuf in) {
        if (expectMagic) {
            if (in.readableBytes() < 2) {
                return;
            }
            int m = in.readUnsignedByte();
            int v = in.readUnsignedByte();
            if (m != Protocol.MAGIC || v != Protocol.VERSION) {
                throw new ProtocolException(String.format(
                        "the server answered %02X %02X (expected F0 10: is it a GT for Java server?)", m, v));
            }
            expectMagic = false;
        }
        while (in.readableBytes() >= Protocol.HEADER_LENGTH && ctx.channel().isActive()) {
            int start = in.readerIndex();
            int type = in.getUnsignedByte(start);
            int flags = in.getUnsignedByte(start + 1);
            int stream = in.getInt(start + 2);
            long length = in.getUnsignedInt(start + 6);
            long max = type == Protocol.TYPE_DATA ? Protocol.MAX_DATA_PAYLOAD : Protocol.MAX_CONTROL_PAYLOAD;
            if (length > max) {
                throw new ProtocolException(Protocol.typeName(type) + " frame of " + length
                        + " bytes (expected at most " + max + ")");
            }
            if (in.readableBytes() < Protocol.HEADER_LENGTH + length) {
                return;
            }
            in.skipBytes(Protocol.HEADER_LENGTH);
            int len = (int) length;
            if (type == Protocol.TYPE_DATA) {
                listener.onData(stream, (flags & Protocol.FLAG_FIN) != 0, in.readRetainedSlice(len));
                continue;
            }
            int end = in.readerIndex() + len;
            ByteBuf p = in.slice(in.readerIndex(), len);
            in.readerIndex(end);
            control(type, flags, stream, p);
        }
    }

    private void control(int type, int flags, int stream, ByteBuf p) {
        switch (type) {
            case Protocol.TYPE_OPEN: {
                need(p, 5, type);
                int service = p.readUnsignedShort();
                int addrLen = p.readUnsignedByte();
                if (addrLen != 0 && addrLen != 4 && addrLen != 16) {
                    throw new ProtocolException("OPEN frame with an address of " + addrLen + " bytes (expected 0, 4 or 16)");
                }
                need(p, addrLen + 2, type);
                byte[] ip = null;
                if (addrLen > 0) {
                    ip = new byte[addrLen];
                    p.readBytes(ip);
                }
                listener.onOpen(stream, service, ip, p.readUnsignedShort());
                break;
            }
            case Protocol.TYPE_ACCEPT:
                listener.onAccept(stream);
                break;
            case Protocol.TYPE_RESET:
                need(p, 2, type);
                listener.onReset(stream, p.readUnsignedShort(), text(p));
                break;
            case Protocol.TYPE_WINDOW: {
                need(p, 4, type);
                long inc = p.readUnsignedInt();
                if (inc == 0 || inc > Integer.MAX_VALUE) {
                    throw new ProtocolException("WINDOW increment " + inc + " (expected 1 to 2^31-1)");
                }
                listener.onWindow(stream, (int) inc);
                break;
            }
            case Protocol.TYPE_PING:
                need(p, 8, type);
                listener.onPing(p.readLong());
                break;
            case Protocol.TYPE_PONG:
                need(p, 8, type);
                listener.onPong(p.readLong());
                break;
            case Protocol.TYPE_GOAWAY:
                need(p, 2, type);
                listener.onGoAway(p.readUnsignedShort(), text(p));
                break;
            case Protocol.TYPE_READY:
                need(p, 12, type);
                listener.onReady(p.readInt(), p.readUnsignedInt(), p.readInt());
                break;
            case Protocol.TYPE_SERVICE: {
                need(p, 6, type);
                int index = p.readUnsignedShort();
                int kind = p.readUnsignedByte();
                int port = p.readUnsignedShort();
                int hostLen = p.readUnsignedByte();
                need(p, hostLen, type);
                String host = hostLen == 0 ? null : p.readCharSequence(hostLen, StandardCharsets.UTF_8).toString();
                listener.onService(index, kind, port, host);
                break;
            }
            case Protocol.TYPE_ICE_SERVERS:
                listener.onIceServers(iceServers(p));
                break;
            case Protocol.TYPE_ERROR:
                need(p, 4, type);
                listener.onError(p.readUnsignedShort(), p.readUnsignedShort(), text(p));
                break;
            case Protocol.TYPE_PRIORITY:
                need(p, 1, type);
                listener.onPriority(p.readUnsignedByte());
                break;
            case Protocol.TYPE_PROBE:
                need(p, 4, type);
                // Padding: counted, never copied.
                listener.onProbe(p.readInt(), p.readableBytes(), (flags & Protocol.FLAG_FIN) != 0);
                break;
            case Protocol.TYPE_PROBE_ACK:
                need(p, 12, type);
                listener.onProbeAck(p.readInt(), p.readLong(), (flags & Protocol.FLAG_FIN) != 0);
                break;
            case Protocol.TYPE_FINAL_SIZE: {
                need(p, 8, type);
                long size = p.readLong();
                if (size < 0) {
                    throw new ProtocolException("FINAL_SIZE of " + Long.toUnsignedString(size)
                            + " bytes (expected at most 2^63-1)");
                }
                listener.onFinalSize(stream, size);
                break;
            }
            default:
                // Unknown control frames are skipped so that a newer peer can add optional frames.
                break;
        }
    }

    private static java.util.List<dev.gt.api.IceServer> iceServers(ByteBuf p) {
        need(p, 1, Protocol.TYPE_ICE_SERVERS);
        int count = p.readUnsignedByte();
        java.util.List<dev.gt.api.IceServer> servers = new java.util.ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            need(p, 1, Protocol.TYPE_ICE_SERVERS);
            int urls = p.readUnsignedByte();
            java.util.List<String> list = new java.util.ArrayList<>(urls);
            for (int u = 0; u < urls; u++) {
                list.add(string2(p));
            }
            String user = string2(p);
            String credential = string2(p);
            need(p, 8, Protocol.TYPE_ICE_SERVERS);
            long expires = p.readLong();
            java.time.Instant at = expires >= java.time.Instant.MAX.getEpochSecond() ? java.time.Instant.MAX
                    : expires <= java.time.Instant.MIN.getEpochSecond() ? java.time.Instant.MIN
                    : java.time.Instant.ofEpochSecond(expires);
            if (list.isEmpty()) {
                throw new ProtocolException("ICE_SERVERS frame with a server without URLs");
            }
            servers.add(new dev.gt.api.IceServer(list, user, credential, at));
        }
        return servers;
    }

    private static String string2(ByteBuf p) {
        need(p, 2, Protocol.TYPE_ICE_SERVERS);
        int n = p.readUnsignedShort();
        need(p, n, Protocol.TYPE_ICE_SERVERS);
        return p.readCharSequence(n, StandardCharsets.UTF_8).toString();
    }

    private static void need(ByteBuf p, int n, int type) {
        if (p.readableBytes() < n) {
            throw new ProtocolException(Protocol.typeName(type) + " frame is too short (" + p.readableBytes()
                    + " bytes left, expected " + n + ")");
        }
    }

    private static String text(ByteBuf p) {
        int n = Math.min(p.readableBytes(), Protocol.MAX_MESSAGE_BYTES);
        return p.readCharSequence(n, StandardCharsets.UTF_8).toString();
    }
}

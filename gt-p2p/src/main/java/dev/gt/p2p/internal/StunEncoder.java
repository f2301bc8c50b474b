package dev.gt.p2p.internal;

import io.netty.buffer.ByteBuf;
import java.net.Inet4Address;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.zip.CRC32;
import javax.crypto.Mac;

/**
 * Writes STUN messages. A message starts with {@link #begin}, which returns its start index, gets
 * attributes appended, and ends with {@link #finish} (or {@link #fingerprint}, which finishes it).
 * Padding is zeros.
 */
public final class StunEncoder {
    private StunEncoder() {
    }

    /** Writes a header whose cookie and transaction id are copied from {@code src} at {@code srcStart + 4}. */
    public static int begin(ByteBuf out, int type, ByteBuf src, int srcStart) {
        int start = out.writerIndex();
        out.writeShort(type);
        out.writeShort(0);
        out.writeBytes(src, srcStart + 4, 16);
        return start;
    }

    /** Writes a header with these 16 bytes of cookie and transaction id. */
    public static int begin(ByteBuf out, int type, byte[] cookieAndTransactionId) {
        int start = out.writerIndex();
        out.writeShort(type);
        out.writeShort(0);
        out.writeBytes(cookieAndTransactionId, 0, 16);
        return start;
    }

    /** Sets the header's length field to what has been written so far. */
    public static void finish(ByteBuf out, int start) {
        out.setShort(start + 2, out.writerIndex() - start - Stun.HEADER);
    }

    /** An address attribute in XOR form: port XOR the cookie's top half, address XOR cookie and transaction id. */
    public static void xorAddress(ByteBuf out, int start, int attributeType, InetSocketAddress a) {
        int port = a.getPort() ^ (Stun.MAGIC_COOKIE >>> 16);
        if (a.getAddress() instanceof Inet4Address) {
            out.writeShort(attributeType);
            out.writeShort(8);
            out.writeShort(Stun.FAMILY_IPV4);
            out.writeShort(port);
            // Inet4Address.hashCode() is the address as an int: no byte[] copy on the hot path.
            out.writeInt(a.getAddress().hashCode() ^ Stun.MAGIC_COOKIE);
        } else {
            byte[] ip = a.getAddress().getAddress();
            out.writeShort(attributeType);
            out.writeShort(20);
            out.writeShort(Stun.FAMILY_IPV6);
            out.writeShort(port);
            for (int i = 0; i < 16; i++) {
                out.writeByte(ip[i] ^ out.getByte(start + 4 + i));
            }
        }
    }

    /** An address attribute in plain (MAPPED-ADDRESS) form. */
    public static void address(ByteBuf out, int attributeType, InetSocketAddress a) {
        if (a.getAddress() instanceof Inet4Address) {
            out.writeShort(attributeType);
            out.writeShort(8);
            out.writeShort(Stun.FAMILY_IPV4);
            out.writeShort(a.getPort());
            out.writeInt(a.getAddress().hashCode());
        } else {
            out.writeShort(attributeType);
            out.writeShort(20);
            out.writeShort(Stun.FAMILY_IPV6);
            out.writeShort(a.getPort());
            out.writeBytes(a.getAddress().getAddress());
        }
    }

    /** An attribute with these bytes as its value, zero-padded. */
    public static void bytes(ByteBuf out, int attributeType, byte[] value) {
        out.writeShort(attributeType);
        out.writeShort(value.length);
        out.writeBytes(value);
        pad(out, value.length);
    }

    /** An attribute whose value is {@code length} bytes of {@code src} from {@code offset}, zero-padded. */
    public static void bytes(ByteBuf out, int attributeType, ByteBuf src, int offset, int length) {
        out.writeShort(attributeType);
        out.writeShort(length);
        out.writeBytes(src, offset, length);
        pad(out, length);
    }

    /** A UTF-8 text attribute. */
    public static void string(ByteBuf out, int attributeType, String value) {
        bytes(out, attributeType, value.getBytes(StandardCharsets.UTF_8));
    }

    /** A whole encoded attribute (type, length, value, padding) made earlier by {@link #encodeAttribute}. */
    public static void raw(ByteBuf out, byte[] encodedAttribute) {
        out.writeBytes(encodedAttribute);
    }

    /** Encodes an attribute once, for reuse with {@link #raw}. */
    public static byte[] encodeAttribute(int attributeType, byte[] value) {
        byte[] e = new byte[4 + ((value.length + 3) & ~3)];
        e[0] = (byte) (attributeType >> 8);
        e[1] = (byte) attributeType;
        e[2] = (byte) (value.length >> 8);
        e[3] = (byte) value.length;
        System.arraycopy(value, 0, e, 4, value.length);
        return e;
    }

    public static void uint32(ByteBuf out, int attributeType, long value) {
        out.writeShort(attributeType);
        out.writeShort(4);
        out.writeInt((int) value);
    }

    /** ERROR-CODE: class and number, then the reason phrase. */
    public static void errorCode(ByteBuf out, int code, String reason) {
        byte[] r = reason.getBytes(StandardCharsets.UTF_8);
        out.writeShort(Stun.ERROR_CODE);
        out.writeShort(4 + r.length);
        out.writeShort(0);
        out.writeByte(code / 100);
        out.writeByte(code % 100);
        out.writeBytes(r);
        pad(out, r.length);
    }

    /**
     * UNKNOWN-ATTRIBUTES listing {@code n} types. RFC 3489 wanted a value length that is a multiple
     * of four, made by repeating one type; RFC 5389 pads normally.
     */
    public static void unknownAttributes(ByteBuf out, int[] types, int n, boolean rfc3489) {
        int shown = rfc3489 && (n & 1) == 1 ? n + 1 : n;
        out.writeShort(Stun.UNKNOWN_ATTRIBUTES);
        out.writeShort(shown * 2);
        for (int i = 0; i < n; i++) {
            out.writeShort(types[i]);
        }
        if (shown != n) {
            out.writeShort(types[n - 1]);
        }
        pad(out, shown * 2);
    }

    /**
     * MESSAGE-INTEGRITY over everything written since {@code start}, with the length field
     * covering the attribute itself (RFC 5389 §15.4). {@code mac} must be initialised with the key.
     */
    public static void messageIntegrity(ByteBuf out, int start, Mac mac) {
        out.setShort(start + 2, out.writerIndex() + 24 - start - Stun.HEADER);
        mac.update(out.nioBuffer(start, out.writerIndex() - start));
        byte[] h = mac.doFinal();
        out.writeShort(Stun.MESSAGE_INTEGRITY);
        out.writeShort(20);
        out.writeBytes(h, 0, 20);
    }

    /** Appends FINGERPRINT (RFC 5389 §15.5) and finishes the message. */
    public static void fingerprint(ByteBuf out, int start, CRC32 crc) {
        out.setShort(start + 2, out.writerIndex() + 8 - start - Stun.HEADER);
        crc.reset();
        crc.update(out.nioBuffer(start, out.writerIndex() - start));
        out.writeShort(Stun.FINGERPRINT);
        out.writeShort(4);
        out.writeInt((int) crc.getValue() ^ Stun.FINGERPRINT_XOR);
    }

    private static void pad(ByteBuf out, int length) {
        int p = (4 - (length & 3)) & 3;
        if (p > 0) {
            out.writeZero(p);
        }
    }
}

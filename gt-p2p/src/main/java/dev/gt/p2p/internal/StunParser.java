package dev.gt.p2p.internal;

import io.netty.buffer.ByteBuf;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.util.zip.CRC32;

/**
 * A reusable, allocation-free view of one STUN message in a {@link ByteBuf}: the header fields and
 * the offset of every attribute. One instance per thread; {@link #parse} overwrites the previous
 * message. The buffer is not retained: the view is valid while the caller holds the buffer.
 *
 * <p>{@link #parse} applies RFC 5389 §7.3's structural checks, under which a message is silently
 * dropped: top two bits zero, length a multiple of four that matches the bytes, attributes that
 * stay inside the message, MESSAGE-INTEGRITY of 20 bytes, FINGERPRINT of 4 bytes and last.
 * Attributes after MESSAGE-INTEGRITY (other than FINGERPRINT) are skipped, as §15.4 requires.
 */
public final class StunParser {
    /** More attributes than this in one message is not a real client; the message is dropped. */
    public static final int MAX_ATTRIBUTES = 48;

    private ByteBuf buf;
    private int start;
    private int type;
    private int length;
    private boolean cookie;
    private int count;
    private final int[] attrTypes = new int[MAX_ATTRIBUTES];
    private final int[] attrOffsets = new int[MAX_ATTRIBUTES];
    private final int[] attrLengths = new int[MAX_ATTRIBUTES];
    /** Offset of the MESSAGE-INTEGRITY attribute's header, or -1. */
    private int integrity;
    /** Offset of the FINGERPRINT attribute's header, or -1. */
    private int fingerprint;

    /**
     * Reads the message that fills {@code buf}'s readable bytes exactly. Returns false (and the
     * view is then unusable) when it is not a well-formed STUN message.
     */
    public boolean parse(ByteBuf buf) {
        this.buf = buf;
        int s = buf.readerIndex();
        int n = buf.readableBytes();
        this.start = s;
        this.count = 0;
        this.integrity = -1;
        this.fingerprint = -1;
        if (n < Stun.HEADER) {
            return false;
        }
        int t = buf.getUnsignedShort(s);
        if ((t & 0xC000) != 0) {
            return false;
        }
        int len = buf.getUnsignedShort(s + 2);
        if ((len & 3) != 0 || len + Stun.HEADER != n) {
            return false;
        }
        this.type = t;
        this.length = len;
        this.cookie = buf.getInt(s + 4) == Stun.MAGIC_COOKIE;
        int pos = s + Stun.HEADER;
        int end = pos + len;
        while (pos < end) {
            if (end - pos < 4 || fingerprint >= 0) {
                return false; // a truncated attribute header, or something after FINGERPRINT
            }
            int at = buf.getUnsignedShort(pos);
            int al = buf.getUnsignedShort(pos + 2);
            int next = pos + 4 + ((al + 3) & ~3);
            if (next > end) {
                return false;
            }
            if (at == Stun.FINGERPRINT) {
                if (al != 4) {
                    return false;
                }
                fingerprint = pos;
            } else if (integrity < 0) {
                if (count == MAX_ATTRIBUTES) {
                    return false;
                }
                if (at == Stun.MESSAGE_INTEGRITY) {
                    if (al != 20) {
                        return false;
                    }
                    integrity = pos;
                }
                attrTypes[count] = at;
                attrOffsets[count] = pos + 4;
                attrLengths[count] = al;
                count++;
            }
            pos = next;
        }
        return true;
    }

    public ByteBuf buffer() {
        return buf;
    }

    /** Reader index of the message's first byte. */
    public int start() {
        return start;
    }

    public int type() {
        return type;
    }

    public int method() {
        return Stun.method(type);
    }

    public int cls() {
        return Stun.cls(type);
    }

    /** The header's length field: bytes after the header. */
    public int length() {
        return length;
    }

    /** Whether the message carries RFC 5389's magic cookie; without it, it is an RFC 3489 message. */
    public boolean hasCookie() {
        return cookie;
    }

    /** Number of attributes recorded (those after MESSAGE-INTEGRITY and FINGERPRINT are not). */
    public int attributeCount() {
        return count;
    }

    public int attributeType(int i) {
        return attrTypes[i];
    }

    public int attributeOffset(int i) {
        return attrOffsets[i];
    }

    public int attributeLength(int i) {
        return attrLengths[i];
    }

    /** Index of the first attribute of this type, or -1. */
    public int find(int attributeType) {
        for (int i = 0; i < count; i++) {
            if (attrTypes[i] == attributeType) {
                return i;
            }
        }
        return -1;
    }

    public boolean hasIntegrity() {
        return integrity >= 0;
    }

    public boolean hasFingerprint() {
        return fingerprint >= 0;
    }

    /** Offset of the MESSAGE-INTEGRITY attribute header, or -1. */
    public int integrityOffset() {
        return integrity;
    }

    /** Whether the FINGERPRINT attribute holds the CRC-32 of what precedes it (true when absent). */
    public boolean fingerprintValid(CRC32 crc) {
        if (fingerprint < 0) {
            return true;
        }
        crc.reset();
        crc.update(buf.nioBuffer(start, fingerprint - start));
        int expected = (int) crc.getValue() ^ Stun.FINGERPRINT_XOR;
        return buf.getInt(fingerprint + 4) == expected;
    }

    /** Copies the 16 bytes after the message type and length (cookie and transaction id) into {@code dst}. */
    public void copyTransactionId(byte[] dst) {
        buf.getBytes(start + 4, dst, 0, 16);
    }

    /** Whether this message's cookie and transaction id equal the 16 bytes of {@code id}. */
    public boolean transactionIdEquals(byte[] id) {
        for (int i = 0; i < 16; i++) {
            if (buf.getByte(start + 4 + i) != id[i]) {
                return false;
            }
        }
        return true;
    }

    /** The value of attribute {@code i} as UTF-8 text. */
    public String string(int i) {
        return buf.toString(attrOffsets[i], attrLengths[i], StandardCharsets.UTF_8);
    }

    /** A 32-bit attribute value, or -1 when attribute {@code i} does not hold exactly 4 bytes. */
    public long uint32(int i) {
        return attrLengths[i] == 4 ? buf.getUnsignedInt(attrOffsets[i]) : -1;
    }

    /**
     * Decodes an address attribute (MAPPED-ADDRESS form, or the XOR form when {@code xor}), or
     * returns {@code null} when it is malformed.
     */
    public InetSocketAddress address(int i, boolean xor) {
        int off = attrOffsets[i];
        int len = attrLengths[i];
        if (len < 4) {
            return null;
        }
        int family = buf.getUnsignedByte(off + 1);
        int port = buf.getUnsignedShort(off + 2);
        byte[] a;
        if (family == Stun.FAMILY_IPV4 && len == 8) {
            a = new byte[4];
        } else if (family == Stun.FAMILY_IPV6 && len == 20) {
            a = new byte[16];
        } else {
            return null;
        }
        buf.getBytes(off + 4, a);
        if (xor) {
            port ^= Stun.MAGIC_COOKIE >>> 16;
            for (int k = 0; k < a.length; k++) {
                // cookie then transaction id: the 16 bytes after the type and length
                a[k] ^= buf.getByte(start + 4 + k);
            }
        }
        try {
            InetAddress addr = InetAddress.getByAddress(a);
            return new InetSocketAddress(addr, port);
        } catch (UnknownHostException e) {
            return null; // not reachable: the length was checked
        }
    }
}

package dev.gt.p2p;

import io.netty.buffer.ByteBuf;

/**
 * Recognising STUN on a connection that may carry other protocols, as a port-sharing sniffer
 * must (RFC 7983 §7 and RFC 5389 §6).
 */
public final class StunMessages {
    private static final int MAGIC_COOKIE = 0x2112A442;

    private StunMessages() {
    }

    /**
     * Whether the first bytes readable in {@code buf} start an RFC 5389 STUN message: the top two
     * bits zero, a length that is a multiple of four, and the magic cookie at offset 4. Needs 8
     * bytes (returns false with fewer; read more and ask again). Does not move the reader index.
     * RFC 3489 messages, which have no cookie, are not recognised: on a shared port they cannot be
     * told apart from other protocols.
     */
    public static boolean looksLikeStun(ByteBuf buf) {
        if (buf.readableBytes() < 8) {
            return false;
        }
        int r = buf.readerIndex();
        return (buf.getUnsignedByte(r) & 0xC0) == 0 && (buf.getUnsignedShort(r + 2) & 3) == 0
                && buf.getInt(r + 4) == MAGIC_COOKIE;
    }

    /** How many bytes {@link #looksLikeStun} needs to decide. */
    public static int bytesNeeded() {
        return 8;
    }
}

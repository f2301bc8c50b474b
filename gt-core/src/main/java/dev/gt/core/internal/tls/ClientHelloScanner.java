package dev.gt.core.internal.tls;

import io.netty.buffer.ByteBuf;

import java.util.Arrays;

/**
 * Incremental, bounded parser of a TLS ClientHello that extracts the SNI {@code host_name}, for
 * routing TLS visitors without terminating TLS (SNI pass-through, GT §3.6).
 *
 * <p>GT parses only the bytes that happen to be buffered and never checks record lengths (GT §9.7),
 * so a ClientHello spread over several TCP segments — common since post-quantum key shares made
 * hellos 1.5–3 KB and more — is refused. This scanner instead follows the record layer: the
 * handshake message may be split over any number of TCP segments and over several handshake
 * records (content type 22), and the caller simply cumulates bytes into the same buffer and calls
 * {@link #scan(ByteBuf)} again. The scanner only reads: the bytes are forwarded verbatim once
 * routed, so it never changes the buffer's indices or contents, and bytes already scanned must stay
 * at the same offsets relative to the reader index.
 *
 * <p>Order of decisions, each taken as early as the deciding byte is seen, so the result does not
 * depend on how the bytes were split:
 * <ul>
 *   <li>record headers are checked byte by byte: a first byte other than 22 (an HTTP request, an
 *       SSLv2-style hello, random bytes) or a first record header with a foreign version is
 *       {@link Status#NOT_TLS} on that byte; a bad later header, a zero-length or oversized record
 *       is {@link Status#MALFORMED};</li>
 *   <li>the handshake type is checked on its byte and the declared length on its last byte
 *       ({@link Status#TOO_LARGE} beyond {@code maxHelloBytes});</li>
 *   <li>the ClientHello body is parsed once all its declared bytes are there: every vector length
 *       must fit its enclosing one exactly, so a hello is either fully valid
 *       ({@link Status#FOUND} / {@link Status#NO_SNI}) or {@link Status#MALFORMED}. Validating the
 *       whole message, not just the prefix up to the SNI, keeps a crafted hello from being routed
 *       on a name the backend would read differently.</li>
 * </ul>
 * Bytes after the end of the ClientHello are never looked at. Each record header is parsed once
 * and the message body once, so a hello of n bytes costs O(n) however it is split.
 *
 * <p>One instance per visitor connection; not thread-safe.
 */
public final class ClientHelloScanner {

    /** Outcome of a {@link #scan(ByteBuf)} call; every status but {@link #NEED_MORE} is final. */
    public enum Status {
        /** No decision yet; call again when more bytes have arrived. */
        NEED_MORE,
        /** A valid ClientHello with a valid SNI host name; see {@link #serverName()}. */
        FOUND,
        /** A valid ClientHello without a {@code server_name} host name. */
        NO_SNI,
        /** The bytes do not start a TLS handshake record; see {@link #error()}. */
        NOT_TLS,
        /** A TLS record or ClientHello that breaks the format; see {@link #error()}. */
        MALFORMED,
        /** The ClientHello declares more than {@code maxHelloBytes} bytes. */
        TOO_LARGE
    }

    /** A bound on the ClientHello length that fits every real client, post-quantum key shares included. */
    public static final int DEFAULT_MAX_HELLO_BYTES = 64 * 1024;

    /** Record content type of handshake records. */
    static final int CONTENT_HANDSHAKE = 22;
    /** Handshake message type of a ClientHello. */
    static final int CLIENT_HELLO = 1;
    /** Largest record length accepted: 2^14 plus the ciphertext expansion RFC 8446 §5.2 allows. */
    static final int MAX_RECORD_LENGTH = 16384 + 256;
    static final int RECORD_HEADER_LENGTH = 5;
    static final int HANDSHAKE_HEADER_LENGTH = 4;
    static final int EXTENSION_SERVER_NAME = 0;
    static final int NAME_TYPE_HOST_NAME = 0;
    static final int MAX_HOST_NAME_LENGTH = 255;

    private static final char[] HEX = "0123456789abcdef".toCharArray();

    private final int maxHelloBytes;

    /** Offset, relative to the reader index, of the next record-layer byte to scan. */
    private int pos;
    /** Body bytes of the current record not yet scanned; 0 when {@link #pos} is at a record header. */
    private int recordRemaining;
    private int records;
    /**
     * Where the handshake bytes gathered so far lie in the buffer: pairs of (relative offset, length),
     * one per record body piece. The body is parsed in place from these, never copied.
     */
    private int[] fragments = new int[8];
    private int fragmentCount;
    /** Handshake message bytes gathered so far (header included). */
    private int gathered;
    /** 4 + the declared ClientHello length once its header is complete, else -1. */
    private int messageLength = -1;

    private Status status = Status.NEED_MORE;
    private String serverName;
    private String error;

    /** Cursor over the gathered fragments, used by the final parse. */
    private ByteBuf current;
    private int base;
    private int cursorFragment;
    private int cursorOffset;

    /**
     * @param maxHelloBytes bound on the declared length of the ClientHello message (its 4-byte
     *                      handshake header excluded); a hello declaring more is {@link Status#TOO_LARGE}
     *                      before any of its body is gathered; see {@link #DEFAULT_MAX_HELLO_BYTES}.
     */
    public ClientHelloScanner(int maxHelloBytes) {
        if (maxHelloBytes < 1) {
            throw new IllegalArgumentException("maxHelloBytes " + maxHelloBytes + " (expected >= 1)");
        }
        this.maxHelloBytes = maxHelloBytes;
    }

    /**
     * Scans the readable bytes of {@code buf} that earlier calls did not consume, without changing
     * its indices or contents. After a final status every further call returns it again.
     *
     * @throws IllegalArgumentException if {@code buf} holds fewer readable bytes than were already
     *                                  scanned, i.e. the caller consumed or replaced scanned bytes
     */
    public Status scan(ByteBuf buf) {
        if (status != Status.NEED_MORE) {
            return status;
        }
        int readable = buf.readableBytes();
        if (readable < pos) {
            throw new IllegalArgumentException("buffer has " + readable + " readable bytes but " + pos
                    + " were already scanned (expected the same buffer, cumulated)");
        }
        current = buf;
        base = buf.readerIndex();
        try {
            while (status == Status.NEED_MORE) {
                if (recordRemaining == 0) {
                    if (!recordHeader(readable)) {
                        break;
                    }
                } else if (!recordBody(readable)) {
                    break;
                }
            }
        } finally {
            current = null;
        }
        return status;
    }

    /** Lower-cased ASCII host name, without a trailing dot, when {@link Status#FOUND}; else null. */
    public String serverName() {
        return serverName;
    }

    /** Why the status is final and not {@link Status#FOUND}, naming the field and the expectation; else null. */
    public String error() {
        return error;
    }

    /** Offset, relative to the reader index, up to which bytes have been consumed by the scan. */
    public int scannedBytes() {
        return pos;
    }

    // --- record layer ---

    /**
     * Checks the available bytes of the record header at {@link #pos}, each as soon as it is there;
     * consumes the header once complete. Returns false when more bytes are needed or on a decision.
     */
    private boolean recordHeader(int readable) {
        int available = Math.min(readable - pos, RECORD_HEADER_LENGTH);
        if (available == 0) {
            return false;
        }
        boolean first = records == 0;
        int type = byteAt(pos);
        if (type != CONTENT_HANDSHAKE) {
            pos += 1;
            if (first) {
                return notTls((type & 0x80) != 0
                        ? "first byte " + hex2(type) + " looks like an SSLv2-style hello (expected a TLS record"
                                + " of content type 22, handshake)"
                        : "first byte " + hex2(type) + " is not a TLS record of content type 22 (expected a"
                                + " ClientHello)");
            }
            return malformed("record of content type " + type + " before the ClientHello ended (expected 22,"
                    + " handshake)");
        }
        // Checked per byte so that "\x16" followed by anything but a TLS version is refused at once.
        if (available >= 2 && byteAt(pos + 1) != 3) {
            pos += 2;
            return badVersion(first, "record version major byte " + hex2(byteAt(pos - 1))
                    + " (expected 0x03, for 0x0300..0x0304)");
        }
        if (available >= 3 && byteAt(pos + 2) > 4) {
            pos += 3;
            return badVersion(first, "record version " + hex4(0x300 | byteAt(pos - 1)) + " (expected 0x0300..0x0304)");
        }
        if (available < RECORD_HEADER_LENGTH) {
            return false;
        }
        int length = byteAt(pos + 3) << 8 | byteAt(pos + 4);
        pos += RECORD_HEADER_LENGTH;
        if (length == 0) {
            // RFC 8446 §5.1: zero-length handshake fragments are forbidden.
            return malformed("handshake record of length 0 (expected 1.." + MAX_RECORD_LENGTH + ")");
        }
        if (length > MAX_RECORD_LENGTH) {
            return malformed("record length " + length + " (expected at most " + MAX_RECORD_LENGTH + ")");
        }
        records++;
        recordRemaining = length;
        return true;
    }

    private boolean badVersion(boolean first, String reason) {
        return first ? notTls(reason) : malformed(reason);
    }

    /**
     * Gathers available body bytes of the current record, never more than the handshake message
     * needs, and takes the decisions due at the new length. Returns false when more bytes are needed
     * or on a decision.
     */
    private boolean recordBody(int readable) {
        // Stop on the handshake type byte and on the last length byte, so those checks happen at the
        // same offset however the bytes arrive.
        int wanted = gathered == 0 ? 1
                : messageLength < 0 ? HANDSHAKE_HEADER_LENGTH - gathered
                : messageLength - gathered;
        int n = Math.min(Math.min(readable - pos, recordRemaining), wanted);
        if (n == 0) {
            return false;
        }
        addFragment(pos, n);
        pos += n;
        recordRemaining -= n;
        gathered += n;
        if (gathered == 1) {
            int type = handshakeByte(0);
            if (type != CLIENT_HELLO) {
                return malformed("handshake message type " + type + " (expected 1, client_hello)");
            }
            return true;
        }
        if (messageLength < 0) {
            if (gathered < HANDSHAKE_HEADER_LENGTH) {
                return true;
            }
            int declared = handshakeByte(1) << 16 | handshakeByte(2) << 8 | handshakeByte(3);
            if (declared > maxHelloBytes) {
                status = Status.TOO_LARGE;
                error = "ClientHello length " + declared + " (expected at most " + maxHelloBytes + " bytes)";
                return false;
            }
            messageLength = HANDSHAKE_HEADER_LENGTH + declared;
        }
        if (gathered == messageLength) {
            parseClientHello();
            return false;
        }
        return true;
    }

    private void addFragment(int offset, int length) {
        int last = 2 * (fragmentCount - 1);
        if (fragmentCount > 0 && fragments[last] + fragments[last + 1] == offset) {
            // The same record continued in a later call.
            fragments[last + 1] += length;
            return;
        }
        if (2 * fragmentCount == fragments.length) {
            fragments = Arrays.copyOf(fragments, fragments.length * 2);
        }
        fragments[2 * fragmentCount] = offset;
        fragments[2 * fragmentCount + 1] = length;
        fragmentCount++;
    }

    /** Byte {@code index} of the handshake message (header included), which must have been gathered. */
    private int handshakeByte(int index) {
        for (int f = 0; f < fragmentCount; f++) {
            int length = fragments[2 * f + 1];
            if (index < length) {
                return byteAt(fragments[2 * f] + index);
            }
            index -= length;
        }
        throw new IllegalStateException("handshake byte " + index + " not gathered");
    }

    // --- ClientHello body (RFC 8446 §4.1.2, RFC 5246 §7.4.1.2, RFC 6066 §3) ---

    /** Parses the complete message; every read below is preceded by a check against {@code left}. */
    private void parseClientHello() {
        cursorFragment = 0;
        cursorOffset = 0;
        skip(HANDSHAKE_HEADER_LENGTH);
        int left = messageLength - HANDSHAKE_HEADER_LENGTH;

        if (left < 2 + 32) {
            malformed("ClientHello of " + left + " bytes (expected legacy_version and random, 34 bytes, at least)");
            return;
        }
        int version = u16();
        if (version >> 8 != 3 || (version & 0xff) > 4) {
            malformed("ClientHello legacy_version " + hex4(version) + " (expected 0x0300..0x0304)");
            return;
        }
        skip(32);
        left -= 34;

        if (left < 1) {
            malformed("ClientHello ends before legacy_session_id (expected a length byte)");
            return;
        }
        int sessionIdLength = u8();
        left--;
        if (sessionIdLength > 32 || sessionIdLength > left) {
            malformed("legacy_session_id length " + sessionIdLength + " (expected at most 32 and within the "
                    + left + " bytes left)");
            return;
        }
        skip(sessionIdLength);
        left -= sessionIdLength;

        if (left < 2) {
            malformed("ClientHello ends before cipher_suites (expected a 2-byte length)");
            return;
        }
        int suitesLength = u16();
        left -= 2;
        if (suitesLength < 2 || (suitesLength & 1) != 0 || suitesLength > left) {
            malformed("cipher_suites length " + suitesLength + " (expected even, at least 2 and within the "
                    + left + " bytes left)");
            return;
        }
        skip(suitesLength);
        left -= suitesLength;

        if (left < 1) {
            malformed("ClientHello ends before legacy_compression_methods (expected a length byte)");
            return;
        }
        int compressionLength = u8();
        left--;
        if (compressionLength < 1 || compressionLength > left) {
            malformed("legacy_compression_methods length " + compressionLength + " (expected at least 1 and"
                    + " within the " + left + " bytes left)");
            return;
        }
        skip(compressionLength);
        left -= compressionLength;

        if (left == 0) {
            // Before TLS 1.3 the extensions block is optional (RFC 5246 §7.4.1.2).
            noSni();
            return;
        }
        if (left < 2) {
            malformed("ClientHello has 1 byte after legacy_compression_methods (expected a 2-byte extensions"
                    + " length)");
            return;
        }
        int extensionsLength = u16();
        left -= 2;
        if (extensionsLength != left) {
            malformed("extensions length " + extensionsLength + " (expected " + left
                    + ", the rest of the ClientHello)");
            return;
        }
        String name = null;
        boolean sawServerName = false;
        while (left > 0) {
            if (left < 4) {
                malformed("extension header of " + left + " bytes (expected 4: type and length)");
                return;
            }
            int type = u16();
            int length = u16();
            left -= 4;
            if (length > left) {
                malformed("extension " + hex4(type) + " length " + length + " (expected at most the " + left
                        + " bytes left in extensions)");
                return;
            }
            left -= length;
            if (type != EXTENSION_SERVER_NAME) {
                skip(length);
                continue;
            }
            if (sawServerName) {
                // RFC 8446 §4.2: at most one extension of a type; a second SNI could route elsewhere.
                malformed("second server_name extension (expected at most one)");
                return;
            }
            sawServerName = true;
            name = serverNameExtension(length);
            if (status != Status.NEED_MORE) {
                return;
            }
        }
        if (name == null) {
            noSni();
            return;
        }
        serverName = name;
        status = Status.FOUND;
    }

    /**
     * Reads a server_name extension body of {@code length} bytes; returns the first host_name, null
     * when the list has no host_name, or null after recording a MALFORMED status.
     */
    private String serverNameExtension(int length) {
        if (length < 2) {
            malformed("server_name extension of " + length + " bytes (expected a 2-byte server_name_list length)");
            return null;
        }
        int listLength = u16();
        int left = length - 2;
        if (listLength != left) {
            malformed("server_name_list length " + listLength + " (expected " + left + ", the rest of the extension)");
            return null;
        }
        if (listLength == 0) {
            malformed("server_name_list is empty (expected at least one name)");
            return null;
        }
        String hostName = null;
        while (left > 0) {
            if (left < 3) {
                malformed("server_name entry of " + left + " bytes (expected name_type and a 2-byte length)");
                return null;
            }
            int nameType = u8();
            int nameLength = u16();
            left -= 3;
            if (nameLength > left) {
                malformed("server_name entry length " + nameLength + " (expected at most the " + left
                        + " bytes left in server_name_list)");
                return null;
            }
            left -= nameLength;
            if (nameType != NAME_TYPE_HOST_NAME) {
                // Other name types share the length-prefixed layout (RFC 6066 §3); none is defined.
                skip(nameLength);
                continue;
            }
            if (hostName != null) {
                // RFC 6066 §3: one name per name_type; two would make the routing name ambiguous.
                malformed("second host_name in server_name_list (expected one)");
                return null;
            }
            hostName = hostName(nameLength);
            if (hostName == null) {
                return null;
            }
        }
        return hostName;
    }

    /** Reads and validates a host_name of {@code length} bytes; null after recording MALFORMED. */
    private String hostName(int length) {
        if (length < 1 || length > MAX_HOST_NAME_LENGTH) {
            malformed("host_name length " + length + " (expected 1.." + MAX_HOST_NAME_LENGTH + ")");
            return null;
        }
        char[] name = new char[length];
        int labelLength = 0;
        for (int i = 0; i < length; i++) {
            int c = u8();
            if (c == '.') {
                // An empty label anywhere, except the trailing root label, is not a host name.
                if (labelLength == 0) {
                    malformed("host_name has an empty label (expected dot-separated non-empty labels)");
                    return null;
                }
                labelLength = 0;
            } else if (c >= 'A' && c <= 'Z') {
                c += 'a' - 'A';
                labelLength++;
            } else if (c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-' || c == '_') {
                labelLength++;
            } else {
                // The byte value is not echoed beyond its hex code: the error may end up in logs.
                malformed("host_name contains byte " + hex2(c) + " (expected letters, digits, '-', '.' or '_')");
                return null;
            }
            name[i] = (char) c;
        }
        // A trailing dot (fully qualified form) is dropped so "a.example." routes like "a.example".
        int end = name[length - 1] == '.' ? length - 1 : length;
        return new String(name, 0, end);
    }

    private void noSni() {
        status = Status.NO_SNI;
        error = "ClientHello has no server_name host_name (expected an SNI extension naming the host)";
    }

    // --- cursor over the gathered fragments ---

    private int u8() {
        while (cursorOffset == fragments[2 * cursorFragment + 1]) {
            cursorFragment++;
            cursorOffset = 0;
        }
        return byteAt(fragments[2 * cursorFragment] + cursorOffset++);
    }

    private int u16() {
        return u8() << 8 | u8();
    }

    private void skip(int n) {
        while (n > 0) {
            int inFragment = fragments[2 * cursorFragment + 1] - cursorOffset;
            if (inFragment == 0) {
                cursorFragment++;
                cursorOffset = 0;
                continue;
            }
            int step = Math.min(n, inFragment);
            cursorOffset += step;
            n -= step;
        }
    }

    private int byteAt(int relative) {
        return current.getUnsignedByte(base + relative);
    }

    // --- outcomes ---

    private boolean notTls(String reason) {
        status = Status.NOT_TLS;
        error = reason;
        return false;
    }

    private boolean malformed(String reason) {
        status = Status.MALFORMED;
        error = reason;
        return false;
    }

    private static String hex2(int b) {
        return "0x" + HEX[b >> 4 & 0xf] + HEX[b & 0xf];
    }

    private static String hex4(int v) {
        return hex2(v >> 8 & 0xff) + HEX[v >> 4 & 0xf] + HEX[v & 0xf];
    }
}

package dev.gt.core.internal.http;

import io.netty.buffer.ByteBuf;
import io.netty.util.ByteProcessor;

import java.nio.charset.StandardCharsets;
import java.util.Locale;

/**
 * Incremental, bounded search of an HTTP/1.x request head for the header that routes a visitor
 * connection (GT §3.2): {@code Host} (the routing key is the first DNS label of the host) or a
 * custom mux header such as {@code EID} (the key is the whole value).
 *
 * <p>The scanner only reads: the visitor's bytes are forwarded verbatim once routed (GT §3.8), so
 * the caller keeps cumulating into the same buffer and calls {@link #scan(ByteBuf)} again; bytes
 * already scanned must stay at the same offsets relative to the buffer's reader index. Each byte is
 * looked at once, so a head of n bytes costs O(n) however it is split.
 *
 * <p>It is stricter than GT's line prefix match: the request line must be HTTP/1.x, header lines
 * must be well formed, the header name matches case-insensitively, and anything else ends in
 * {@link Status#BAD_REQUEST} as early as the offending byte is seen. The whole head is read before
 * the key counts as found, because what follows the routing header can make the routing
 * ambiguous (RFC 9112 §3.2): a second routing header, a {@code Host} with userinfo
 * ({@code a@b}), or, in host mode, an absolute-form target ({@code GET http://a.b/ HTTP/1.1})
 * naming another host than {@code Host} are refused, so that GT and the service behind it can
 * never disagree on which host a request is for. One instance per connection; not thread-safe.
 */
public final class HttpHeadScanner {

    /** Outcome of a {@link #scan(ByteBuf)} call. */
    public enum Status {
        /** No decision yet; call again when more bytes have arrived. */
        NEED_MORE,
        /** The routing header was found; see {@link #routingKey()}. */
        FOUND,
        /** The bytes are not an acceptable HTTP/1.x request head; see {@link #error()}. */
        BAD_REQUEST
    }

    /** Longest accepted routing header value, after trimming (GT's limit). */
    public static final int MAX_VALUE_BYTES = 512;

    private static final byte SP = ' ';
    private static final byte HTAB = '\t';
    private static final byte CR = '\r';
    private static final byte LF = '\n';
    private static final byte[] VERSION_PREFIX = {'H', 'T', 'T', 'P', '/', '1', '.'};
    private static final boolean[] TCHAR = new boolean[256];

    static {
        for (int c = '0'; c <= '9'; c++) {
            TCHAR[c] = true;
        }
        for (int c = 'a'; c <= 'z'; c++) {
            TCHAR[c] = true;
            TCHAR[c - 32] = true;
        }
        for (char c : "!#$%&'*+-.^_`|~".toCharArray()) {
            TCHAR[c] = true;
        }
    }

    private static final int METHOD_START = 0;
    private static final int METHOD = 1;
    private static final int TARGET_START = 2;
    private static final int TARGET = 3;
    private static final int VERSION = 4;
    private static final int REQUEST_LINE_END = 5;
    private static final int REQUEST_LINE_CR = 6;
    private static final int LINE_START = 7;
    private static final int HEAD_END_CR = 8;
    private static final int NAME = 9;
    private static final int VALUE = 10;
    private static final int VALUE_CR = 11;
    private static final int OTHER_VALUE = 12;
    private static final int OTHER_VALUE_CR = 13;
    private static final int DONE = 14;

    private static final String NOT_HTTP1 = "not an HTTP/1.x request line";
    private static final String MALFORMED_LINE = "malformed header line";

    private final String headerName;
    /** Lower-cased header name bytes, compared against each header name as it streams past. */
    private final byte[] target;
    private final boolean hostMode;
    private final int maxHeadBytes;
    private final ByteProcessor step = this::step;

    private int state = METHOD_START;
    /** Offset, relative to the reader index, of the next byte to scan (= bytes scanned). */
    private int pos;
    private int versionIndex;
    private int nameLength;
    /** Relative offset of the request target's first byte. */
    private int targetStart;
    /** Host of an absolute-form request target, lower case; null for other forms. */
    private String targetHost;
    /** The whole host of the Host header (no port, no brackets), lower case, in host mode. */
    private String headerHost;
    private boolean nameMatches;
    /** Relative offsets of the trimmed routing header value; -1 until its first visible byte. */
    private int valueStart;
    private int valueEnd;
    private boolean whitespaceInValue;
    /** The buffer of the running scan, so the processor can read the value once its line ends. */
    private ByteBuf current;

    private Status status = Status.NEED_MORE;
    private String routingKey;
    private String foundKey;
    private String error;

    /**
     * @param headerName   the routing header: {@code "Host"} (any case) selects host mode, where the key
     *                     is the first DNS label of the host with any port stripped; any other token is
     *                     a custom mux header whose whole trimmed value is the key
     * @param maxHeadBytes how many bytes may be scanned without a decision before the request is refused
     */
    public HttpHeadScanner(String headerName, int maxHeadBytes) {
        if (headerName == null || headerName.isEmpty()) {
            throw new IllegalArgumentException("header name '" + headerName + "' (expected a non-empty HTTP token)");
        }
        for (int i = 0; i < headerName.length(); i++) {
            char c = headerName.charAt(i);
            if (c > 0xff || !TCHAR[c]) {
                throw new IllegalArgumentException("header name '" + headerName + "' (expected an HTTP token)");
            }
        }
        if (maxHeadBytes < 1) {
            throw new IllegalArgumentException("maxHeadBytes " + maxHeadBytes + " (expected >= 1)");
        }
        this.headerName = headerName;
        this.target = headerName.toLowerCase(Locale.ROOT).getBytes(StandardCharsets.US_ASCII);
        this.hostMode = headerName.equalsIgnoreCase("Host");
        this.maxHeadBytes = maxHeadBytes;
    }

    /**
     * Scans the readable bytes of {@code buf} that were not scanned by earlier calls, without changing
     * its indices or contents. After {@link Status#FOUND} or {@link Status#BAD_REQUEST} every further
     * call returns the same status.
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
        int n = Math.min(readable, maxHeadBytes) - pos;
        if (n > 0) {
            current = buf;
            try {
                buf.forEachByte(buf.readerIndex() + pos, n, step);
            } finally {
                current = null;
            }
        }
        if (status == Status.NEED_MORE && pos >= maxHeadBytes) {
            fail("request head is larger than " + maxHeadBytes + " bytes");
        }
        return status;
    }

    /** Lower-cased (ASCII) routing key when {@link Status#FOUND}, else null. */
    public String routingKey() {
        return status == Status.FOUND ? routingKey : null;
    }

    /** Why the request was refused when {@link Status#BAD_REQUEST}, else null. */
    public String error() {
        return error;
    }

    /** Number of bytes scanned so far. */
    public int scannedBytes() {
        return pos;
    }

    /** Returns false to stop the scan: a decision was taken on this byte. */
    private boolean step(byte value) {
        int b = value & 0xff;
        int p = pos++;
        switch (state) {
            case METHOD_START:
                // Checked on the very first byte so TLS records, binary protocols and tunnels are dropped at once.
                if (!TCHAR[b]) {
                    return fail(NOT_HTTP1);
                }
                state = METHOD;
                return true;
            case METHOD:
                if (b == SP) {
                    state = TARGET_START;
                    return true;
                }
                return TCHAR[b] || fail(NOT_HTTP1);
            case TARGET_START:
            case TARGET:
                if (b == SP && state == TARGET) {
                    state = VERSION;
                    versionIndex = 0;
                    return !hostMode || absoluteFormHost(targetStart, p);
                }
                if (state == TARGET_START) {
                    targetStart = p;
                }
                // Raw UTF-8 in a target is wrong but common; whitespace and controls would desynchronise parsers.
                if (b <= SP || b == 0x7f) {
                    return fail(NOT_HTTP1);
                }
                state = TARGET;
                return true;
            case VERSION:
                if (versionIndex < VERSION_PREFIX.length) {
                    // Also refuses the HTTP/2 prior-knowledge preface "PRI * HTTP/2.0".
                    if (b != VERSION_PREFIX[versionIndex++]) {
                        return fail(NOT_HTTP1);
                    }
                    return true;
                }
                if (b < '0' || b > '9') {
                    return fail(NOT_HTTP1);
                }
                state = REQUEST_LINE_END;
                return true;
            case REQUEST_LINE_END:
                if (b == LF) {
                    state = LINE_START;
                    return true;
                }
                if (b == CR) {
                    state = REQUEST_LINE_CR;
                    return true;
                }
                return fail(NOT_HTTP1);
            case REQUEST_LINE_CR:
                if (b != LF) {
                    return fail(NOT_HTTP1);
                }
                state = LINE_START;
                return true;
            case LINE_START:
                if (b == LF) {
                    return endOfHead();
                }
                if (b == CR) {
                    state = HEAD_END_CR;
                    return true;
                }
                if (b == SP || b == HTAB) {
                    // A folded line would let the value of the previous header continue out of our sight.
                    return fail(MALFORMED_LINE + " (obsolete line folding is not accepted)");
                }
                if (!TCHAR[b]) {
                    return fail(MALFORMED_LINE);
                }
                state = NAME;
                nameLength = 1;
                nameMatches = lower(b) == target[0];
                return true;
            case HEAD_END_CR:
                if (b != LF) {
                    return fail(MALFORMED_LINE);
                }
                return endOfHead();
            case NAME:
                if (b == ':') {
                    if (nameMatches && nameLength == target.length) {
                        state = VALUE;
                        valueStart = -1;
                        whitespaceInValue = false;
                    } else {
                        state = OTHER_VALUE;
                    }
                    return true;
                }
                // Also refuses "Host : x": whitespace before the colon is a smuggling vector (RFC 9112 §5.1).
                if (!TCHAR[b]) {
                    return fail(MALFORMED_LINE);
                }
                if (nameMatches) {
                    nameMatches = nameLength < target.length && lower(b) == target[nameLength];
                }
                nameLength++;
                return true;
            case VALUE:
                return valueByte(b, p);
            case VALUE_CR:
                if (b != LF) {
                    return fail(MALFORMED_LINE);
                }
                return finishValue();
            case OTHER_VALUE:
                if (b == LF) {
                    state = LINE_START;
                    return true;
                }
                if (b == CR) {
                    state = OTHER_VALUE_CR;
                    return true;
                }
                // RFC 9110 §5.5: NUL and other controls in a field value are invalid; obs-text is tolerated.
                if (b < SP && b != HTAB || b == 0x7f) {
                    return fail(MALFORMED_LINE);
                }
                return true;
            case OTHER_VALUE_CR:
                if (b != LF) {
                    return fail(MALFORMED_LINE);
                }
                state = LINE_START;
                return true;
            default:
                return false;
        }
    }

    private boolean valueByte(int b, int p) {
        if (b == SP || b == HTAB) {
            whitespaceInValue = valueStart >= 0;
            return true;
        }
        if (b == LF) {
            return finishValue();
        }
        if (b == CR) {
            state = VALUE_CR;
            return true;
        }
        if (b < 0x21 || b > 0x7e) {
            return fail(headerName + " header value contains a control or non-ASCII byte (expected visible ASCII)");
        }
        if (b == '@' && hostMode) {
            return fail(headerName + " header contains userinfo (expected host[:port])");
        }
        if (whitespaceInValue) {
            return fail(headerName + " header value contains whitespace (expected a single word)");
        }
        if (valueStart < 0) {
            valueStart = p;
        }
        valueEnd = p + 1;
        if (valueEnd - valueStart > MAX_VALUE_BYTES) {
            return fail(headerName + " header value is longer than " + MAX_VALUE_BYTES + " bytes");
        }
        return true;
    }

    private boolean finishValue() {
        if (valueStart < 0) {
            return fail("empty " + headerName + " header");
        }
        int base = current.readerIndex();
        int from = base + valueStart;
        int to = base + valueEnd;
        if (!hostMode) {
            return found(from, to);
        }
        if (current.getByte(from) == '[') {
            int close = current.indexOf(from + 1, to, (byte) ']');
            if (close < 0) {
                return fail(headerName + " header has an unterminated IPv6 literal (expected [address])");
            }
            if (!isPort(close + 1, to)) {
                return fail(headerName + " header has a malformed port (expected [address]:digits)");
            }
            headerHost = lowerAscii(from + 1, close);
            return found(from + 1, close);
        }
        int colon = current.indexOf(from, to, (byte) ':');
        int hostEnd = colon < 0 ? to : colon;
        if (!isPort(hostEnd, to)) {
            return fail(headerName + " header has a malformed port (expected host:digits)");
        }
        int dot = current.indexOf(from, hostEnd, (byte) '.');
        headerHost = lowerAscii(from, hostEnd);
        return found(from, dot < 0 ? hostEnd : dot);
    }

    /**
     * Notes the host of an absolute-form request target ({@code http://host[:port]/...}) between
     * the relative offsets {@code from} and {@code to}, to compare it with {@code Host} later.
     */
    private boolean absoluteFormHost(int from, int to) {
        int base = current.readerIndex();
        int start = base + from;
        int end = base + to;
        int schemeEnd = current.indexOf(start, Math.min(end, start + 8), (byte) ':');
        if (schemeEnd < 0 || !startsWithIgnoreCase(start, schemeEnd, "http") && !startsWithIgnoreCase(start, schemeEnd,
                "https") || end - schemeEnd < 3 || current.getByte(schemeEnd + 1) != '/'
                || current.getByte(schemeEnd + 2) != '/') {
            return true;
        }
        int authority = schemeEnd + 3;
        int authorityEnd = authority;
        while (authorityEnd < end) {
            byte c = current.getByte(authorityEnd);
            if (c == '/' || c == '?' || c == '#') {
                break;
            }
            authorityEnd++;
        }
        if (current.indexOf(authority, authorityEnd, (byte) '@') >= 0) {
            return fail("request target contains userinfo (expected http://host[:port]/...)");
        }
        int hostEnd;
        if (authority < authorityEnd && current.getByte(authority) == '[') {
            int close = current.indexOf(authority + 1, authorityEnd, (byte) ']');
            if (close < 0) {
                return fail("request target has an unterminated IPv6 literal");
            }
            targetHost = lowerAscii(authority + 1, close);
            return true;
        }
        int colon = current.indexOf(authority, authorityEnd, (byte) ':');
        hostEnd = colon < 0 ? authorityEnd : colon;
        targetHost = lowerAscii(authority, hostEnd);
        return true;
    }

    private boolean startsWithIgnoreCase(int from, int to, String word) {
        if (to - from != word.length()) {
            return false;
        }
        for (int i = 0; i < word.length(); i++) {
            if (lower(current.getByte(from + i) & 0xff) != word.charAt(i)) {
                return false;
            }
        }
        return true;
    }

    /** The bytes between two absolute indices of {@link #current}, lower-cased. */
    private String lowerAscii(int from, int to) {
        char[] c = new char[to - from];
        for (int i = 0; i < c.length; i++) {
            c[i] = (char) lower(current.getByte(from + i) & 0xff);
        }
        return new String(c);
    }

    /** The empty line: the head is complete, and the routing decided if nothing contradicts it. */
    private boolean endOfHead() {
        if (foundKey == null) {
            return fail("missing " + headerName + " header");
        }
        if (targetHost != null && headerHost != null && !targetHost.equals(headerHost)) {
            return fail("the request target names another host than the " + headerName + " header");
        }
        routingKey = foundKey;
        status = Status.FOUND;
        state = DONE;
        return false;
    }

    /** True for an empty suffix or ":" followed by digits only (RFC 3986 allows an empty port). */
    private boolean isPort(int from, int to) {
        if (from == to) {
            return true;
        }
        if (current.getByte(from) != ':') {
            return false;
        }
        for (int i = from + 1; i < to; i++) {
            byte c = current.getByte(i);
            if (c < '0' || c > '9') {
                return false;
            }
        }
        return true;
    }

    private boolean found(int from, int to) {
        if (from == to) {
            return fail(headerName + " header has an empty first label (expected name.domain)");
        }
        if (foundKey != null) {
            return fail("more than one " + headerName + " header");
        }
        foundKey = lowerAscii(from, to);
        state = LINE_START;
        return true;
    }

    private boolean fail(String reason) {
        error = reason;
        routingKey = null;
        status = Status.BAD_REQUEST;
        state = DONE;
        return false;
    }

    private static int lower(int b) {
        return b >= 'A' && b <= 'Z' ? b + 32 : b;
    }
}

package dev.gt.core.internal.http;

import dev.gt.core.internal.http.HttpHeadScanner.Status;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Locale;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * Seeded random-mutation fuzzing of {@link HttpHeadScanner}: every input is scanned one-shot and in
 * random chunks, checked against invariants and against a non-incremental reference model written
 * independently below. A failure message carries the iteration's seed and input for replay.
 */
class HttpHeadScannerFuzzTest {

    private static final long SEED = 0x6774_6a61_7661L;
    private static final int ITERATIONS = 200_000;

    private static final String[] SEEDS = {
            "GET / HTTP/1.1\r\nHost: abc.example.com\r\nUser-Agent: curl/8.5\r\nAccept: */*\r\n\r\n",
            "POST /submit?x=1 HTTP/1.0\nContent-Length: 3\nHOST: Foo.Bar:8080\n\nabc",
            "GET / HTTP/1.1\r\nhost: [::1]:8080\r\n\r\n",
            "GET / HTTP/1.1\r\nX-A: 1\r\nX-B:\t2 \r\nHost:\t localhost \t\r\n\r\n",
            "GET / HTTP/1.1\r\n\r\n",
            "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n",
            "OPTIONS * HTTP/1.1\r\nEID: Client-7\r\nTarget-ID: 0x123\r\nHost: x.y.z\r\n\r\n",
            "CONNECT example.com:443 HTTP/1.1\r\nHost: example.com:443\r\nProxy-Connection: keep-alive\r\n\r\n",
            "GET http://a.b/c HTTP/1.1\r\nHost: .b\r\n\r\n",
            "GET / HTTP/1.1\r\nHost: 127.0.0.1:80\r\nHost: second\r\n\r\n",
            "\u0016\u0003\u0001\u0002\u0000\u0001\u0000\u0001\u00fc\u0003\u0003",
            "GET /index.html HTTP/1.1\r\nCookie: a=b; c=d\r\nHost: [FE80::1]\r\n\r\n",
            "GET /a HTTP/1.1\r\nUser-Agent: Mozilla/5.0 (X11; Linux x86_64)\r\nAccept-Language: en\r\n"
                    + "Accept-Encoding: gzip, br\r\nConnection: keep-alive\r\nEID: abc\r\nHost: Www.Example.Org:8443\r\n\r\n",
            "GET / HTTP/1.1\nTarget-ID: T1\nX-Forwarded-For: 10.0.0.1\nHost: a.b.c\n\n",
            "GET http://Abc.example:80/x?y HTTP/1.1\r\nHost: abc.EXAMPLE\r\n\r\n",
            "GET https://[::1]:8443/ HTTP/1.1\r\nHost: [::1]\r\nHost: a@b\r\n\r\n",
            "GET http://user@abc.example/ HTTP/1.1\r\nHost: abc.example\r\n\r\n",
    };
    private static final String[] HEADERS = {"Host", "Host", "Host", "host", "EID", "Target-ID"};
    /** Mostly the real bound; small ones exercise the limit on every kind of input. */
    private static final int[] BOUNDS = {16384, 16384, 16384, 16384, 16384, 512, 64, 24, 1};
    private static final byte[][] INSERTS = {
            bytes("\r"), bytes("\n"), bytes("\r\n"), bytes(":"), bytes(" "), bytes("\t"), bytes("."), bytes("["),
            bytes("]"), bytes("\u0000"), bytes("\u0080"), bytes("Host: "), bytes("\r\n\r\n"), bytes("\r\n "),
            bytes("EID:"), bytes("HTTP/1.1"), bytes("A".repeat(40)),
    };

    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void randomMutationsKeepTheInvariants() {
        SplittableRandom seeds = new SplittableRandom(SEED);
        for (int iteration = 0; iteration < ITERATIONS; iteration++) {
            long seed = seeds.nextLong();
            SplittableRandom random = new SplittableRandom(seed);
            byte[] input = input(random);
            String header = HEADERS[random.nextInt(HEADERS.length)];
            int max = BOUNDS[random.nextInt(BOUNDS.length)];
            try {
                check(header, max, input, random);
            } catch (AssertionError | RuntimeException e) {
                throw new AssertionError("iteration " + iteration + " seed " + seed + " header " + header + " max "
                        + max + " input " + Arrays.toString(input) + " = '" + printable(input) + "'", e);
            }
        }
    }

    private static byte[] input(SplittableRandom random) {
        byte[] data;
        if (random.nextInt(20) == 0) {
            data = new byte[random.nextInt(64)];
            random.nextBytes(data);
        } else {
            data = bytes(SEEDS[random.nextInt(SEEDS.length)]);
        }
        // Mostly few mutations, so that many inputs stay close enough to HTTP to reach the headers.
        int kind = random.nextInt(10);
        int mutations = kind < 2 ? 0 : kind < 8 ? 1 + random.nextInt(2) : 1 + random.nextInt(6);
        for (int m = 0; m < mutations; m++) {
            data = mutate(data, random);
        }
        return data;
    }

    private static byte[] mutate(byte[] data, SplittableRandom random) {
        int at = data.length == 0 ? 0 : random.nextInt(data.length + 1);
        switch (random.nextInt(7)) {
            case 0: // bit flip
                if (data.length > 0) {
                    int i = random.nextInt(data.length);
                    data[i] ^= (byte) (1 << random.nextInt(8));
                }
                return data;
            case 1: // insert a syntax byte or snippet
                return insert(data, at, INSERTS[random.nextInt(INSERTS.length)]);
            case 2: // truncate
                return Arrays.copyOf(data, at);
            case 3: { // duplicate a range
                int from = data.length == 0 ? 0 : random.nextInt(data.length);
                int to = from + random.nextInt(Math.min(32, data.length - from) + 1);
                return insert(data, at, Arrays.copyOfRange(data, from, to));
            }
            case 4: // delete a byte
                if (at < data.length) {
                    byte[] out = new byte[data.length - 1];
                    System.arraycopy(data, 0, out, 0, at);
                    System.arraycopy(data, at + 1, out, at, data.length - at - 1);
                    return out;
                }
                return data;
            case 5: // random byte
                if (data.length > 0) {
                    data[random.nextInt(data.length)] = (byte) random.nextInt(256);
                }
                return data;
            default: // flip letter case
                if (data.length > 0) {
                    int i = random.nextInt(data.length);
                    if (Character.isLetter(data[i] & 0xff) && (data[i] & 0xff) < 0x80) {
                        data[i] ^= 0x20;
                    }
                }
                return data;
        }
    }

    private static void check(String header, int max, byte[] input, SplittableRandom random) {
        Outcome oneShot = scanOneShot(header, max, input, random);
        Outcome chunked = scanChunked(header, max, input, random);
        assertEquals(oneShot, chunked, "chunked scan differs from one-shot");
        assertEquals(Reference.outcome(header, max, input), oneShot, "scanner differs from the reference model");

        assertTrue(oneShot.scanned <= max, "scanned beyond the bound");
        switch (oneShot.status) {
            case FOUND:
                assertNotNull(oneShot.key);
                assertNull(oneShot.error);
                assertTrue(oneShot.key.length() >= 1 && oneShot.key.length() <= 512, oneShot.key);
                for (int i = 0; i < oneShot.key.length(); i++) {
                    char c = oneShot.key.charAt(i);
                    assertTrue(c > 0x20 && c < 0x7f && !(c >= 'A' && c <= 'Z'), "key char " + (int) c);
                }
                break;
            case BAD_REQUEST:
                assertNotNull(oneShot.error);
                assertNull(oneShot.key);
                break;
            default:
                assertNull(oneShot.key);
                assertNull(oneShot.error);
                assertEquals(input.length, oneShot.scanned);
                assertTrue(input.length < max);
        }
    }

    private static Outcome scanOneShot(String header, int max, byte[] input, SplittableRandom random) {
        HttpHeadScanner scanner = new HttpHeadScanner(header, max);
        // A non-zero reader index checks that offsets are relative to it.
        int offset = random.nextInt(4);
        ByteBuf buf = Unpooled.buffer(offset + input.length);
        try {
            buf.writerIndex(offset).readerIndex(offset);
            buf.writeBytes(input);
            Status status = scanAndCheckIndices(scanner, buf);
            assertEquals(status, scanAndCheckIndices(scanner, buf), "status not sticky");
            return Outcome.of(status, scanner);
        } finally {
            buf.release();
        }
    }

    private static Outcome scanChunked(String header, int max, byte[] input, SplittableRandom random) {
        HttpHeadScanner scanner = new HttpHeadScanner(header, max);
        ByteBuf buf = Unpooled.buffer(input.length);
        try {
            Status status = scanAndCheckIndices(scanner, buf);
            int fed = 0;
            while (fed < input.length) {
                int n = 1 + random.nextInt(Math.min(input.length - fed, random.nextBoolean() ? 3 : 40));
                buf.writeBytes(input, fed, n);
                fed += n;
                if (random.nextInt(8) == 0) {
                    // Like a cumulator that reallocates: same bytes, different buffer.
                    ByteBuf copy = Unpooled.buffer(buf.readableBytes() + 8);
                    copy.writeBytes(buf);
                    buf.release();
                    buf = copy;
                }
                status = scanAndCheckIndices(scanner, buf);
            }
            return Outcome.of(status, scanner);
        } finally {
            buf.release();
        }
    }

    private static Status scanAndCheckIndices(HttpHeadScanner scanner, ByteBuf buf) {
        int reader = buf.readerIndex();
        int writer = buf.writerIndex();
        Status status = scanner.scan(buf);
        assertEquals(reader, buf.readerIndex(), "reader index changed");
        assertEquals(writer, buf.writerIndex(), "writer index changed");
        return status;
    }

    private static byte[] insert(byte[] data, int at, byte[] what) {
        byte[] out = new byte[data.length + what.length];
        System.arraycopy(data, 0, out, 0, at);
        System.arraycopy(what, 0, out, at, what.length);
        System.arraycopy(data, at, out, at + what.length, data.length - at);
        return out;
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.ISO_8859_1);
    }

    private static String printable(byte[] input) {
        StringBuilder sb = new StringBuilder();
        for (byte b : input) {
            int c = b & 0xff;
            if (c >= 0x20 && c < 0x7f) {
                sb.append((char) c);
            } else {
                sb.append(String.format(Locale.ROOT, "\\x%02x", c));
            }
        }
        return sb.toString();
    }

    /** What a scan concluded; the error text is compared between scans but not with the model. */
    record Outcome(Status status, String key, String error, int scanned) {
        static Outcome of(Status status, HttpHeadScanner scanner) {
            return new Outcome(status, scanner.routingKey(), scanner.error(), scanner.scannedBytes());
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Outcome other && status == other.status && scanned == other.scanned
                    && java.util.Objects.equals(key, other.key) && (error == null) == (other.error == null);
        }

        @Override
        public int hashCode() {
            return java.util.Objects.hash(status, key, scanned);
        }
    }

    /**
     * The scanner's rules, written non-incrementally: find the position of the byte that decides,
     * over the whole input; the bound then only decides whether that byte is reached.
     */
    static final class Reference {
        private static final Pattern BRACKETED = Pattern.compile("\\[([^]]*)](:[0-9]*)?");
        private static final Pattern PLAIN = Pattern.compile("([^:]*)(:[0-9]*)?");
        /** An absolute-form target: scheme (found within its first 8 bytes), "//", authority. */
        private static final Pattern ABSOLUTE = Pattern.compile("(?i)(https?)://([^/?#]*)");
        private static final String TCHARS = "!#$%&'*+-.^_`|~";

        /** A decision on the byte at {@code position}, or -1 when the input ran out first. */
        private record Decision(Status status, String key, int position) {
        }

        static Outcome outcome(String header, int max, byte[] d) {
            Decision decision = decide(header, d);
            if (decision.position >= 0 && decision.position < Math.min(d.length, max)) {
                return new Outcome(decision.status, decision.key, decision.status == Status.BAD_REQUEST ? "" : null,
                        decision.position + 1);
            }
            if (d.length >= max) {
                return new Outcome(Status.BAD_REQUEST, null, "", max);
            }
            return new Outcome(Status.NEED_MORE, null, null, d.length);
        }

        private static boolean tchar(int c) {
            return c < 0x80 && (Character.isLetterOrDigit(c) || TCHARS.indexOf(c) >= 0);
        }

        private static Decision bad(int position) {
            return new Decision(Status.BAD_REQUEST, null, position);
        }

        private static final Decision MORE = new Decision(Status.NEED_MORE, null, -1);

        private static Decision decide(String header, byte[] d) {
            boolean hostMode = header.equalsIgnoreCase("Host");
            int n = d.length;
            int i = 0;
            while (i < n && tchar(d[i] & 0xff)) {
                i++;
            }
            if (i == n) {
                return MORE;
            }
            if (i == 0 || d[i] != ' ') {
                return bad(i);
            }
            int targetStart = ++i;
            while (i < n && (d[i] & 0xff) > 0x20 && d[i] != 0x7f) {
                i++;
            }
            if (i == n) {
                return MORE;
            }
            if (i == targetStart || d[i] != ' ') {
                return bad(i);
            }
            String targetHost = null;
            if (hostMode) {
                String target = new String(d, targetStart, i - targetStart, StandardCharsets.ISO_8859_1);
                Matcher m = ABSOLUTE.matcher(target);
                if (m.lookingAt()) {
                    String authority = m.group(2);
                    if (authority.indexOf('@') >= 0) {
                        return bad(i);
                    }
                    if (authority.startsWith("[")) {
                        int close = authority.indexOf(']');
                        if (close < 0) {
                            return bad(i);
                        }
                        targetHost = authority.substring(1, close).toLowerCase(Locale.ROOT);
                    } else {
                        int colon = authority.indexOf(':');
                        targetHost = (colon < 0 ? authority : authority.substring(0, colon)).toLowerCase(Locale.ROOT);
                    }
                }
            }
            i++;
            byte[] version = bytes("HTTP/1.");
            for (byte v : version) {
                if (i == n) {
                    return MORE;
                }
                if (d[i] != v) {
                    return bad(i);
                }
                i++;
            }
            if (i == n) {
                return MORE;
            }
            if (d[i] < '0' || d[i] > '9') {
                return bad(i);
            }
            i++;
            int lineStart = lineAfter(d, i);
            if (lineStart < 0) {
                return lineStart == -1 ? MORE : bad(-lineStart - 2);
            }
            String key = null;
            String headerHost = null;
            while (true) {
                i = lineStart;
                if (i == n) {
                    return MORE;
                }
                int endOfHead = -1;
                if (d[i] == '\n') {
                    endOfHead = i;
                } else if (d[i] == '\r') {
                    if (i + 1 == n) {
                        return MORE;
                    }
                    if (d[i + 1] != '\n') {
                        return bad(i + 1);
                    }
                    endOfHead = i + 1;
                }
                if (endOfHead >= 0) {
                    if (key == null) {
                        return bad(endOfHead);
                    }
                    if (targetHost != null && headerHost != null && !targetHost.equals(headerHost)) {
                        return bad(endOfHead);
                    }
                    return new Decision(Status.FOUND, key, endOfHead);
                }
                while (i < n && tchar(d[i] & 0xff)) {
                    i++;
                }
                if (i == n) {
                    return MORE;
                }
                if (i == lineStart || d[i] != ':') {
                    return bad(i);
                }
                String name = new String(d, lineStart, i - lineStart, StandardCharsets.ISO_8859_1);
                i++;
                if (name.equalsIgnoreCase(header)) {
                    Value v = value(header, d, i);
                    if (v.decision != null) {
                        return v.decision;
                    }
                    if (key != null) {
                        return bad(v.end - 1);
                    }
                    key = v.key;
                    headerHost = v.host;
                    lineStart = v.end;
                    continue;
                }
                while (i < n && d[i] != '\r' && d[i] != '\n') {
                    int c = d[i] & 0xff;
                    if (c < 0x20 && c != '\t' || c == 0x7f) {
                        return bad(i);
                    }
                    i++;
                }
                lineStart = lineAfter(d, i);
                if (lineStart == -1) {
                    return MORE;
                }
                if (lineStart < -1) {
                    return bad(-lineStart - 2);
                }
            }
        }

        /** A routing header's value: either a decision (bad, or out of input), or its key and host. */
        private record Value(Decision decision, String key, String host, int end) {
        }

        /** Start of the next line when d[i] begins a line end; -1 when out of input; -2 - p for bad byte p. */
        private static int lineAfter(byte[] d, int i) {
            if (i == d.length) {
                return -1;
            }
            if (d[i] == '\n') {
                return i + 1;
            }
            if (d[i] != '\r') {
                return -2 - i;
            }
            if (i + 1 == d.length) {
                return -1;
            }
            return d[i + 1] == '\n' ? i + 2 : -2 - (i + 1);
        }

        private static Value value(String header, byte[] d, int i) {
            boolean hostMode = header.equalsIgnoreCase("Host");
            int n = d.length;
            int first = -1;
            int last = -1;
            boolean sawSpaceAfterValue = false;
            for (; i < n; i++) {
                int c = d[i] & 0xff;
                if (c == ' ' || c == '\t') {
                    sawSpaceAfterValue = first >= 0;
                } else if (c == '\r' || c == '\n') {
                    break;
                } else if (c < 0x21 || c > 0x7e || c == '@' && hostMode || sawSpaceAfterValue) {
                    return new Value(bad(i), null, null, -1);
                } else {
                    if (first < 0) {
                        first = i;
                    }
                    last = i;
                    if (last - first + 1 > 512) {
                        return new Value(bad(i), null, null, -1);
                    }
                }
            }
            int end = lineAfter(d, i);
            if (end == -1) {
                return new Value(MORE, null, null, -1);
            }
            if (end < -1) {
                return new Value(bad(-end - 2), null, null, -1);
            }
            int decidedAt = end - 1;
            if (first < 0) {
                return new Value(bad(decidedAt), null, null, -1);
            }
            String value = new String(d, first, last - first + 1, StandardCharsets.US_ASCII);
            String key;
            String host = null;
            if (!hostMode) {
                key = value;
            } else {
                Matcher m = value.startsWith("[") ? BRACKETED.matcher(value) : PLAIN.matcher(value);
                if (!m.matches()) {
                    return new Value(bad(decidedAt), null, null, -1);
                }
                key = m.group(1);
                host = key.toLowerCase(Locale.ROOT);
                if (!value.startsWith("[")) {
                    int dot = key.indexOf('.');
                    key = dot < 0 ? key : key.substring(0, dot);
                }
            }
            if (key.isEmpty()) {
                return new Value(bad(decidedAt), null, null, -1);
            }
            return new Value(null, key.toLowerCase(Locale.ROOT), host, end);
        }
    }

    @Test
    void referenceModelAgreesOnKnownCases() {
        // Guards the model itself, so a fuzz agreement means something.
        assertEquals(Status.FOUND, Reference.outcome("Host", 16384,
                bytes("GET / HTTP/1.1\r\nHost: Abc.d:80\r\n\r\n")).status);
        assertEquals("abc", Reference.outcome("Host", 16384, bytes("GET / HTTP/1.1\r\nHost: Abc.d:80\r\n\n")).key);
        assertEquals(Status.NEED_MORE, Reference.outcome("Host", 16384, bytes("GET / HTTP/1.1\r\nHost: a\r\n")).status);
        assertEquals(Status.BAD_REQUEST, Reference.outcome("Host", 16384,
                bytes("GET / HTTP/1.1\r\nHost: a\r\nHost: a\r\n\r\n")).status);
        assertEquals(Status.BAD_REQUEST, Reference.outcome("Host", 16384,
                bytes("GET http://b/ HTTP/1.1\r\nHost: a\r\n\r\n")).status);
        assertEquals(Status.BAD_REQUEST, Reference.outcome("Host", 16384, bytes("GET / HTTP/1.1\r\n\r\n")).status);
        assertEquals(Status.NEED_MORE, Reference.outcome("Host", 16384, bytes("GET / HTTP/1.1\r\nHost: a")).status);
        if (Reference.outcome("EID", 16384, bytes("GET / HTTP/1.1\r\nEID: X.Y\n\n")).key == null) {
            fail("custom header not found by the model");
        }
    }
}

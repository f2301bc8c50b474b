package dev.gt.core.internal.http;

import dev.gt.core.internal.http.HttpHeadScanner.Status;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.CompositeByteBuf;
import io.netty.buffer.Unpooled;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

class HttpHeadScannerTest {

    private static final int MAX = 16384;

    /** Status, key and error of a one-shot scan, in a form that assertEquals can compare. */
    record Result(Status status, String key, String error, int scanned) {
        static Result found(String key, int scanned) {
            return new Result(Status.FOUND, key, null, scanned);
        }
    }

    static Result scanOnce(String header, int max, byte[] input) {
        HttpHeadScanner scanner = new HttpHeadScanner(header, max);
        ByteBuf buf = Unpooled.wrappedBuffer(input);
        try {
            scanner.scan(buf);
            assertEquals(0, buf.readerIndex());
            assertEquals(input.length, buf.writerIndex());
            return result(scanner);
        } finally {
            buf.release();
        }
    }

    static Result result(HttpHeadScanner scanner) {
        Status status = scanner.routingKey() != null ? Status.FOUND
                : scanner.error() != null ? Status.BAD_REQUEST : Status.NEED_MORE;
        return new Result(status, scanner.routingKey(), scanner.error(), scanner.scannedBytes());
    }

    static Result host(String input) {
        return scanOnce("Host", MAX, ascii(input));
    }

    static byte[] ascii(String s) {
        return s.getBytes(StandardCharsets.ISO_8859_1);
    }

    static void assertFound(String key, Result r) {
        assertEquals(Status.FOUND, r.status(), () -> "error: " + r.error());
        assertEquals(key, r.key());
        assertNull(r.error());
    }

    static void assertBad(String error, Result r) {
        assertEquals(Status.BAD_REQUEST, r.status(), () -> "key: " + r.key());
        assertEquals(error, r.error());
        assertNull(r.key());
    }

    // --- GT server/http_test.go (anatomy §8.7) ---

    @Test
    void peekHostFindsLocalhost() {
        assertFound("localhost", host("GET / HTTP/1.1\r\nHost: localhost\r\nUser-Agent: curl/7.64.1\r\nAccept: */*\r\n\r\n"));
    }

    @Test
    void customMuxHeaderValueIsTheKey() {
        Result r = scanOnce("Target-ID", MAX, ascii("GET / HTTP/1.1\r\nHost: localhost\r\nTarget-ID: 0x123\r\n\r\n"));
        assertFound("0x123", r);
    }

    @Test
    void emptyHostIsBad() {
        assertBad("empty Host header", host("GET / HTTP/1.1\r\nHost: \r\n\r\n"));
        assertBad("empty Host header", host("GET / HTTP/1.1\r\nHost:\r\n\r\n"));
        assertBad("empty Host header", host("GET / HTTP/1.1\r\nHost: \t \n\n"));
    }

    @Test
    void noHostIsBad() {
        assertBad("missing Host header", host("GET / HTTP/1.1\r\nUser-Agent: curl\r\nAccept: */*\r\n\r\nHost: late.example.com\r\n"));
        assertBad("missing EID header",
                scanOnce("EID", MAX, ascii("GET / HTTP/1.1\r\nHost: a.b.c\r\n\r\n")));
    }

    @Test
    void seventeenKibOfGarbageIsBad() {
        byte[] garbage = new byte[17 * 1024];
        new Random(17).nextBytes(garbage);
        garbage[0] = (byte) 0xF3;
        Result r = scanOnce("Host", MAX, garbage);
        assertBad("not an HTTP/1.x request line", r);
        assertEquals(1, r.scanned(), "garbage should be refused on its first byte");

        // Method characters only: nothing is wrong except the size.
        byte[] method = new byte[17 * 1024];
        Arrays.fill(method, (byte) 'G');
        Result bounded = scanOnce("Host", MAX, method);
        assertBad("request head is larger than 16384 bytes", bounded);
        assertEquals(MAX, bounded.scanned());
    }

    @Test
    void headWithoutHeadersIsMissingHost() {
        assertBad("missing Host header", host("GET / HTTP/1.1\r\n\r\n\u0016\u0003\u0001garbage"));
        assertBad("missing Host header", host("GET / HTTP/1.1\n\n"));
    }

    // --- header name and value forms ---

    @ParameterizedTest
    @ValueSource(strings = {"Host", "host", "HOST", "hOsT"})
    void headerNameIsCaseInsensitive(String name) {
        assertFound("abc", host("GET / HTTP/1.1\r\n" + name + ": abc.example.com\r\n\r\n"));
        assertFound("abc", scanOnce(name, MAX, ascii("GET / HTTP/1.1\r\nHoSt: abc.example.com\r\n\r\n")));
    }

    @Test
    void whitespaceAroundTheValueIsTrimmed() {
        assertFound("abc", host("GET / HTTP/1.1\r\nHost:    abc.example.com   \r\n\r\n"));
        assertFound("abc", host("GET / HTTP/1.1\r\nHost:\t\tabc.example.com\t \r\n\r\n"));
        assertFound("abc", host("GET / HTTP/1.1\r\nHost:abc.example.com\r\n\r\n"));
    }

    @ParameterizedTest
    @CsvSource({
            "abc.example.com:8080, abc",
            "localhost:80, localhost",
            "LOCALHOST, localhost",
            "Abc.Example.Com, abc",
            "abc, abc",
            "abc:, abc",
            "127.0.0.1:8080, 127",
            "'[::1]:8080', ::1",
            "'[FE80::1%25eth0]', fe80::1%25eth0",
            "'[::ffff:10.0.0.1]:443', ::ffff:10.0.0.1",
            "xn--bcher-kva.example, xn--bcher-kva",
    })
    void hostModeKeyIsTheFirstLabelWithoutPort(String value, String key) {
        assertFound(key, host("GET / HTTP/1.1\r\nHost: " + value + "\r\n\r\n"));
    }

    @ParameterizedTest
    @ValueSource(strings = {".example.com", ":8080", "[]:80", "[]", "."})
    void emptyFirstLabelIsBad(String value) {
        assertBad("Host header has an empty first label (expected name.domain)",
                host("GET / HTTP/1.1\r\nHost: " + value + "\r\n\r\n"));
    }

    @ParameterizedTest
    @ValueSource(strings = {"abc.example.com:80x", "a:b:1", "[::1]x", "[::1]:8o", "::1"})
    void malformedPortIsBad(String value) {
        Result r = host("GET / HTTP/1.1\r\nHost: " + value + "\r\n\r\n");
        assertEquals(Status.BAD_REQUEST, r.status());
        assertEquals(true, r.error().startsWith("Host header has a malformed port"), r.error());
    }

    @Test
    void unterminatedIpv6IsBad() {
        assertBad("Host header has an unterminated IPv6 literal (expected [address])",
                host("GET / HTTP/1.1\r\nHost: [::1:8080\r\n\r\n"));
    }

    @Test
    void customHeaderKeyIsTheWholeLowerCasedValue() {
        assertFound("client-7.example:80",
                scanOnce("EID", MAX, ascii("GET / HTTP/1.1\r\nHost: a.b.c\r\neid:  Client-7.Example:80 \r\n\r\n")));
    }

    @Test
    void valueMustBeOneVisibleAsciiWord() {
        assertBad("Host header value contains whitespace (expected a single word)",
                host("GET / HTTP/1.1\r\nHost: a b\r\n\r\n"));
        assertBad("Host header value contains a control or non-ASCII byte (expected visible ASCII)",
                host("GET / HTTP/1.1\r\nHost: a\u0001b\r\n\r\n"));
        assertBad("Host header value contains a control or non-ASCII byte (expected visible ASCII)",
                host("GET / HTTP/1.1\r\nHost: b\u00fccher.de\r\n\r\n"));
        assertBad("Host header value contains a control or non-ASCII byte (expected visible ASCII)",
                host("GET / HTTP/1.1\r\nHost: a\u007f\r\n\r\n"));
        assertBad("malformed header line", host("GET / HTTP/1.1\r\nHost: a\rb\r\n\r\n"));
    }

    @Test
    void valueIsAtMost512Bytes() {
        String longest = "a".repeat(512);
        assertFound(longest, host("GET / HTTP/1.1\r\nHost: " + longest + "  \r\n\r\n"));
        Result r = host("GET / HTTP/1.1\r\nHost: " + longest + "a\r\n\r\n");
        assertBad("Host header value is longer than 512 bytes", r);
        assertEquals("GET / HTTP/1.1\r\nHost: ".length() + 513, r.scanned(), "refused on the 513th byte");
    }

    // --- routing ambiguities (RFC 9112 §3.2): GT and the service must agree on the host ---

    @Test
    void twoRoutingHeadersAreBad() {
        assertBad("more than one Host header",
                host("GET / HTTP/1.1\r\nHost: first.example\r\nHost: second.example\r\n\r\n"));
        assertBad("more than one Host header",
                host("GET / HTTP/1.1\r\nHost: same.example\r\nX: y\r\nhost: same.example\r\n\r\n"));
        assertBad("empty Host header", host("GET / HTTP/1.1\r\nHost: \r\nHost: second.example\r\n\r\n"));
        assertBad("more than one EID header",
                scanOnce("EID", MAX, ascii("GET / HTTP/1.1\r\nEID: a\r\nEID: b\r\n\r\n")));
    }

    @Test
    void hostWithUserinfoIsBad() {
        assertBad("Host header contains userinfo (expected host[:port])",
                host("GET / HTTP/1.1\r\nHost: victim@attacker.example\r\n\r\n"));
        assertBad("Host header contains userinfo (expected host[:port])",
                host("GET / HTTP/1.1\r\nHost: a@b\r\n\r\n"));
        // A custom mux header is an opaque value: '@' is just a byte there.
        assertFound("a@b", scanOnce("EID", MAX, ascii("GET / HTTP/1.1\r\nEID: a@b\r\n\r\n")));
    }

    @Test
    void absoluteFormTargetMustNameTheHostOfTheHostHeader() {
        String mismatch = "the request target names another host than the Host header";
        assertBad(mismatch, host("GET http://other.example/x HTTP/1.1\r\nHost: abc.example\r\n\r\n"));
        assertBad(mismatch, host("GET https://abc.example.evil/ HTTP/1.1\r\nHost: abc.example\r\n\r\n"));
        assertBad("request target contains userinfo (expected http://host[:port]/...)",
                host("GET http://abc.example@other.example/ HTTP/1.1\r\nHost: abc.example\r\n\r\n"));
        // Case, ports and the path do not matter; origin-form and authority-form are not compared.
        assertFound("abc", host("GET HTTP://ABC.example:8080/x?y HTTP/1.1\r\nHost: abc.EXAMPLE\r\n\r\n"));
        assertFound("abc", host("GET http://abc.example HTTP/1.1\r\nHost: abc.example:80\r\n\r\n"));
        assertFound("::1", host("GET http://[::1]:8080/ HTTP/1.1\r\nHost: [::1]\r\n\r\n"));
        assertFound("abc", host("CONNECT other.example:443 HTTP/1.1\r\nHost: abc.example\r\n\r\n"));
        assertFound("abc", host("GET /http://other.example/ HTTP/1.1\r\nHost: abc.example\r\n\r\n"));
    }

    @Test
    void similarNamesDoNotMatch() {
        assertBad("missing Host header",
                host("GET / HTTP/1.1\r\nHostname: a.b\r\nHos: a.b\r\nX-Host: a.b\r\nHost-: a.b\r\n\r\n"));
    }

    @Test
    void foundAtTheEndOfTheHeadAndNotBefore() {
        String head = "GET / HTTP/1.1\r\nHost: abc.example.com\r\n";
        assertEquals(Status.NEED_MORE, host(head).status());
        assertEquals(Status.NEED_MORE, host(head + "Accept: */*\r\n").status());
        assertEquals(Status.NEED_MORE, host(head + "\r").status());
        assertFound("abc", host(head + "\r\n"));
        assertEquals(head.length() + 2, host(head + "\r\nbody").scanned(), "the body is not scanned");
        assertEquals(Status.NEED_MORE, host("GET / HTTP/1.1\r\nHost: abc.example.com").status());
    }

    @Test
    void bareLfLineEnds() {
        assertFound("abc", host("GET / HTTP/1.1\nUser-Agent: x\nHost: abc.d.e\n\n"));
        assertFound("abc", host("GET / HTTP/1.0\r\nUser-Agent: x\nHost: abc.d.e\r\n\r\n"));
    }

    // --- request line ---

    @ParameterizedTest
    @ValueSource(strings = {
            "GET / HTTP/1.1", "POST /a?b=c HTTP/1.0", "OPTIONS * HTTP/1.1", "CONNECT a.b:443 HTTP/1.1",
            "M-SEARCH * HTTP/1.1", "GET http://x/c HTTP/1.1", "GET /\u00e4 HTTP/1.1"})
    void acceptedRequestLines(String line) {
        assertFound("x", host(line + "\r\nHost: x\r\n\r\n"));
    }

    @ParameterizedTest
    @ValueSource(strings = {
            "PRI * HTTP/2.0", "GET / HTTP/2", "GET / HTTP/1.", "GET / HTTP/1.x", "GET /  HTTP/1.1", "GET  / HTTP/1.1",
            "GET / HTTP/1.1 ", "GET / http/1.1", "GET /\u0000 HTTP/1.1", "GET / HTTP/1.1\rX", "GET /", "HTTP/1.1 200 OK",
            "(GET) / HTTP/1.1", " GET / HTTP/1.1", ""})
    void refusedRequestLines(String line) {
        assertBad("not an HTTP/1.x request line", host(line + "\r\nHost: x\r\n\r\n"));
    }

    @Test
    void http2PriorKnowledgePrefaceIsRefused() {
        assertBad("not an HTTP/1.x request line", host("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"));
    }

    @ParameterizedTest
    @ValueSource(ints = {0x16, 0xF0, 0x00, 0x80, 0xFF, ' ', '\r', '\n', '{', '/'})
    void nonMethodFirstByteIsRefusedAtOnce(int first) {
        Result r = scanOnce("Host", MAX, new byte[]{(byte) first});
        assertBad("not an HTTP/1.x request line", r);
        assertEquals(1, r.scanned());
    }

    @Test
    void tlsClientHelloIsRefusedAtOnce() {
        Result r = scanOnce("Host", MAX, new byte[]{0x16, 0x03, 0x01, 0x02, 0x00, 0x01, 0x00, 0x01, (byte) 0xfc});
        assertBad("not an HTTP/1.x request line", r);
        assertEquals(1, r.scanned());
    }

    // --- header lines ---

    @Test
    void obsoleteLineFoldingIsRefused() {
        assertBad("malformed header line (obsolete line folding is not accepted)",
                host("GET / HTTP/1.1\r\nX-A: a\r\n b\r\nHost: x\r\n\r\n"));
        assertBad("malformed header line (obsolete line folding is not accepted)",
                host("GET / HTTP/1.1\r\n\tHost: x\r\n\r\n"));
    }

    @ParameterizedTest
    @ValueSource(strings = {"Host : x", "Host\t: x", "X-A b: 1", "No colon here", ": x", "X-A", "X-A: a\u0000b",
            "X-A: a\rb", "X(A): 1", "X-A: 1\r\r"})
    void malformedHeaderLinesAreRefused(String line) {
        assertBad("malformed header line", host("GET / HTTP/1.1\r\n" + line + "\r\nHost: x\r\n\r\n"));
    }

    @Test
    void otherHeadersMayCarryObsTextAndTabs() {
        assertFound("x", host("GET / HTTP/1.1\r\nX-A: caf\u00e9\t ok \r\nX-Empty:\r\nHost: x\r\n\r\n"));
    }

    @Test
    void crAtLineStartMustEndTheHead() {
        assertBad("malformed header line", host("GET / HTTP/1.1\r\n\rHost: x\r\n\r\n"));
    }

    // --- incremental behaviour ---

    @Test
    void splitAtEveryByteGivesTheSameResult() {
        String[] inputs = {
                "GET / HTTP/1.1\r\nHost: localhost\r\nUser-Agent: curl\r\n\r\n",
                "GET / HTTP/1.1\r\nUser-Agent: curl\r\nhost:  [::1]:8080  \r\n\r\n",
                "GET / HTTP/1.1\r\nUser-Agent: curl\r\n\r\n",
                "GET / HTTP/1.1\r\nHost: a b\r\n\r\n",
                "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n",
                "GET / HTTP/1.1\nX: y\nHOST: Abc.Example.COM:80\n\n",
        };
        for (String input : inputs) {
            byte[] bytes = ascii(input);
            for (int max : new int[]{MAX, 20}) {
                Result expected = scanOnce("Host", max, bytes);
                for (int split = 0; split <= bytes.length; split++) {
                    assertEquals(expected, scanSplit(max, bytes, split), input + " split at " + split);
                }
                assertEquals(expected, scanByteByByte(max, bytes), input + " byte by byte");
            }
        }
    }

    private static Result scanSplit(int max, byte[] input, int split) {
        HttpHeadScanner scanner = new HttpHeadScanner("Host", max);
        ByteBuf buf = Unpooled.buffer(input.length);
        try {
            buf.writeBytes(input, 0, split);
            scanner.scan(buf);
            buf.writeBytes(input, split, input.length - split);
            scanner.scan(buf);
            return result(scanner);
        } finally {
            buf.release();
        }
    }

    private static Result scanByteByByte(int max, byte[] input) {
        HttpHeadScanner scanner = new HttpHeadScanner("Host", max);
        ByteBuf buf = Unpooled.buffer(input.length);
        try {
            for (byte b : input) {
                buf.writeByte(b);
                Status status = scanner.scan(buf);
                assertEquals(0, buf.readerIndex());
                if (status != Status.NEED_MORE) {
                    break;
                }
            }
            return result(scanner);
        } finally {
            buf.release();
        }
    }

    @Test
    void resumesWithoutRescanning() {
        HttpHeadScanner scanner = new HttpHeadScanner("Host", MAX);
        ByteBuf buf = Unpooled.buffer();
        try {
            buf.writeCharSequence("GET / HTTP/1.1\r\nUser-Ag", StandardCharsets.US_ASCII);
            assertEquals(Status.NEED_MORE, scanner.scan(buf));
            assertEquals(buf.readableBytes(), scanner.scannedBytes());
            assertEquals(Status.NEED_MORE, scanner.scan(buf));
            assertEquals(buf.readableBytes(), scanner.scannedBytes());
            buf.writeCharSequence("ent: x\r\nHost: Abc.d\r\nAccept: */*\r\n\r\n", StandardCharsets.US_ASCII);
            assertEquals(Status.FOUND, scanner.scan(buf));
            assertEquals("abc", scanner.routingKey());
            assertEquals("GET / HTTP/1.1\r\nUser-Agent: x\r\nHost: Abc.d\r\nAccept: */*\r\n\r\n".length(),
                    scanner.scannedBytes());
            // Sticky: later bytes, even garbage, change nothing.
            buf.writeByte(0);
            assertEquals(Status.FOUND, scanner.scan(buf));
            assertEquals("abc", scanner.routingKey());
            assertNull(scanner.error());
        } finally {
            buf.release();
        }
    }

    @Test
    void offsetsAreRelativeToTheReaderIndex() {
        byte[] head = ascii("GET / HTTP/1.1\r\nHost: abc.example.com\r\n\r\n");
        HttpHeadScanner scanner = new HttpHeadScanner("Host", MAX);
        ByteBuf first = Unpooled.buffer();
        first.writeBytes(ascii("junk"));
        first.writeBytes(head, 0, 10);
        first.skipBytes(4);
        assertEquals(Status.NEED_MORE, scanner.scan(first));
        assertEquals(4, first.readerIndex());
        // The caller may move the cumulated bytes to another buffer (ByteToMessageDecoder's cumulators do).
        CompositeByteBuf moved = Unpooled.compositeBuffer();
        moved.addComponent(true, first.retainedSlice());
        moved.addComponent(true, Unpooled.wrappedBuffer(head, 10, head.length - 10));
        first.release();
        try {
            assertEquals(Status.FOUND, scanner.scan(moved));
            assertEquals("abc", scanner.routingKey());
        } finally {
            moved.release();
        }
    }

    @Test
    void boundIsEnforcedAcrossCalls() {
        HttpHeadScanner scanner = new HttpHeadScanner("Host", 64);
        ByteBuf buf = Unpooled.buffer();
        try {
            buf.writeCharSequence("GET / HTTP/1.1\r\nUser-Agent: ", StandardCharsets.US_ASCII);
            assertEquals(Status.NEED_MORE, scanner.scan(buf));
            buf.writeCharSequence("x".repeat(100), StandardCharsets.US_ASCII);
            assertEquals(Status.BAD_REQUEST, scanner.scan(buf));
            assertEquals("request head is larger than 64 bytes", scanner.error());
            assertEquals(64, scanner.scannedBytes());
        } finally {
            buf.release();
        }
    }

    @Test
    void headExactlyAtTheBoundIsAccepted() {
        String head = "GET / HTTP/1.1\r\nHost: abc.example.com\r\n\r\n";
        assertFound("abc", scanOnce("Host", head.length(), ascii(head)));
        assertBad("request head is larger than " + (head.length() - 1) + " bytes",
                scanOnce("Host", head.length() - 1, ascii(head)));
    }

    @Test
    void consumedBytesAreAMisuse() {
        HttpHeadScanner scanner = new HttpHeadScanner("Host", MAX);
        ByteBuf buf = Unpooled.copiedBuffer("GET / HTTP/1.1\r\n", StandardCharsets.US_ASCII);
        try {
            scanner.scan(buf);
            buf.skipBytes(3);
            assertThrows(IllegalArgumentException.class, () -> scanner.scan(buf));
        } finally {
            buf.release();
        }
    }

    @Test
    void constructorChecksItsArguments() {
        assertThrows(IllegalArgumentException.class, () -> new HttpHeadScanner("", MAX));
        assertThrows(IllegalArgumentException.class, () -> new HttpHeadScanner(null, MAX));
        assertThrows(IllegalArgumentException.class, () -> new HttpHeadScanner("Host:", MAX));
        assertThrows(IllegalArgumentException.class, () -> new HttpHeadScanner("Ho st", MAX));
        assertThrows(IllegalArgumentException.class, () -> new HttpHeadScanner("H\u00f6st", MAX));
        assertThrows(IllegalArgumentException.class, () -> new HttpHeadScanner("Host", 0));
    }

    @Test
    void emptyBufferNeedsMore() {
        HttpHeadScanner scanner = new HttpHeadScanner("Host", MAX);
        assertEquals(Status.NEED_MORE, scanner.scan(Unpooled.EMPTY_BUFFER));
        assertEquals(0, scanner.scannedBytes());
        assertNull(scanner.routingKey());
        assertNull(scanner.error());
    }
}

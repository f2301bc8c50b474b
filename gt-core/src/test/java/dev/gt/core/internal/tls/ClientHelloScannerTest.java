package dev.gt.core.internal.tls;

import dev.gt.core.internal.tls.ClientHelloScanner.Status;
import dev.gt.core.internal.tls.ClientHellos.Hello;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.CompositeByteBuf;
import io.netty.buffer.Unpooled;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.ByteArrayOutputStream;
import java.util.Arrays;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;

import static dev.gt.core.internal.tls.ClientHellos.ascii;
import static dev.gt.core.internal.tls.ClientHellos.concat;
import static dev.gt.core.internal.tls.ClientHellos.records;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

@Timeout(value = 60, unit = TimeUnit.SECONDS)
class ClientHelloScannerTest {

    private static final int MAX = 64 * 1024;

    /** What a scan concluded, comparable with assertEquals. */
    record Result(Status status, String name, String error, int scanned) {
        @Override
        public String toString() {
            return status + " name=" + name + " scanned=" + scanned + " error=" + error;
        }
    }

    static Result scanOnce(byte[] input) {
        return scanOnce(MAX, input);
    }

    static Result scanOnce(int max, byte[] input) {
        ClientHelloScanner scanner = new ClientHelloScanner(max);
        ByteBuf buf = Unpooled.wrappedBuffer(input);
        try {
            Status status = scanner.scan(buf);
            assertEquals(0, buf.readerIndex());
            assertEquals(input.length, buf.writerIndex());
            assertEquals(status, scanner.scan(buf), "a second call changed the status");
            return result(status, scanner);
        } finally {
            buf.release();
        }
    }

    /** Feeds the input in the given chunk sizes (the last one repeats) into one cumulating buffer. */
    static Result scanChunked(byte[] input, int... chunks) {
        ClientHelloScanner scanner = new ClientHelloScanner(MAX);
        ByteBuf buf = Unpooled.buffer(16);
        try {
            Status status = scanner.scan(buf);
            int fed = 0;
            for (int i = 0; fed < input.length; i++) {
                int n = Math.min(input.length - fed, chunks[Math.min(i, chunks.length - 1)]);
                buf.writeBytes(input, fed, n);
                fed += n;
                status = scanner.scan(buf);
                assertEquals(0, buf.readerIndex());
                assertEquals(fed, buf.writerIndex());
            }
            return result(status, scanner);
        } finally {
            buf.release();
        }
    }

    static Result scanRandomly(byte[] input, SplittableRandom random) {
        ClientHelloScanner scanner = new ClientHelloScanner(MAX);
        ByteBuf buf = Unpooled.buffer(16);
        try {
            Status status = Status.NEED_MORE;
            int fed = 0;
            while (fed < input.length) {
                int n = 1 + random.nextInt(Math.min(input.length - fed, random.nextBoolean() ? 5 : 1500));
                buf.writeBytes(input, fed, n);
                fed += n;
                status = scanner.scan(buf);
            }
            return result(status, scanner);
        } finally {
            buf.release();
        }
    }

    static Result result(Status status, ClientHelloScanner scanner) {
        return new Result(status, scanner.serverName(), scanner.error(), scanner.scannedBytes());
    }

    static void assertFound(String name, byte[] input) {
        Result r = scanOnce(input);
        assertEquals(Status.FOUND, r.status(), r::toString);
        assertEquals(name, r.name());
        assertNull(r.error());
        assertEquals(r, scanChunked(input, 1), "byte by byte");
    }

    static Result assertStatus(Status status, byte[] input) {
        Result r = scanOnce(input);
        assertEquals(status, r.status(), r::toString);
        assertNull(r.name());
        if (status != Status.NEED_MORE) {
            assertNotNull(r.error());
        }
        assertEquals(r, scanChunked(input, 1), "byte by byte");
        return r;
    }

    static Result assertMalformed(String error, byte[] input) {
        Result r = assertStatus(Status.MALFORMED, input);
        assertEquals(error, r.error());
        return r;
    }

    // --- real hellos ---

    @ParameterizedTest
    @ValueSource(strings = {"TLSv1.3", "TLSv1.2"})
    void jdkHelloWithSni(String protocol) throws Exception {
        byte[] hello = ClientHellos.jdk(protocol, "Example.com");
        assertFound("example.com", hello);
        assertEquals(hello.length, scanOnce(hello).scanned(), "the JDK's first flight is exactly the hello");
    }

    @ParameterizedTest
    @ValueSource(strings = {"TLSv1.3", "TLSv1.2"})
    void jdkHelloWithoutSni(String protocol) throws Exception {
        Result r = assertStatus(Status.NO_SNI, ClientHellos.jdk(protocol, null));
        assertEquals("ClientHello has no server_name host_name (expected an SNI extension naming the host)", r.error());
    }

    @Test
    void chromeHelloFromGtTest() {
        byte[] hello = ClientHellos.chrome();
        assertEquals(602, hello.length);
        assertFound("assets.msn.cn", hello);
        assertEquals(602, scanOnce(hello).scanned());
    }

    @Test
    void chromeHelloSplitIntoRecords() {
        // Same message, re-framed in records of 7, 100 and 300 bytes.
        byte[] message = Arrays.copyOfRange(ClientHellos.chrome(), 5, 602);
        assertFound("assets.msn.cn", records(message, 7, 100, 300));
        assertFound("assets.msn.cn", records(message, 1));
    }

    @Test
    void postQuantumHelloAcrossThreeRecords() {
        byte[] message = Hello.postQuantum("pq.tunnel.example").message();
        assertTrue(message.length > 2800 && message.length < 3100, "size " + message.length);
        byte[] input = records(message, 1200, 1200);
        assertEquals(3, countRecords(input));
        assertFound("pq.tunnel.example", input);
        // Like a TCP stream with a small MSS, and a slow sender.
        assertEquals(scanOnce(input), scanChunked(input, 536));
        assertEquals(scanOnce(input), scanChunked(input, 1, 2, 3, 1400, 7));
    }

    @Test
    void everyByteSplitGivesTheSameResult() throws Exception {
        byte[][] samples = {
                ClientHellos.chrome(),
                ClientHellos.jdk("TLSv1.3", "a.example.com"),
                records(Hello.postQuantum("pq.example").message(), 1000, 1000),
                records(Hello.tls13(null).message(), 50),
        };
        for (byte[] input : samples) {
            Result whole = scanOnce(input);
            assertTrue(whole.status() == Status.FOUND || whole.status() == Status.NO_SNI, whole::toString);
            // Two chunks, cut at every position.
            for (int cut = 1; cut < input.length; cut++) {
                assertEquals(whole, scanChunked(input, cut, input.length), "cut at " + cut);
            }
        }
    }

    @Test
    void randomSplitsGiveTheSameResult() throws Exception {
        SplittableRandom random = new SplittableRandom(42);
        byte[][] samples = {
                ClientHellos.chrome(),
                ClientHellos.jdk("TLSv1.2", "b.example.com"),
                ClientHellos.randomRecords(Hello.postQuantum("rand.example").message(), random),
                ClientHellos.randomRecords(Hello.postQuantum("rand.example").message(), random),
        };
        for (byte[] input : samples) {
            Result whole = scanOnce(input);
            for (int i = 0; i < 300; i++) {
                assertEquals(whole, scanRandomly(input, random));
            }
        }
    }

    @Test
    void helloCloseToTheBoundSplitByteByByteIsLinear() {
        // 60 KB fed one byte per call: a scanner that re-parsed from the start would take minutes.
        Hello hello = Hello.tls13("big.example");
        hello.extension(0xfe01, new byte[60_000]);
        byte[] input = records(hello.message(), 16384);
        assertEquals(4, countRecords(input));
        Result r = scanChunked(input, 1);
        assertEquals(new Result(Status.FOUND, "big.example", null, input.length), r);
    }

    // --- not TLS ---

    @Test
    void httpIsRefusedOnItsFirstByte() {
        Result r = assertStatus(Status.NOT_TLS, ascii("GET / HTTP/1.1\r\nHost: a.example.com\r\n\r\n"));
        assertEquals("first byte 0x47 is not a TLS record of content type 22 (expected a ClientHello)", r.error());
        assertEquals(1, r.scanned());
    }

    @Test
    void randomBytesAreRefusedOnTheFirstByte() {
        byte[] garbage = new byte[17 * 1024];
        new SplittableRandom(7).nextBytes(garbage);
        garbage[0] = 0x42;
        assertEquals(1, assertStatus(Status.NOT_TLS, garbage).scanned());
    }

    @Test
    void sslV2HelloIsNotTls() {
        // SSLv2-compatible CLIENT-HELLO: 2-byte length with the high bit, msg type 1, version 3.1.
        byte[] v2 = {(byte) 0x80, 0x2e, 0x01, 0x03, 0x01, 0x00, 0x15, 0x00, 0x00, 0x00, 0x10};
        Result r = assertStatus(Status.NOT_TLS, v2);
        assertEquals("first byte 0x80 looks like an SSLv2-style hello (expected a TLS record of content type 22,"
                + " handshake)", r.error());
    }

    @Test
    void firstRecordWithAForeignVersionIsNotTls() {
        Result r = assertStatus(Status.NOT_TLS, ascii("\u0016GET / HTTP/1.1\r\n"));
        assertEquals("record version major byte 0x47 (expected 0x03, for 0x0300..0x0304)", r.error());
        assertEquals(2, r.scanned());
        r = assertStatus(Status.NOT_TLS, new byte[] {22, 3, 5, 0, 1});
        assertEquals("record version 0x0305 (expected 0x0300..0x0304)", r.error());
        assertEquals(3, r.scanned());
    }

    @Test
    void emptyInputNeedsMore() {
        assertEquals(new Result(Status.NEED_MORE, null, null, 0), scanOnce(new byte[0]));
    }

    // --- record layer ---

    @ParameterizedTest
    @ValueSource(ints = {0x0300, 0x0301, 0x0302, 0x0303, 0x0304})
    void recordVersionsAccepted(int version) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        byte[] message = Hello.tls13("v.example").message();
        ClientHellos.record(out, 22, version, message, 0, 40);
        ClientHellos.record(out, 22, version, message, 40, message.length - 40);
        assertFound("v.example", out.toByteArray());
    }

    @Test
    void zeroLengthRecordIsMalformed() {
        Result r = assertMalformed("handshake record of length 0 (expected 1..16640)", new byte[] {22, 3, 1, 0, 0});
        assertEquals(5, r.scanned());
    }

    @Test
    void oversizedRecordIsMalformed() {
        assertMalformed("record length 16641 (expected at most 16640)", new byte[] {22, 3, 1, 0x41, 0x01});
        // The largest allowed length merely waits for its bytes.
        assertStatus(Status.NEED_MORE, new byte[] {22, 3, 1, 0x41, 0x00, 1, 0, 1});
    }

    @Test
    void otherRecordTypeInsideTheHelloIsMalformed() {
        byte[] message = Hello.tls13("x.example").message();
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ClientHellos.record(out, 22, 0x0301, message, 0, 100);
        ClientHellos.record(out, 23, 0x0303, message, 100, message.length - 100);
        assertMalformed("record of content type 23 before the ClientHello ended (expected 22, handshake)",
                out.toByteArray());
    }

    @Test
    void laterRecordWithABadVersionIsMalformed() {
        byte[] message = Hello.tls13("x.example").message();
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ClientHellos.record(out, 22, 0x0301, message, 0, 100);
        ClientHellos.record(out, 22, 0x0201, message, 100, message.length - 100);
        assertMalformed("record version major byte 0x02 (expected 0x03, for 0x0300..0x0304)", out.toByteArray());
    }

    @Test
    void bytesAfterTheHelloAreNotLookedAt() {
        byte[] hello = Hello.tls13("after.example").record();
        // A TLS 1.3 compatibility-mode ChangeCipherSpec, then garbage.
        byte[] input = concat(hello, new byte[] {20, 3, 3, 0, 1, 1}, ascii("GET / HTTP/1.1\r\n"));
        assertFound("after.example", input);
        assertEquals(hello.length, scanOnce(input).scanned());
        // The record declares more than the message: its tail is never read either.
        byte[] message = Hello.tls13("tail.example").message();
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        byte[] padded = concat(message, new byte[] {2, 0, 0, 0x7f, (byte) 0xff});
        ClientHellos.record(out, 22, 0x0301, padded, 0, padded.length);
        assertFound("tail.example", out.toByteArray());
        assertEquals(5 + message.length, scanOnce(out.toByteArray()).scanned());
    }

    @Test
    void truncatedHelloNeedsMoreAtEveryLength() {
        byte[] input = records(Hello.postQuantum("t.example").message(), 700);
        for (int n = 0; n < input.length; n++) {
            Result r = scanOnce(Arrays.copyOf(input, n));
            assertEquals(Status.NEED_MORE, r.status(), "prefix " + n);
            assertNull(r.error());
            assertTrue(r.scanned() <= n && r.scanned() > n - 5, "prefix " + n + " scanned " + r.scanned());
        }
    }

    // --- handshake header ---

    @Test
    void otherHandshakeTypeIsMalformedOnItsByte() {
        Hello hello = Hello.tls13("x.example");
        hello.type = 2;
        Result r = assertMalformed("handshake message type 2 (expected 1, client_hello)", hello.record());
        assertEquals(6, r.scanned());
    }

    @Test
    void helloLongerThanTheBoundIsTooLarge() {
        byte[] chrome = ClientHellos.chrome();
        Result r = scanOnce(592, chrome);
        assertEquals(new Result(Status.TOO_LARGE, null, "ClientHello length 593 (expected at most 592 bytes)", 9), r);
        assertEquals(Status.FOUND, scanOnce(593, chrome).status());
        // Decided from the header alone, long before the declared bytes could arrive.
        byte[] lying = {22, 3, 1, 0, 4, 1, (byte) 0xff, (byte) 0xff, (byte) 0xff};
        assertEquals(Status.TOO_LARGE, scanOnce(lying).status());
    }

    @Test
    void declaredLengthShorterThanTheContentIsMalformed() {
        Hello hello = Hello.tls13("x.example");
        hello.declaredLength = hello.body().length - 3;
        assertEquals(Status.MALFORMED, scanOnce(hello.record()).status());
    }

    @Test
    void declaredLengthLongerThanTheRecordsWaits() {
        Hello hello = Hello.tls13("x.example");
        hello.declaredLength = hello.body().length + 3;
        assertStatus(Status.NEED_MORE, hello.record());
    }

    // --- ClientHello body ---

    @Test
    void sessionIdLongerThan32IsMalformed() {
        Hello hello = Hello.tls13("x.example");
        hello.sessionId = new byte[33];
        assertMalformed("legacy_session_id length 33 (expected at most 32 and within the "
                + (hello.body().length - 35) + " bytes left)", hello.record());
    }

    @ParameterizedTest
    @ValueSource(ints = {0, 1, 3})
    void cipherSuitesOfOddOrZeroLengthAreMalformed(int length) {
        Hello hello = Hello.tls13("x.example");
        hello.cipherSuites = new int[0];
        hello.extensionsBlock = false;
        byte[] message = hello.message();
        // Patch the suites length and add the bytes it claims, keeping the message consistent.
        int at = 4 + 2 + 32 + 1 + 32;
        byte[] patched = concat(Arrays.copyOf(message, at), new byte[] {0, (byte) length}, new byte[length],
                new byte[] {1, 0});
        int body = patched.length - 4;
        patched[1] = (byte) (body >> 16);
        patched[2] = (byte) (body >> 8);
        patched[3] = (byte) body;
        Result r = assertStatus(Status.MALFORMED, records(patched, 16384));
        assertTrue(r.error().startsWith("cipher_suites length " + length + " (expected even, at least 2"), r.error());
    }

    @Test
    void emptyCompressionMethodsAreMalformed() {
        Hello hello = Hello.tls13("x.example");
        hello.compression = new byte[0];
        Result r = assertStatus(Status.MALFORMED, hello.record());
        assertTrue(r.error().startsWith("legacy_compression_methods length 0"), r.error());
    }

    @Test
    void legacyVersionOutsideTls3xIsMalformed() {
        Hello hello = Hello.tls13("x.example");
        hello.legacyVersion = 0x0200;
        assertMalformed("ClientHello legacy_version 0x0200 (expected 0x0300..0x0304)", hello.record());
    }

    @Test
    void helloWithoutExtensionsBlockHasNoSni() {
        Hello hello = Hello.tls13("x.example");
        hello.extensionsBlock = false;
        assertStatus(Status.NO_SNI, hello.record());
    }

    @Test
    void extensionsLengthMustMatchTheRestOfTheHello() {
        byte[] message = Hello.tls13("x.example").message();
        byte[] lying = concat(message, new byte[] {0, 0});
        int body = lying.length - 4;
        lying[2] = (byte) (body >> 8);
        lying[3] = (byte) body;
        Result r = assertStatus(Status.MALFORMED, records(lying, 16384));
        assertTrue(r.error().startsWith("extensions length "), r.error());
    }

    @Test
    void extensionOverrunningTheBlockIsMalformed() {
        Hello hello = Hello.tls13("x.example");
        // An extension header claiming 10 bytes with only 2 behind it.
        hello.extensions.add(new byte[] {0x12, 0x34, 0, 10, 1, 2});
        assertMalformed("extension 0x1234 length 10 (expected at most the 2 bytes left in extensions)",
                hello.record());
        Hello truncatedHeader = Hello.tls13("x.example");
        truncatedHeader.extensions.add(new byte[] {0x12, 0x34, 0});
        assertMalformed("extension header of 3 bytes (expected 4: type and length)", truncatedHeader.record());
    }

    @Test
    void sniListLengthMustFillTheExtension() {
        Hello hello = Hello.tls13(null);
        hello.extension(0, new byte[] {0, 5, 0, 0, 1, 'a'});
        assertMalformed("server_name_list length 5 (expected 4, the rest of the extension)", hello.record());
        Hello empty = Hello.tls13(null);
        empty.extension(0, new byte[] {0, 0});
        assertMalformed("server_name_list is empty (expected at least one name)", empty.record());
        Hello nothing = Hello.tls13(null);
        nothing.extension(0, new byte[0]);
        assertMalformed("server_name extension of 0 bytes (expected a 2-byte server_name_list length)",
                nothing.record());
        Hello overrun = Hello.tls13(null);
        overrun.extension(0, new byte[] {0, 4, 0, 0, 9, 'a'});
        assertMalformed("server_name entry length 9 (expected at most the 1 bytes left in server_name_list)",
                overrun.record());
    }

    @Test
    void duplicateServerNameIsMalformed() {
        Hello twoExtensions = Hello.tls13("a.example");
        twoExtensions.sni("b.example");
        assertMalformed("second server_name extension (expected at most one)", twoExtensions.record());
        Hello twoNames = Hello.tls13(null).sni("a.example", "b.example");
        assertMalformed("second host_name in server_name_list (expected one)", twoNames.record());
    }

    @Test
    void otherNameTypesAreSkipped() {
        Hello hello = Hello.tls13(null);
        hello.extension(0, ClientHellos.vector16(concat(ClientHellos.serverNameEntry(7, ascii("opaque")),
                ClientHellos.serverNameEntry(0, ascii("real.example")))));
        assertFound("real.example", hello.record());
        Hello only = Hello.tls13(null);
        only.extension(0, ClientHellos.vector16(ClientHellos.serverNameEntry(7, ascii("x.example"))));
        assertStatus(Status.NO_SNI, only.record());
    }

    @ParameterizedTest
    @CsvSource({
            "Example.COM, example.com",
            "example.com., example.com",
            "a, a",
            "_acme-challenge.x-1.example, _acme-challenge.x-1.example",
            "127.0.0.1, 127.0.0.1",
            "xn--bcher-kva.example, xn--bcher-kva.example",
    })
    void validHostNames(String sent, String found) {
        assertFound(found, Hello.tls13(sent).record());
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "a..b          | host_name has an empty label (expected dot-separated non-empty labels)",
            ".a            | host_name has an empty label (expected dot-separated non-empty labels)",
            ".             | host_name has an empty label (expected dot-separated non-empty labels)",
            "a.b..         | host_name has an empty label (expected dot-separated non-empty labels)",
            "a/b           | host_name contains byte 0x2f (expected letters, digits, '-', '.' or '_')",
            "a b           | host_name contains byte 0x20 (expected letters, digits, '-', '.' or '_')",
            "[::1]         | host_name contains byte 0x5b (expected letters, digits, '-', '.' or '_')",
            "b\u00fccher.de | host_name contains byte 0xfc (expected letters, digits, '-', '.' or '_')",
            "a\u0000b      | host_name contains byte 0x00 (expected letters, digits, '-', '.' or '_')",
    })
    void invalidHostNamesAreMalformed(String sent, String error) {
        assertMalformed(error, Hello.tls13(null).sni(sent.strip()).record());
    }

    @Test
    void hostNameLengthIsOneTo255() {
        String longest = "a".repeat(63) + "." + "b".repeat(63) + "." + "c".repeat(63) + "." + "d".repeat(63);
        assertEquals(255, longest.length());
        assertFound(longest, Hello.tls13(longest).record());
        assertMalformed("host_name length 256 (expected 1..255)", Hello.tls13(longest + "e").record());
        assertMalformed("host_name length 0 (expected 1..255)", Hello.tls13("").record());
    }

    // --- calling contract ---

    @Test
    void finalStatusIsStickyAndNothingMoreIsRead() {
        ClientHelloScanner scanner = new ClientHelloScanner(MAX);
        ByteBuf buf = Unpooled.buffer();
        try {
            buf.writeBytes(ClientHellos.chrome());
            assertEquals(Status.FOUND, scanner.scan(buf));
            buf.writeBytes(ascii("more"));
            assertEquals(Status.FOUND, scanner.scan(buf));
            assertEquals(602, scanner.scannedBytes());
            // Even a shrunken buffer is not looked at once the decision is taken.
            buf.clear();
            assertEquals(Status.FOUND, scanner.scan(buf));
            assertEquals("assets.msn.cn", scanner.serverName());
        } finally {
            buf.release();
        }
    }

    @Test
    void shrunkBufferIsRejected() {
        ClientHelloScanner scanner = new ClientHelloScanner(MAX);
        ByteBuf buf = Unpooled.buffer();
        try {
            buf.writeBytes(ClientHellos.chrome(), 0, 100);
            assertEquals(Status.NEED_MORE, scanner.scan(buf));
            buf.readerIndex(10);
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> scanner.scan(buf));
            assertEquals("buffer has 90 readable bytes but 100 were already scanned (expected the same buffer,"
                    + " cumulated)", e.getMessage());
        } finally {
            buf.release();
        }
    }

    @Test
    void offsetsAreRelativeToTheReaderIndexOfACompositeCumulation() {
        byte[] input = records(Hello.postQuantum("composite.example").message(), 1000);
        ClientHelloScanner scanner = new ClientHelloScanner(MAX);
        CompositeByteBuf buf = Unpooled.compositeBuffer();
        try {
            // addComponent, not writeBytes: CompositeByteBuf appends components after their capacity.
            buf.addComponent(true, Unpooled.wrappedBuffer(new byte[] {9, 9, 9}));
            buf.readerIndex(3);
            for (int at = 0; at < input.length; at += 333) {
                int n = Math.min(333, input.length - at);
                buf.addComponent(true, Unpooled.wrappedBuffer(input, at, n));
                Status status = scanner.scan(buf);
                assertEquals(at + n < input.length ? Status.NEED_MORE : Status.FOUND, status);
                assertEquals(3, buf.readerIndex());
            }
            assertEquals("composite.example", scanner.serverName());
        } finally {
            buf.release();
        }
    }

    @Test
    void boundMustBePositive() {
        assertThrows(IllegalArgumentException.class, () -> new ClientHelloScanner(0));
    }

    static int countRecords(byte[] input) {
        int count = 0;
        for (int at = 0; at < input.length; count++) {
            at += 5 + ((input[at + 3] & 0xff) << 8 | input[at + 4] & 0xff);
        }
        return count;
    }
}

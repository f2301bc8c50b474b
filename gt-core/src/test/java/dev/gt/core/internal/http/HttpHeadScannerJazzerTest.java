package dev.gt.core.internal.http;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.gt.core.internal.http.HttpHeadScanner.Status;
import dev.gt.core.internal.http.HttpHeadScannerFuzzTest.Outcome;
import dev.gt.core.internal.http.HttpHeadScannerFuzzTest.Reference;
import dev.gt.core.testkit.FuzzInputs;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import java.util.Arrays;
import java.util.Set;

/**
 * Coverage-guided fuzzing (Jazzer) of {@link HttpHeadScanner}, the parser of every visitor's first
 * bytes on the HTTP port. The first input byte picks the routing header (bits 0-1) and the head
 * bound (bits 2-4); the rest is what the visitor sends.
 *
 * <p>Each input is scanned whole, one byte at a time and in random pieces (with the cumulation
 * buffer reallocated on the way), and the three must agree exactly, with each other and with the
 * independent model in {@link HttpHeadScannerFuzzTest}. The scanner must not change the buffer,
 * must decide on the deciding byte without reading past it or past the bound, must release or
 * retain nothing, and its error text, which goes into the visitor's 400 answer, must be one of its
 * fixed messages and never echo the visitor's bytes.
 *
 * <p>Without {@code JAZZER_FUZZ} this replays the committed inputs in
 * {@code src/test/resources/dev/gt/core/internal/http/HttpHeadScannerJazzerTestInputs/scan}.
 */
class HttpHeadScannerJazzerTest {
    private static final String[] HEADERS = {"Host", "host", "EID", "Target-ID"};
    private static final int[] BOUNDS = {16384, 16384, 16384, 16384, 4096, 512, 40, 1};

    @FuzzTest(maxDuration = "5m")
    void scan(byte[] data) {
        int config = FuzzInputs.config(data);
        byte[] input = FuzzInputs.payload(data);
        String header = HEADERS[config & 3];
        int max = BOUNDS[config >> 2 & 7];
        String what = "header " + header + ", bound " + max + ", input '" + FuzzInputs.show(input) + "'";

        Result whole = scanWhole(header, max, input, 3);
        assertEquals(whole, scanInPieces(header, max, input, new int[] {1}), "byte by byte differs from whole: " + what);
        assertEquals(whole, scanInPieces(header, max, input, FuzzInputs.pieces(input, config)),
                "in pieces differs from whole: " + what);
        assertEquals(Reference.outcome(header, max, input), whole.forModel(), "scanner differs from the model: " + what);

        assertTrue(whole.scanned() <= Math.min(max, input.length), "scanned past the input or the bound: " + what);
        switch (whole.status()) {
            case FOUND -> {
                assertNull(whole.error(), what);
                assertTrue(whole.key().length() >= 1 && whole.key().length() <= HttpHeadScanner.MAX_VALUE_BYTES, what);
                whole.key().chars().forEach(c -> assertTrue(c > 0x20 && c < 0x7f && !(c >= 'A' && c <= 'Z'), what));
            }
            case BAD_REQUEST -> {
                assertNull(whole.key(), what);
                assertTrue(messages(header, max).contains(whole.error()),
                        "error '" + whole.error() + "' is not one of the scanner's fixed messages: " + what);
            }
            default -> {
                assertNull(whole.key(), what);
                assertNull(whole.error(), what);
                assertEquals(input.length, whole.scanned(), what);
            }
        }
        if (whole.status() != Status.NEED_MORE && whole.scanned() < input.length) {
            // Decided on the byte at scanned - 1: the bytes after it must not matter.
            byte[] prefix = Arrays.copyOf(input, whole.scanned());
            assertEquals(whole, scanWhole(header, max, prefix, 0), "decision depends on bytes after it: " + what);
        }
    }

    /** Every error text the scanner may put into the visitor's 400 answer. */
    private static Set<String> messages(String header, int max) {
        return Set.of(
                "not an HTTP/1.x request line",
                "malformed header line",
                "malformed header line (obsolete line folding is not accepted)",
                "missing " + header + " header",
                "empty " + header + " header",
                header + " header value contains a control or non-ASCII byte (expected visible ASCII)",
                header + " header value contains whitespace (expected a single word)",
                header + " header value is longer than " + HttpHeadScanner.MAX_VALUE_BYTES + " bytes",
                header + " header has an unterminated IPv6 literal (expected [address])",
                header + " header has a malformed port (expected [address]:digits)",
                header + " header has a malformed port (expected host:digits)",
                header + " header has an empty first label (expected name.domain)",
                "request head is larger than " + max + " bytes");
    }

    private static Result scanWhole(String header, int max, byte[] input, int offset) {
        HttpHeadScanner scanner = new HttpHeadScanner(header, max);
        ByteBuf buf = Unpooled.buffer(offset + input.length);
        try {
            buf.writerIndex(offset).readerIndex(offset);
            buf.writeBytes(input);
            Status status = scanUnchanged(scanner, buf);
            assertEquals(status, scanUnchanged(scanner, buf), "status not sticky");
            assertArrayEquals(input, ByteBufUtil.getBytes(buf), "bytes changed");
            return outcome(status, scanner);
        } finally {
            assertEquals(1, buf.refCnt(), "the scanner retained or released the buffer");
            buf.release();
        }
    }

    private static Result scanInPieces(String header, int max, byte[] input, int[] pieces) {
        HttpHeadScanner scanner = new HttpHeadScanner(header, max);
        ByteBuf buf = Unpooled.buffer(input.length + 8);
        try {
            Status status = scanUnchanged(scanner, buf);
            int fed = 0;
            for (int i = 0; fed < input.length; i++) {
                int n = Math.min(pieces[i % pieces.length], input.length - fed);
                buf.writeBytes(input, fed, n);
                fed += n;
                if (i == 4 || i == 11) {
                    // Like a cumulator that reallocates: the same bytes in another buffer.
                    ByteBuf copy = Unpooled.buffer(buf.readableBytes() + 8).writeBytes(buf, buf.readerIndex(),
                            buf.readableBytes());
                    assertEquals(1, buf.refCnt(), "the scanner retained or released the buffer");
                    buf.release();
                    buf = copy;
                }
                Status before = status;
                status = scanUnchanged(scanner, buf);
                if (before != Status.NEED_MORE) {
                    assertEquals(before, status, "a final status changed");
                }
                if (status == Status.NEED_MORE) {
                    assertEquals(fed, scanner.scannedBytes(), "undecided with unscanned bytes");
                }
            }
            assertArrayEquals(input, ByteBufUtil.getBytes(buf), "bytes changed");
            return outcome(status, scanner);
        } finally {
            assertEquals(1, buf.refCnt(), "the scanner retained or released the buffer");
            buf.release();
        }
    }

    /** Scans and checks that the buffer's indices are as they were (its bytes are checked at the end). */
    private static Status scanUnchanged(HttpHeadScanner scanner, ByteBuf buf) {
        int reader = buf.readerIndex();
        int writer = buf.writerIndex();
        Status status = scanner.scan(buf);
        assertEquals(reader, buf.readerIndex(), "reader index changed");
        assertEquals(writer, buf.writerIndex(), "writer index changed");
        if (status == Status.FOUND) {
            assertNotNull(scanner.routingKey());
        }
        return status;
    }

    private static Result outcome(Status status, HttpHeadScanner scanner) {
        return new Result(status, scanner.routingKey(), scanner.error(), scanner.scannedBytes());
    }

    /** What a scan concluded; unlike the model's {@link Outcome}, equal only with the same error text. */
    private record Result(Status status, String key, String error, int scanned) {
        Outcome forModel() {
            return new Outcome(status, key, error, scanned);
        }
    }
}

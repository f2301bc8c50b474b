package dev.gt.core.internal.tls;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.gt.core.internal.tls.ClientHelloScanner.Status;
import dev.gt.core.internal.tls.ClientHelloScannerFuzzTest.Outcome;
import dev.gt.core.internal.tls.ClientHelloScannerFuzzTest.Reference;
import dev.gt.core.testkit.FuzzInputs;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import java.io.ByteArrayOutputStream;
import java.util.Arrays;
import java.util.Locale;

/**
 * Coverage-guided fuzzing (Jazzer) of {@link ClientHelloScanner}, the parser of every TLS visitor's
 * first bytes on {@code -sniAddr}. Two targets: {@link #records} takes the bytes as they come off
 * the wire; {@link #handshake} takes a ClientHello body and frames it correctly itself (the
 * handshake header and records), so that mutations reach the body's vectors and the SNI extension
 * instead of only breaking the record layer. In both, bits 0-2 of the first byte pick the bound.
 *
 * <p>Each input is scanned whole, one byte at a time and in random pieces; the three must agree
 * exactly, with each other and with the independent model in {@link ClientHelloScannerFuzzTest}.
 * The scanner must not change the buffer, retain or release it, read past the byte that decides,
 * or put anything but printable ASCII into its error text (which never quotes the visitor's bytes).
 *
 * <p>Without {@code JAZZER_FUZZ} this replays the committed inputs in
 * {@code src/test/resources/dev/gt/core/internal/tls/ClientHelloScannerJazzerTestInputs/<method>}.
 */
class ClientHelloScannerJazzerTest {
    private static final int[] BOUNDS = {65536, 65536, 65536, 65536, 3000, 600, 100, 1};
    private static final int[] FRAGMENTS = {16384, 16384, 16384, 1000, 255, 64, 7, 1};

    @FuzzTest(maxDuration = "5m")
    void records(byte[] data) {
        int config = FuzzInputs.config(data);
        check(BOUNDS[config & 7], FuzzInputs.payload(data), config);
    }

    /**
     * Bits 3-5 of the first byte pick the largest record fragment; bit 6 appends a
     * ChangeCipherSpec record and bit 7 a second copy of the hello, neither of which may matter.
     */
    @FuzzTest(maxDuration = "5m")
    void handshake(byte[] data) {
        int config = FuzzInputs.config(data);
        byte[] body = FuzzInputs.payload(data);
        byte[] message = new byte[4 + body.length];
        message[0] = ClientHelloScanner.CLIENT_HELLO;
        message[1] = (byte) (body.length >> 16);
        message[2] = (byte) (body.length >> 8);
        message[3] = (byte) body.length;
        System.arraycopy(body, 0, message, 4, body.length);
        byte[] framed = ClientHellos.records(message, FRAGMENTS[config >> 3 & 7]);
        ByteArrayOutputStream input = new ByteArrayOutputStream();
        input.writeBytes(framed);
        if ((config & 0x40) != 0) {
            ClientHellos.record(input, 20, 0x0303, new byte[] {1}, 0, 1);
        }
        if ((config & 0x80) != 0) {
            input.writeBytes(framed);
        }
        check(BOUNDS[config & 7], input.toByteArray(), config);
    }

    private static void check(int max, byte[] input, int salt) {
        String what = "bound " + max + ", input " + ByteBufUtil.hexDump(input);
        Result whole = scanWhole(max, input, 2);
        assertEquals(whole, scanInPieces(max, input, new int[] {1}), "byte by byte differs from whole: " + what);
        assertEquals(whole, scanInPieces(max, input, FuzzInputs.pieces(input, salt)),
                "in pieces differs from whole: " + what);
        assertEquals(Reference.outcome(max, input), whole.forModel(), "scanner differs from the model: " + what);

        assertTrue(whole.scanned() >= 0 && whole.scanned() <= input.length, "scanned " + whole.scanned() + ": " + what);
        switch (whole.status()) {
            case FOUND -> {
                assertNull(whole.error(), what);
                assertTrue(Reference.VALID_NAME.matcher(whole.name()).matches(), what);
                assertTrue(whole.name().length() <= ClientHelloScanner.MAX_HOST_NAME_LENGTH, what);
                assertEquals(whole.name().toLowerCase(Locale.ROOT), whole.name(), what);
            }
            case NEED_MORE -> {
                assertNull(whole.name(), what);
                assertNull(whole.error(), what);
            }
            default -> {
                assertNull(whole.name(), what);
                assertNotNull(whole.error(), what);
                assertTrue(!whole.error().isEmpty() && whole.error().length() < 200
                        && whole.error().chars().allMatch(c -> c >= 0x20 && c < 0x7f),
                        "error is not a short line of printable ASCII: '" + whole.error() + "', " + what);
            }
        }
        if (whole.status() != Status.NEED_MORE && whole.scanned() < input.length) {
            // Decided on the byte at scanned - 1: the bytes after it must not matter.
            assertEquals(whole, scanWhole(max, Arrays.copyOf(input, whole.scanned()), 0),
                    "decision depends on bytes after it: " + what);
        }
    }

    private static Result scanWhole(int max, byte[] input, int offset) {
        ClientHelloScanner scanner = new ClientHelloScanner(max);
        ByteBuf buf = Unpooled.buffer(offset + input.length);
        try {
            buf.writerIndex(offset).readerIndex(offset);
            buf.writeBytes(input);
            Status status = scanUnchanged(scanner, buf);
            assertEquals(status, scanUnchanged(scanner, buf), "status not sticky");
            assertArrayEquals(input, ByteBufUtil.getBytes(buf), "bytes changed");
            return result(status, scanner);
        } finally {
            assertEquals(1, buf.refCnt(), "the scanner retained or released the buffer");
            buf.release();
        }
    }

    private static Result scanInPieces(int max, byte[] input, int[] pieces) {
        ClientHelloScanner scanner = new ClientHelloScanner(max);
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
            }
            assertArrayEquals(input, ByteBufUtil.getBytes(buf), "bytes changed");
            return result(status, scanner);
        } finally {
            assertEquals(1, buf.refCnt(), "the scanner retained or released the buffer");
            buf.release();
        }
    }

    /** Scans and checks that the buffer's indices are as they were (its bytes are checked at the end). */
    private static Status scanUnchanged(ClientHelloScanner scanner, ByteBuf buf) {
        int reader = buf.readerIndex();
        int writer = buf.writerIndex();
        Status status = scanner.scan(buf);
        assertEquals(reader, buf.readerIndex(), "reader index changed");
        assertEquals(writer, buf.writerIndex(), "writer index changed");
        return status;
    }

    private static Result result(Status status, ClientHelloScanner scanner) {
        return new Result(status, scanner.serverName(), scanner.error(), scanner.scannedBytes());
    }

    /** What a scan concluded; unlike the model's {@link Outcome}, equal only with the same error text. */
    private record Result(Status status, String name, String error, int scanned) {
        Outcome forModel() {
            return new Outcome(status, name, error, scanned);
        }
    }
}

package dev.gt.core.internal.http;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.gt.core.testkit.FuzzInputs;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFuture;
import io.netty.channel.embedded.EmbeddedChannel;
import java.io.ByteArrayOutputStream;
import java.nio.channels.ClosedChannelException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * Coverage-guided fuzzing (Jazzer) of {@link HostRewriter} ({@code -useLocalAsHTTPHost}), which
 * parses the request head a visitor sends to a local service and replaces its first Host line. The
 * first input byte picks the new host (bits 0-1) and the head bound (bits 2-4); the rest is the
 * request stream.
 *
 * <p>The stream is written whole, one byte at a time and in random pieces with flushes in between;
 * each time the bytes that reach the service must be exactly those of a line-by-line model below,
 * every write's promise must complete once its bytes are written (or fail when the channel closes
 * while they are held), and every buffer must end released exactly once.
 *
 * <p>Without {@code JAZZER_FUZZ} this replays the committed inputs in
 * {@code src/test/resources/dev/gt/core/internal/http/HostRewriterJazzerTestInputs/rewrite}.
 */
class HostRewriterJazzerTest {
    private static final String[] HOSTS = {"127.0.0.1:8080", "localhost", "[::1]:80", "a"};
    private static final int[] BOUNDS = {16384, 16384, 16384, 4096, 512, 64, 16, 1};

    @FuzzTest(maxDuration = "5m")
    void rewrite(byte[] data) {
        int config = FuzzInputs.config(data);
        byte[] input = FuzzInputs.payload(data);
        String host = HOSTS[config & 3];
        int max = BOUNDS[config >> 2 & 7];
        String what = "host " + host + ", bound " + max + ", input '" + FuzzInputs.show(input) + "'";
        byte[] expected = model(input, max, ("Host: " + host + "\r\n").getBytes(StandardCharsets.US_ASCII));

        write(host, max, input, new int[] {Math.max(1, input.length)}, expected, "whole: " + what);
        write(host, max, input, new int[] {1}, expected, "byte by byte: " + what);
        write(host, max, input, FuzzInputs.pieces(input, config), expected, "in pieces: " + what);
    }

    /**
     * The rewriter's rules over the whole input: within the first {@code max} bytes, the first line
     * ending in LF after the request line decides; an empty one (end of head) or reaching the bound
     * leaves the stream unchanged, a {@code Host:} line is replaced. Null when nothing decides yet,
     * so the bytes are held.
     */
    private static byte[] model(byte[] in, int max, byte[] hostLine) {
        int limit = Math.min(in.length, max);
        int lineStart = 0;
        boolean requestLine = true;
        for (int i = 0; i < limit; i++) {
            if (in[i] != '\n') {
                continue;
            }
            int contentEnd = i > lineStart && in[i - 1] == '\r' ? i - 1 : i;
            String content = new String(in, lineStart, contentEnd - lineStart, StandardCharsets.ISO_8859_1);
            if (requestLine) {
                requestLine = false;
            } else if (content.isEmpty()) {
                return in;
            } else if (content.length() >= 5 && content.substring(0, 5).equalsIgnoreCase("host:")) {
                ByteArrayOutputStream out = new ByteArrayOutputStream();
                out.write(in, 0, lineStart);
                out.writeBytes(hostLine);
                out.write(in, i + 1, in.length - i - 1);
                return out.toByteArray();
            }
            lineStart = i + 1;
        }
        return in.length >= max ? in : null;
    }

    private static void write(String host, int max, byte[] input, int[] pieces, byte[] expected, String what) {
        EmbeddedChannel ch = new EmbeddedChannel(new HostRewriter(host, max));
        List<ByteBuf> written = new ArrayList<>();
        List<ChannelFuture> futures = new ArrayList<>();
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try {
            int fed = 0;
            for (int i = 0; fed < input.length; i++) {
                int n = Math.min(pieces[i % pieces.length], input.length - fed);
                ByteBuf piece = Unpooled.buffer(n).writeBytes(input, fed, n);
                written.add(piece);
                futures.add(ch.write(piece));
                fed += n;
                if (i % 3 == 1) {
                    ch.flush();
                }
            }
            ch.flush();
            for (Object m; (m = ch.readOutbound()) != null; ) {
                ByteBuf b = (ByteBuf) m;
                try {
                    out.writeBytes(ByteBufUtil.getBytes(b));
                } finally {
                    b.release();
                }
            }
            if (expected == null) {
                assertEquals(0, out.size(), "bytes written before the Host line was decided: " + what);
                assertNotNull(ch.pipeline().get(HostRewriter.class), "left the pipeline undecided: " + what);
                futures.forEach(f -> assertFalse(f.isDone(), "a held write completed: " + what));
                ch.close();
                futures.forEach(f -> assertTrue(f.cause() instanceof ClosedChannelException,
                        "a held write did not fail on close: " + f.cause() + ", " + what));
            } else {
                assertArrayEquals(expected, out.toByteArray(), "bytes written differ from the model: " + what
                        + "; wrote '" + FuzzInputs.show(out.toByteArray()) + "'");
                assertNull(ch.pipeline().get(HostRewriter.class), "still in the pipeline after deciding: " + what);
                futures.forEach(f -> assertTrue(f.isSuccess(), "a write did not succeed: " + f.cause() + ", " + what));
            }
        } finally {
            ch.finishAndReleaseAll();
            for (ByteBuf b : written) {
                assertEquals(0, b.refCnt(), "a written buffer was not released exactly once: " + what);
            }
        }
    }
}

package dev.gt.core.internal.proto;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.gt.core.testkit.FuzzInputs;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.DecoderException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;

/**
 * Coverage-guided fuzzing (Jazzer) of the two wire parsers a peer reaches: {@link FrameDecoder}
 * (every frame of a tunnel, both sides) and {@link Hello#decodeBody} (the client's hello, parsed by
 * the server before authentication).
 *
 * <p>{@link #frames}: bit 0 of the first byte makes the decoder expect the server's magic first
 * (client side). The rest is fed to a decoder in an {@link EmbeddedChannel} whole, one byte at a time
 * and in random pieces; the decoded frames and the way decoding ended must be the same each time,
 * every failure must be a {@link ProtocolException}, each frame's fields must be within the protocol's
 * ranges, every DATA payload must arrive retained and every buffer must end released; after a
 * protocol error, closing the channel must decode and throw nothing more. Each decoded
 * frame, encoded again with {@link Protocol}'s encoders, must decode to the same frame.
 *
 * <p>{@link #hello}: bits 0-1 of the first byte pick the server's service limit; the rest is the
 * hello body. It must decode to a hello within the documented limits that encodes back to the same
 * length and decodes to an equal hello, or fail with a {@link ProtocolException} or
 * {@link Hello.TooManyServicesException} whose message does not show the secret.
 *
 * <p>Without {@code JAZZER_FUZZ} this replays the committed inputs in
 * {@code src/test/resources/dev/gt/core/internal/proto/ProtocolJazzerTestInputs/<method>}.
 */
class ProtocolJazzerTest {
    private static final int[] SERVICE_LIMITS = {600, 600, 2, 1};
    /** Characters that occur in none of the hello parser's messages: a secret with one cannot match by chance. */
    private static final String NOT_IN_MESSAGES = "ABCDEFGHIJKLMNOPQRSTUVWXYZ!#$%&*+/:;<=>?@[]^`{|}~\"";

    @FuzzTest(maxDuration = "5m")
    void frames(byte[] data) {
        boolean expectMagic = (FuzzInputs.config(data) & 1) != 0;
        byte[] input = FuzzInputs.payload(data);
        String what = (expectMagic ? "client side, " : "server side, ") + "input " + ByteBufUtil.hexDump(input);
        List<String> whole = decode(input, new int[] {Math.max(1, input.length)}, expectMagic);
        assertEquals(whole, decode(input, new int[] {1}, expectMagic), "byte by byte differs from whole: " + what);
        assertEquals(whole, decode(input, FuzzInputs.pieces(input, 0), expectMagic),
                "in pieces differs from whole: " + what);
        for (String frame : whole.subList(0, whole.size() - 1)) {
            ByteBuf encoded = encode(frame);
            if (encoded == null) {
                continue;
            }
            byte[] bytes = ByteBufUtil.getBytes(encoded);
            encoded.release();
            assertEquals(List.of(frame, "end"), decode(bytes, new int[] {bytes.length}, false),
                    "frame encoded again decodes differently: " + what);
        }
    }

    /** The frames decoded from {@code input} fed in the given pieces, then how decoding ended. */
    private static List<String> decode(byte[] input, int[] pieces, boolean expectMagic) {
        Checker checker = new Checker();
        EmbeddedChannel ch = new EmbeddedChannel(new FrameDecoder(checker, expectMagic));
        List<ByteBuf> fed = new ArrayList<>();
        String end = "end";
        try {
            int at = 0;
            for (int i = 0; at < input.length; i++) {
                int n = Math.min(pieces[i % pieces.length], input.length - at);
                ByteBuf piece = Unpooled.buffer(n).writeBytes(input, at, n);
                fed.add(piece);
                at += n;
                try {
                    ch.writeInbound(piece);
                } catch (DecoderException e) {
                    if (!(e.getCause() instanceof ProtocolException)) {
                        throw e;
                    }
                    assertNotNull(e.getCause().getMessage());
                    end = "protocol error: " + e.getCause().getMessage();
                    break;
                }
            }
            // The tunnel closes on a protocol error; then the decoder must be silent: no frame, no second error.
            int decoded = checker.frames.size();
            assertFalse(ch.finishAndReleaseAll(), "the decoder passed messages down the pipeline");
            if (!end.equals("end")) {
                assertEquals(decoded, checker.frames.size(), "frames decoded after a protocol error");
            }
        } finally {
            ch.finishAndReleaseAll();
        }
        for (ByteBuf b : fed) {
            assertEquals(0, b.refCnt(), "an input buffer was not released");
        }
        checker.frames.add(end);
        return checker.frames;
    }

    /** Records each frame as text and checks its fields against the protocol's ranges. */
    private static final class Checker implements FrameListener {
        final List<String> frames = new ArrayList<>();

        @Override
        public void onData(int stream, boolean fin, ByteBuf payload) {
            try {
                assertTrue(payload.refCnt() >= 1, "DATA payload not retained");
                assertTrue(payload.readableBytes() <= Protocol.MAX_DATA_PAYLOAD, "DATA payload too long");
                frames.add("data " + stream + " " + fin + " " + ByteBufUtil.hexDump(payload));
            } finally {
                payload.release();
            }
        }

        @Override
        public void onOpen(int stream, int serviceIndex, byte[] visitorIp, int visitorPort) {
            assertTrue(visitorIp == null || visitorIp.length == 4 || visitorIp.length == 16, "visitor IP length");
            assertTrue(serviceIndex >= 0 && serviceIndex <= 0xFFFF && visitorPort >= 0 && visitorPort <= 0xFFFF);
            frames.add("open " + stream + " " + serviceIndex + " "
                    + (visitorIp == null ? "-" : HexFormat.of().formatHex(visitorIp)) + " " + visitorPort);
        }

        @Override
        public void onAccept(int stream) {
            frames.add("accept " + stream);
        }

        @Override
        public void onIceServers(List<dev.gt.api.IceServer> servers) {
            StringBuilder line = new StringBuilder("ice");
            for (dev.gt.api.IceServer server : servers) {
                line.append(' ');
                for (String url : server.urls()) {
                    line.append(xhex(url)).append(',');
                }
                line.append('|').append(xhex(server.username())).append('|').append(xhex(server.credential()))
                        .append('|').append(server.expiresAt().getEpochSecond());
            }
            frames.add(line.toString());
        }

        private static String xhex(String s) {
            return "x" + HexFormat.of().formatHex(s.getBytes(java.nio.charset.StandardCharsets.UTF_8));
        }

        @Override
        public void onReset(int stream, int code, String message) {
            frames.add("reset " + stream + " " + code(code) + " " + text(message));
        }

        @Override
        public void onWindow(int stream, int increment) {
            assertTrue(increment > 0, "WINDOW increment " + increment);
            frames.add("window " + stream + " " + increment);
        }

        @Override
        public void onPing(long opaque) {
            frames.add("ping " + opaque);
        }

        @Override
        public void onPong(long opaque) {
            frames.add("pong " + opaque);
        }

        @Override
        public void onGoAway(int code, String message) {
            frames.add("goaway " + code(code) + " " + text(message));
        }

        @Override
        public void onReady(int window, long timeoutMillis, int tunnelId) {
            assertTrue(timeoutMillis >= 0 && timeoutMillis <= 0xFFFFFFFFL, "READY timeout " + timeoutMillis);
            frames.add("ready " + window + " " + timeoutMillis + " " + tunnelId);
        }

        @Override
        public void onService(int index, int kind, int tcpPort, String host) {
            assertTrue(index <= 0xFFFF && kind <= 0xFF && tcpPort <= 0xFFFF);
            assertTrue(host == null || !host.isEmpty() && host.getBytes(StandardCharsets.UTF_8).length <= 255 * 3);
            frames.add("service " + index + " " + kind + " " + tcpPort + " " + (host == null ? "-" : hex(host)));
        }

        @Override
        public void onError(int code, int serviceIndex, String message) {
            assertTrue(serviceIndex >= 0 && serviceIndex <= 0xFFFF);
            frames.add("error " + code(code) + " " + serviceIndex + " " + text(message));
        }

        private static int code(int code) {
            assertTrue(code >= 0 && code <= 0xFFFF, "code " + code);
            return code;
        }

        private static String text(String message) {
            assertNotNull(message);
            assertTrue(message.length() <= Protocol.MAX_MESSAGE_BYTES, "message longer than the protocol allows");
            return hex(message);
        }

        private static String hex(String s) {
            return HexFormat.of().formatHex(s.getBytes(StandardCharsets.UTF_8));
        }
    }

    /**
     * The frame described by a {@link Checker} line, encoded by {@link Protocol}; null when it
     * cannot come back the same (a text whose UTF-8 form the encoder must truncate).
     */
    private static ByteBuf encode(String frame) {
        ByteBufAllocator alloc = ByteBufAllocator.DEFAULT;
        String[] f = frame.split(" ", -1);
        switch (f[0]) {
            case "data": {
                byte[] payload = HexFormat.of().parseHex(f[3]);
                ByteBuf header = Protocol.dataHeader(alloc, Integer.parseInt(f[1]), payload.length,
                        Boolean.parseBoolean(f[2]));
                return header.writeBytes(payload);
            }
            case "open":
                return Protocol.open(alloc, Integer.parseInt(f[1]), Integer.parseInt(f[2]),
                        f[3].equals("-") ? null : HexFormat.of().parseHex(f[3]), Integer.parseInt(f[4]));
            case "reset":
                return fits(f[3]) ? Protocol.reset(alloc, Integer.parseInt(f[1]), Integer.parseInt(f[2]), text(f[3]))
                        : null;
            case "window":
                return Protocol.window(alloc, Integer.parseInt(f[1]), Integer.parseInt(f[2]));
            case "ping":
                return Protocol.ping(alloc, Long.parseLong(f[1]));
            case "pong":
                return Protocol.pong(alloc, Long.parseLong(f[1]));
            case "goaway":
                return fits(f[2]) ? Protocol.goAway(alloc, Integer.parseInt(f[1]), text(f[2])) : null;
            case "ready":
                return Protocol.ready(alloc, Integer.parseInt(f[1]), Long.parseLong(f[2]), Integer.parseInt(f[3]));
            case "service":
                return f[4].equals("-") || f[4].length() / 2 <= 255
                        ? Protocol.service(alloc, Integer.parseInt(f[1]), Integer.parseInt(f[2]),
                                Integer.parseInt(f[3]), f[4].equals("-") ? null : text(f[4]))
                        : null;
            case "error":
                return fits(f[3]) ? Protocol.error(alloc, Integer.parseInt(f[1]), Integer.parseInt(f[2]), text(f[3]))
                        : null;
            case "accept":
                return Protocol.accept(alloc, Integer.parseInt(f[1]));
            case "ice": {
                List<dev.gt.api.IceServer> servers = new ArrayList<>();
                for (int i = 1; i < f.length; i++) {
                    String[] parts = f[i].split("\\|", -1);
                    List<String> urls = new ArrayList<>();
                    for (String url : parts[0].split(",")) {
                        urls.add(unhex(url));
                    }
                    java.time.Instant at = Long.parseLong(parts[3]) == java.time.Instant.MAX.getEpochSecond()
                            ? java.time.Instant.MAX : java.time.Instant.ofEpochSecond(Long.parseLong(parts[3]));
                    servers.add(new dev.gt.api.IceServer(urls, unhex(parts[1]), unhex(parts[2]), at));
                }
                try {
                    return Protocol.iceServers(alloc, servers);
                } catch (IllegalArgumentException e) {
                    return null; // replacement characters made a string or the frame too long to encode
                }
            }
            default:
                fail("unknown frame line " + frame);
                return null;
        }
    }

    private static String unhex(String xHex) {
        return new String(HexFormat.of().parseHex(xHex.substring(1)), java.nio.charset.StandardCharsets.UTF_8);
    }

    private static boolean fits(String hexText) {
        return hexText.length() / 2 <= Protocol.MAX_MESSAGE_BYTES;
    }

    private static String text(String hex) {
        return new String(HexFormat.of().parseHex(hex), StandardCharsets.UTF_8);
    }

    @FuzzTest(maxDuration = "5m")
    void hello(byte[] data) {
        int maxServices = SERVICE_LIMITS[FuzzInputs.config(data) & 3];
        byte[] input = FuzzInputs.payload(data);
        String what = "limit " + maxServices + ", input " + ByteBufUtil.hexDump(input);
        String secret = secretOf(input);
        ByteBuf body = Unpooled.buffer(input.length).writeBytes(input);
        try {
            Hello hello = Hello.decodeBody(body, maxServices);
            assertEquals(0, body.readableBytes(), "bytes left after a decoded hello: " + what);
            checkLimits(hello, maxServices, what);
            ByteBuf encoded = hello.encode(ByteBufAllocator.DEFAULT);
            try {
                assertEquals(6 + input.length, encoded.readableBytes(), "encoded again to another length: " + what);
                assertEquals(input.length, encoded.getInt(2), "length field: " + what);
                encoded.skipBytes(6);
                assertEquals(hello, Hello.decodeBody(encoded, maxServices), "encoded again decodes differently: "
                        + what);
            } finally {
                encoded.release();
            }
            assertEquals(new Hello(hello.id(), "other", hello.window(), hello.services()).toString(), hello.toString(),
                    "toString depends on the secret: " + what);
        } catch (ProtocolException | Hello.TooManyServicesException e) {
            assertNotNull(e.getMessage(), what);
            if (secret != null && secret.length() >= 4 && secret.chars().anyMatch(c -> NOT_IN_MESSAGES.indexOf(c) >= 0)) {
                assertFalse(e.getMessage().contains(secret), "the message shows the secret: " + e.getMessage()
                        + ", " + what);
            }
        } finally {
            assertEquals(1, body.refCnt(), "decodeBody retained or released the buffer: " + what);
            body.release();
        }
    }

    private static void checkLimits(Hello hello, int maxServices, String what) {
        for (String s : new String[] {hello.id(), hello.secret()}) {
            int n = s.getBytes(StandardCharsets.UTF_8).length;
            assertTrue(n >= 1 && n <= 200, "id or secret of " + n + " bytes: " + what);
            assertTrue(s.chars().noneMatch(c -> c < 0x20 || c == 0x7f || c == 0xFFFD), "control character: " + what);
        }
        assertTrue(hello.window() >= Protocol.MIN_WINDOW && hello.window() <= Protocol.MAX_WINDOW, what);
        assertTrue(!hello.services().isEmpty() && hello.services().size() <= maxServices, what);
        for (Hello.Service s : hello.services()) {
            assertTrue(s.kind() >= Protocol.KIND_HTTP && s.kind() <= Protocol.KIND_TCP, what);
            assertTrue(s.remotePort() >= 0 && s.remotePort() <= 0xFFFF, what);
            assertTrue(s.prefix() == null || s.kind() != Protocol.KIND_TCP, "tcp service with a prefix: " + what);
            assertTrue(s.prefix() == null || s.prefix().matches("[A-Za-z0-9_-]{1,200}"), "prefix: " + what);
        }
    }

    /** The secret as the hello's second string would be read, or null if the input ends before it. */
    private static String secretOf(byte[] input) {
        if (input.length < 1) {
            return null;
        }
        int at = 1 + (input[0] & 0xff);
        if (input.length <= at) {
            return null;
        }
        int length = input[at] & 0xff;
        if (length == 0 || input.length < at + 1 + length) {
            return null;
        }
        return new String(input, at + 1, length, StandardCharsets.UTF_8);
    }
}

package dev.gt.core.internal.proto;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.DecoderException;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Pins the bytes of PROTOCOL.md. */
@Timeout(10)
class ProtocolGoldenTest {
    private static final ByteBufAllocator A = ByteBufAllocator.DEFAULT;

    private static String hex(ByteBuf b) {
        try {
            return ByteBufUtil.hexDump(b).toUpperCase();
        } finally {
            b.release();
        }
    }

    private static ByteBuf bytes(String hex) {
        return Unpooled.wrappedBuffer(ByteBufUtil.decodeHexDump(hex.replace(" ", "")));
    }

    @Test
    void helloMatchesTheDocumentedExample() {
        Hello h = new Hello("id1", "secret1", 262144, List.of(
                new Hello.Service(Protocol.KIND_HTTP, null, 0, false),
                new Hello.Service(Protocol.KIND_TCP, null, 2222, true)));
        assertEquals("F0100000001C" + "03696431" + "0773656372657431" + "00040000" + "0002"
                + "0000000000" + "020108AE00", hex(h.encode(A)));
    }

    @Test
    void helloRoundTripsAndKeepsPrefixes() {
        Hello h = new Hello("client-1", "s3cr3t", 65536, List.of(
                new Hello.Service(Protocol.KIND_HTTP, "blog", 0, false),
                new Hello.Service(Protocol.KIND_HTTPS, "www", 0, false),
                new Hello.Service(Protocol.KIND_TCP, null, 0, true)));
        ByteBuf b = h.encode(A);
        try {
            b.skipBytes(6);
            Hello d = Hello.decodeBody(b, 600);
            assertEquals(h, d);
            assertTrue(d.toString().contains("secret=***"));
            assertFalse(d.toString().contains("s3cr3t"));
        } finally {
            b.release();
        }
    }

    @Test
    void helloRejectsBadFieldsByName() {
        assertTrue(assertThrows(ProtocolException.class, () -> Hello.decodeBody(bytes("00"), 10))
                .getMessage().contains("id is empty"));
        assertTrue(assertThrows(ProtocolException.class, () -> Hello.decodeBody(bytes("03696431"), 10))
                .getMessage().contains("secret length"));
        assertTrue(assertThrows(ProtocolException.class,
                () -> Hello.decodeBody(bytes("03696431 0161 00000001 0001 0000000000"), 10))
                .getMessage().contains("window"));
        assertTrue(assertThrows(ProtocolException.class,
                () -> Hello.decodeBody(bytes("03696431 0161 00040000 0001 0700000000"), 10))
                .getMessage().contains("kind 7"));
        assertTrue(assertThrows(ProtocolException.class,
                () -> Hello.decodeBody(bytes("03696431 0161 00040000 0001 0000000002612E"), 10))
                .getMessage().contains("host prefix has character"));
        assertTrue(assertThrows(ProtocolException.class,
                () -> Hello.decodeBody(bytes("03696431 0161 00040000 0001 0000000000 FF"), 10))
                .getMessage().contains("after the last service"));
        assertThrows(Hello.TooManyServicesException.class,
                () -> Hello.decodeBody(bytes("03696431 0161 00040000 0003 0000000000"), 2));
    }

    @Test
    void serviceHostIsRefusedWhenItsLengthByteCannotHoldIt() {
        String fits = "a".repeat(255);
        assertTrue(hex(Protocol.service(A, 0, Protocol.KIND_HTTP, 0, fits)).endsWith("FF" + "61".repeat(255)));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Protocol.service(A, 0, Protocol.KIND_HTTP, 0, "é".repeat(128)));
        assertTrue(e.getMessage().contains("256 bytes") && e.getMessage().contains("at most 255"), e.getMessage());
    }

    @Test
    void controlFramesMatchTheTable() {
        assertEquals("00010000000500000000", hex(Protocol.dataHeader(A, 5, 0, true)));
        assertEquals("0000000000070000000A", hex(Protocol.dataHeader(A, 7, 10, false)));
        assertEquals("0100000000030000000900020401020304D431",
                hex(Protocol.open(A, 3, 2, new byte[] {1, 2, 3, 4}, 54321)));
        assertEquals("0100000000010000000500000000" + "00", hex(Protocol.open(A, 1, 0, null, 0)).substring(0, 30));
        assertEquals("04000000000300000004" + "00010000", hex(Protocol.window(A, 3, 65536)));
        assertEquals("05000000000000000008" + "0000000000000102", hex(Protocol.ping(A, 258)));
        assertEquals("06000000000000000008" + "0000000000000102", hex(Protocol.pong(A, 258)));
        assertEquals("03000000000900000004" + "00146162", hex(Protocol.reset(A, 9, 20, "ab")));
        assertEquals("07000000000000000003" + "000C78", hex(Protocol.goAway(A, 12, "x")));
        assertEquals("0800000000000000000C" + "00040000" + "00015F90" + "00000007",
                hex(Protocol.ready(A, 262144, 90000, 7)));
        assertEquals("09000000000000000009" + "0001" + "00" + "0000" + "03" + "696431",
                hex(Protocol.service(A, 1, Protocol.KIND_HTTP, 0, "id1")));
        assertEquals("0A000000000000000005" + "0002" + "0001" + "78", hex(Protocol.error(A, 2, 1, "x")));
        assertEquals("0B000000000000000018" + "01" + "01" + "0006" + "73747A6E3A61" + "0001" + "75" + "0001" + "70"
                        + "0000000065000000",
                hex(Protocol.iceServers(A, java.util.List.of(new dev.gt.api.IceServer(java.util.List.of("stzn:a"), "u",
                        "p", java.time.Instant.ofEpochSecond(0x65000000L))))));
    }

    @Test
    void decoderDispatchesEveryFrameAndSlicesData() {
        Recorder r = new Recorder();
        EmbeddedChannel ch = new EmbeddedChannel(new FrameDecoder(r, true));
        ch.writeInbound(bytes("F010"
                + "0900000000000000000900010000000369643120".substring(0, 38) // SERVICE index 1 host id1
                + "0800000000000000000C000400000001" + "5F9000000007" // READY
                + "01000000000300000005" + "0000000000" // OPEN stream 3 service 0
                + "00010000000300000003" + "616263" // DATA stream 3 FIN "abc"
                + "04000000000300000004" + "00010000" // WINDOW
                + "05000000000000000008" + "0000000000000102" // PING
                + "03000000000300000003" + "001478" // RESET 20 "x"
                + "63000000000000000002" + "FFFF" // unknown type 0x63: skipped
                + "07000000000000000003" + "000C78")); // GOAWAY
        assertEquals(List.of("service 1 0 0 id1", "ready 262144 90000 7", "open 3 0 null 0", "data 3 true abc",
                "window 3 65536", "ping 258", "reset 3 20 x", "goaway 12 x"), r.events);
        assertFalse(ch.finish());
    }

    @Test
    void finalSizeMatchesTheTableAndANegativeSizeIsAProtocolError() {
        ByteBuf two = A.buffer();
        Protocol.writeFinalSize(two, 5, 300);
        Protocol.writeFinalSize(two, 7, 0);
        assertEquals("0F000000000500000008" + "000000000000012C" + "0F000000000700000008" + "0000000000000000",
                hex(two));
        Recorder r = new Recorder();
        EmbeddedChannel ch = new EmbeddedChannel(new FrameDecoder(r, false));
        ch.writeInbound(bytes("0F000000000500000008000000000000012C"));
        assertEquals(List.of("final-size 5 300"), r.events);
        DecoderException e = assertThrows(DecoderException.class,
                () -> ch.writeInbound(bytes("0F0000000005000000088000000000000000")));
        assertTrue(e.getCause().getMessage().contains("FINAL_SIZE of 9223372036854775808 bytes"),
                e.getCause().getMessage());
        ch.finishAndReleaseAll();
    }

    @Test
    void decoderWaitsForSplitFrames() {
        Recorder r = new Recorder();
        EmbeddedChannel ch = new EmbeddedChannel(new FrameDecoder(r, false));
        byte[] frame = ByteBufUtil.decodeHexDump("0000000000010000000568656C6C6F");
        for (byte b : frame) {
            ch.writeInbound(Unpooled.wrappedBuffer(new byte[] {b}));
        }
        assertEquals(List.of("data 1 false hello"), r.events);
        assertFalse(ch.finish());
    }

    @Test
    void oversizedAndWrongMagicAreProtocolErrors() {
        EmbeddedChannel a = new EmbeddedChannel(new FrameDecoder(new Recorder(), false));
        DecoderException e = assertThrows(DecoderException.class,
                () -> a.writeInbound(bytes("05000000000000010001")));
        assertTrue(e.getCause() instanceof ProtocolException);
        assertTrue(e.getCause().getMessage().contains("PING frame of 65537 bytes"), e.getCause().getMessage());
        a.finishAndReleaseAll();
        EmbeddedChannel b = new EmbeddedChannel(new FrameDecoder(new Recorder(), true));
        e = assertThrows(DecoderException.class, () -> b.writeInbound(bytes("4854")));
        assertTrue(e.getCause().getMessage().contains("48 54"), e.getCause().getMessage());
        b.finishAndReleaseAll();
        EmbeddedChannel c = new EmbeddedChannel(new FrameDecoder(new Recorder(), false));
        e = assertThrows(DecoderException.class, () -> c.writeInbound(bytes("04000000000300000004 00000000")));
        assertTrue(e.getCause().getMessage().contains("WINDOW increment 0"));
        c.finishAndReleaseAll();
    }

    @Test
    void messagesAreTruncatedTo1024Bytes() {
        ByteBuf b = Protocol.reset(A, 1, 23, "x".repeat(5000));
        try {
            assertEquals(Protocol.HEADER_LENGTH + 2 + Protocol.MAX_MESSAGE_BYTES, b.readableBytes());
        } finally {
            b.release();
        }
        assertArrayEquals(new byte[0], Protocol.truncate(null));
    }

    /** Records decoded frames as text. */
    static final class Recorder implements FrameListener {
        final java.util.ArrayList<String> events = new java.util.ArrayList<>();

        @Override
        public void onData(int stream, boolean fin, ByteBuf payload) {
            events.add("data " + stream + " " + fin + " " + payload.toString(java.nio.charset.StandardCharsets.UTF_8));
            payload.release();
        }

        @Override
        public void onOpen(int stream, int serviceIndex, byte[] visitorIp, int visitorPort) {
            events.add("open " + stream + " " + serviceIndex + " " + (visitorIp == null ? "null"
                    : java.util.Arrays.toString(visitorIp)) + " " + visitorPort);
        }

        @Override
        public void onAccept(int stream) {
            events.add("accept " + stream);
        }

        @Override
        public void onReset(int stream, int code, String message) {
            events.add("reset " + stream + " " + code + " " + message);
        }

        @Override
        public void onWindow(int stream, int increment) {
            events.add("window " + stream + " " + increment);
        }

        @Override
        public void onPing(long opaque) {
            events.add("ping " + opaque);
        }

        @Override
        public void onPong(long opaque) {
            events.add("pong " + opaque);
        }

        @Override
        public void onGoAway(int code, String message) {
            events.add("goaway " + code + " " + message);
        }

        @Override
        public void onReady(int window, long timeoutMillis, int tunnelId) {
            events.add("ready " + window + " " + timeoutMillis + " " + tunnelId);
        }

        @Override
        public void onService(int index, int kind, int tcpPort, String host) {
            events.add("service " + index + " " + kind + " " + tcpPort + " " + host);
        }

        @Override
        public void onError(int code, int serviceIndex, String message) {
            events.add("error " + code + " " + serviceIndex + " " + message);
        }

        @Override
        public void onFinalSize(int stream, long size) {
            events.add("final-size " + stream + " " + size);
        }
    }
}

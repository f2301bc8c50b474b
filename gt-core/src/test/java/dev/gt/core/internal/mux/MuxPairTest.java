package dev.gt.core.internal.mux;

import dev.gt.api.GtErrorCode;
import dev.gt.core.internal.proto.FrameDecoder;
import dev.gt.core.internal.proto.Protocol;
import dev.gt.core.internal.relay.RelayHandler;
import dev.gt.core.internal.relay.StreamRelay;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The multiplexer and the stream relay, two tunnel ends wired back to back over EmbeddedChannels
 * with EmbeddedChannel peers: credit, FIN, resets, speed pauses, drain and timeouts, without a
 * socket and without waiting for a clock.
 */
@Timeout(30)
class MuxPairTest {
    private static final int WINDOW = Protocol.DEFAULT_WINDOW;

    private final AtomicLong clock = new AtomicLong(Long.MAX_VALUE - TimeUnit.HOURS.toNanos(1));
    private final List<EmbeddedChannel> channels = new ArrayList<>();
    private EmbeddedChannel aCh;
    private EmbeddedChannel bCh;
    private TestTunnel a;
    private TestTunnel b;

    private void pair() {
        aCh = track(new EmbeddedChannel());
        bCh = track(new EmbeddedChannel());
        a = new TestTunnel(aCh, clock::get);
        b = new TestTunnel(bCh, clock::get);
        aCh.pipeline().addLast(new FrameDecoder(a.mux, false), a.mux);
        bCh.pipeline().addLast(new FrameDecoder(b.mux, false), b.mux);
    }

    private EmbeddedChannel track(EmbeddedChannel ch) {
        channels.add(ch);
        return ch;
    }

    /** Moves frames both ways until neither side has anything left to say. */
    private void pump() {
        boolean moved;
        do {
            moved = false;
            for (EmbeddedChannel ch : channels) {
                ch.runPendingTasks();
            }
            ByteBuf f;
            while ((f = aCh.readOutbound()) != null) {
                moved |= deliver(bCh, f);
            }
            while ((f = bCh.readOutbound()) != null) {
                moved |= deliver(aCh, f);
            }
        } while (moved);
    }

    private static boolean deliver(EmbeddedChannel to, ByteBuf frame) {
        if (!to.isOpen()) {
            frame.release();
            return false;
        }
        to.writeInbound(frame);
        return true;
    }

    /** A relay for stream {@code id} on {@code t}, attached to a new peer channel that reads nothing by itself. */
    private DuplexEmbeddedChannel stream(TestTunnel t, EmbeddedChannel tunnelCh, int id, StreamRelay[] out) {
        DuplexEmbeddedChannel peer = (DuplexEmbeddedChannel) track(new DuplexEmbeddedChannel());
        peer.config().setAutoRead(false);
        StreamRelay relay = new StreamRelay(tunnelCh.eventLoop());
        peer.pipeline().addLast(new RelayHandler(relay));
        t.mux.newStream(id, relay);
        relay.attach(peer);
        // Reading is switched on by a task on the peer's own loop.
        peer.runPendingTasks();
        if (out != null) {
            out[0] = relay;
        }
        return peer;
    }

    @AfterEach
    void closeAll() {
        for (EmbeddedChannel ch : channels) {
            ch.finishAndReleaseAll();
        }
    }

    @Test
    void creditRunsOutAfterOneWindowAndComesBackWhenThePeerReads() {
        pair();
        DuplexEmbeddedChannel visitor = stream(a, aCh, 1, null);
        DuplexEmbeddedChannel service = stream(b, bCh, 1, null);
        assertTrue(visitor.config().isAutoRead(), "reading while there is credit");
        // The service reads nothing: its socket stays unwritable, so no credit goes back.
        service.unsafe().outboundBuffer().setUserDefinedWritability(1, false);
        for (int i = 0; i < 16; i++) {
            visitor.writeInbound(Unpooled.wrappedBuffer(new byte[64 * 1024]));
        }
        pump();
        assertEquals(WINDOW, drain(service), "exactly one window crossed");
        assertFalse(visitor.config().isAutoRead(), "the visitor is not read without credit");

        service.unsafe().outboundBuffer().setUserDefinedWritability(1, true);
        service.runPendingTasks();
        pump();
        int got = 0;
        for (int round = 0; round < 16 && got < 16 * 64 * 1024 - WINDOW; round++) {
            got += drain(service);
            pump();
        }
        assertEquals(16 * 64 * 1024 - WINDOW, got, "the rest follows as credit returns");
        pump();
        assertTrue(visitor.config().isAutoRead(), "reading again");
    }

    @Test
    void dataAfterFinResetsOnlyThatStream() {
        pair();
        StreamRelay[] r = new StreamRelay[1];
        DuplexEmbeddedChannel service = stream(b, bCh, 1, r);
        DuplexEmbeddedChannel other = stream(b, bCh, 3, null);
        bCh.writeInbound(data(1, "last", true), data(1, "more", false));
        assertEquals("last", text(service));
        assertOnlyStream1WasResetForAProtocolError(r[0], other);
    }

    @Test
    void aFinalSizeForAMultiplexedStreamResetsOnlyThatStream() {
        pair();
        StreamRelay[] r = new StreamRelay[1];
        stream(b, bCh, 1, r);
        DuplexEmbeddedChannel other = stream(b, bCh, 3, null);
        ByteBuf finalSize = Unpooled.buffer();
        Protocol.writeFinalSize(finalSize, 1, 0);
        bCh.writeInbound(finalSize);
        assertOnlyStream1WasResetForAProtocolError(r[0], other);
    }

    /** Stream 1 was reset with PROTOCOL_ERROR (a RESET frame went out); {@code other} and the tunnel go on. */
    private void assertOnlyStream1WasResetForAProtocolError(StreamRelay stream1, DuplexEmbeddedChannel other) {
        ByteBuf reset = bCh.readOutbound();
        assertNotNull(reset);
        assertEquals(Protocol.TYPE_RESET, reset.getUnsignedByte(0));
        assertEquals(1, reset.getInt(2));
        assertEquals(GtErrorCode.PROTOCOL_ERROR.code(), reset.getUnsignedShort(Protocol.HEADER_LENGTH));
        reset.release();
        assertTrue(stream1.isEnded());
        assertTrue(other.isOpen(), "other streams go on");
        assertTrue(bCh.isOpen(), "the tunnel stays up");
    }

    @Test
    void moreThanTheWindowIsAFlowControlError() {
        pair();
        DuplexEmbeddedChannel service = stream(b, bCh, 1, null);
        bCh.writeInbound(data(1, new byte[WINDOW], false));
        assertEquals(WINDOW, drain(service));
        bCh.runPendingTasks();
        ByteBuf window = bCh.readOutbound();
        assertEquals(Protocol.TYPE_WINDOW, window.getUnsignedByte(0), "credit went back for what was taken");
        window.release();
        // The sender ignores that WINDOW and sends a window and a byte more.
        bCh.writeInbound(data(1, new byte[WINDOW + 1], false));
        bCh.runPendingTasks();
        ByteBuf reset = bCh.readOutbound();
        assertEquals(Protocol.TYPE_RESET, reset.getUnsignedByte(0));
        assertEquals(GtErrorCode.FLOW_CONTROL_ERROR.code(), reset.getUnsignedShort(Protocol.HEADER_LENGTH));
        reset.release();
        service.runPendingTasks();
        assertFalse(service.isOpen(), "the peer of a broken stream is closed");
    }

    @Test
    void finIsHeldBehindASpeedPauseUntilTheLastByteIsDelivered() {
        pair();
        StreamRelay[] r = new StreamRelay[1];
        DuplexEmbeddedChannel service = stream(b, bCh, 1, r);
        // 16 KiB/s with a 16 KiB burst: 64 KiB take four seconds.
        RateLimiter limiter = new RateLimiter(16 * 1024, 16 * 1024, clock::get);
        r[0].rateLimits(null, limiter);
        bCh.writeInbound(data(1, new byte[64 * 1024], true));
        int got = drain(service);
        assertTrue(got < 64 * 1024, "paused after " + got + " bytes");
        assertFalse(service.isOutputShutdown(), "no FIN before the last byte");
        for (int s = 0; s < 8 && got < 64 * 1024; s++) {
            clock.addAndGet(TimeUnit.SECONDS.toNanos(1));
            bCh.advanceTimeBy(1, TimeUnit.SECONDS);
            bCh.runScheduledPendingTasks();
            got += drain(service);
        }
        assertEquals(64 * 1024, got);
        bCh.runPendingTasks();
        assertTrue(service.isOutputShutdown(), "FIN after the last byte");
    }

    @Test
    void aResetBeforeThePeerIsAttachedClosesThePeerOnAttach() {
        pair();
        StreamRelay relay = new StreamRelay(aCh.eventLoop());
        a.mux.newStream(1, relay);
        relay.sendInitial(Unpooled.copiedBuffer("GET / HTTP/1.1\r\n\r\n", java.nio.charset.StandardCharsets.US_ASCII));
        aCh.writeInbound(reset(1, GtErrorCode.DIAL_FAILED));
        assertTrue(relay.isEnded());
        DuplexEmbeddedChannel visitor = (DuplexEmbeddedChannel) track(new DuplexEmbeddedChannel());
        visitor.pipeline().addLast(new RelayHandler(relay));
        relay.attach(visitor);
        assertFalse(visitor.isOpen());
        assertFalse(a.mux.hasStream(1));
    }

    @Test
    void aTunnelGoingAwayClosesWhenItsLastStreamEnds() {
        pair();
        DuplexEmbeddedChannel visitor = stream(a, aCh, 1, null);
        DuplexEmbeddedChannel service = stream(b, bCh, 1, null);
        b.mux.goAway(GtErrorCode.GOING_AWAY, "retired");
        pump();
        assertEquals(GtErrorCode.GOING_AWAY, a.goAwayCode);
        assertTrue(a.mux.isGoingAway());
        assertTrue(aCh.isOpen(), "open streams go on");
        // Both directions end cleanly.
        visitor.pipeline().fireUserEventTriggered(io.netty.channel.socket.ChannelInputShutdownEvent.INSTANCE);
        service.pipeline().fireUserEventTriggered(io.netty.channel.socket.ChannelInputShutdownEvent.INSTANCE);
        pump();
        // Each peer had ended its own side, so each is closed (the close is its FIN).
        assertFalse(visitor.isOpen() || service.isOpen());
        assertFalse(a.mux.hasStream(1));
        assertFalse(aCh.isOpen(), "closed with its last stream");
    }

    @Test
    void aStreamIdleForItsLimitIsClosedWithoutWaiting() {
        pair();
        a.mux.startIdleSweeper(Duration.ofSeconds(8));
        StreamRelay[] r = new StreamRelay[1];
        DuplexEmbeddedChannel visitor = stream(a, aCh, 1, r);
        r[0].idleLimitTicks(a.mux.ticks(Duration.ofSeconds(8)));
        aCh.advanceTimeBy(7, TimeUnit.SECONDS);
        aCh.runScheduledPendingTasks();
        assertTrue(visitor.isOpen());
        aCh.advanceTimeBy(3, TimeUnit.SECONDS);
        aCh.runScheduledPendingTasks();
        aCh.runPendingTasks();
        assertFalse(visitor.isOpen());
        ByteBuf reset = aCh.readOutbound();
        assertEquals(Protocol.TYPE_RESET, reset.getUnsignedByte(0));
        assertEquals(GtErrorCode.TIMEOUT.code(), reset.getUnsignedShort(Protocol.HEADER_LENGTH));
        reset.release();
    }

    @Test
    void anUnansweredOpenEndsAtItsDeadline() {
        pair();
        a.mux.startIdleSweeper(Duration.ofSeconds(8));
        StreamRelay[] r = new StreamRelay[1];
        DuplexEmbeddedChannel visitor = stream(a, aCh, 1, r);
        List<GtErrorCode> answered = new ArrayList<>();
        r[0].earlyEndHandler((peer, code, message) -> {
            answered.add(code);
            peer.close();
            return true;
        });
        r[0].openDeadlineTicks(a.mux.ticks(Duration.ofSeconds(2)));
        aCh.advanceTimeBy(3, TimeUnit.SECONDS);
        aCh.runScheduledPendingTasks();
        assertEquals(List.of(GtErrorCode.TIMEOUT), answered, "the visitor gets its 504 from the handler");
        assertFalse(visitor.isOpen());
    }

    @Test
    void anAcceptedOpenHasNoDeadline() {
        pair();
        a.mux.startIdleSweeper(Duration.ofSeconds(8));
        StreamRelay[] r = new StreamRelay[1];
        DuplexEmbeddedChannel visitor = stream(a, aCh, 1, r);
        r[0].openDeadlineTicks(a.mux.ticks(Duration.ofSeconds(2)));
        ByteBuf accept = Protocol.accept(aCh.alloc(), 1);
        aCh.writeInbound(accept);
        aCh.advanceTimeBy(5, TimeUnit.SECONDS);
        aCh.runScheduledPendingTasks();
        assertTrue(visitor.isOpen());
        assertNull(aCh.readOutbound());
    }

    private static ByteBuf data(int stream, String text, boolean fin) {
        return data(stream, text.getBytes(java.nio.charset.StandardCharsets.US_ASCII), fin);
    }

    private static ByteBuf data(int stream, byte[] payload, boolean fin) {
        ByteBuf b = Unpooled.buffer(Protocol.HEADER_LENGTH + payload.length);
        b.writeByte(Protocol.TYPE_DATA).writeByte(fin ? Protocol.FLAG_FIN : 0).writeInt(stream).writeInt(payload.length);
        return b.writeBytes(payload);
    }

    private static ByteBuf reset(int stream, GtErrorCode code) {
        return Protocol.reset(io.netty.buffer.ByteBufAllocator.DEFAULT, stream, code.code(), "test");
    }

    private static int drain(EmbeddedChannel peer) {
        int n = 0;
        ByteBuf buf;
        while ((buf = peer.readOutbound()) != null) {
            n += buf.readableBytes();
            buf.release();
        }
        return n;
    }

    private static String text(EmbeddedChannel peer) {
        StringBuilder sb = new StringBuilder();
        ByteBuf buf;
        while ((buf = peer.readOutbound()) != null) {
            sb.append(buf.toString(java.nio.charset.StandardCharsets.US_ASCII));
            buf.release();
        }
        return sb.toString();
    }
}

package dev.gt.core.internal.mux;

import dev.gt.api.GtErrorCode;
import dev.gt.core.internal.proto.FrameDecoder;
import dev.gt.core.internal.proto.Protocol;
import dev.gt.core.internal.relay.StreamRelay;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
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
 * What a peer that writes but never reads can make a tunnel queue: PONGs are coalesced, WINDOW
 * increments deferred, other control frames capped, and a tunnel that stays unwritable for its
 * timeout is closed. Same code on both sides: a hostile client cannot do it to the server, nor a
 * hostile server to a client.
 */
@Timeout(30)
class MuxTunnelTest {
    private final AtomicLong clock = new AtomicLong(Long.MAX_VALUE - TimeUnit.HOURS.toNanos(1));
    private final List<EmbeddedChannel> channels = new ArrayList<>();

    private EmbeddedChannel channel() {
        EmbeddedChannel ch = new EmbeddedChannel();
        channels.add(ch);
        return ch;
    }

    private TestTunnel tunnel(EmbeddedChannel ch) {
        TestTunnel t = new TestTunnel(ch, clock::get);
        ch.pipeline().addLast(new FrameDecoder(t.mux, false), t.mux);
        return t;
    }

    /** Makes the tunnel unwritable (or writable again) as a full outbound buffer would. */
    private static void peerReads(EmbeddedChannel ch, boolean reads) {
        ch.unsafe().outboundBuffer().setUserDefinedWritability(1, reads);
        ch.runPendingTasks();
    }

    @AfterEach
    void closeAll() {
        for (EmbeddedChannel ch : channels) {
            ch.finishAndReleaseAll();
        }
    }

    @Test
    void aPingFloodFromAPeerThatDoesNotReadGetsOnePongAtTheEnd() {
        EmbeddedChannel ch = channel();
        tunnel(ch);
        peerReads(ch, false);
        ByteBuf flood = Unpooled.buffer();
        for (long i = 1; i <= 100_000; i++) {
            ByteBuf ping = Protocol.ping(ByteBufAllocator.DEFAULT, i);
            flood.writeBytes(ping);
            ping.release();
        }
        ch.writeInbound(flood);
        ch.runPendingTasks();
        assertEquals(0, ch.unsafe().outboundBuffer().totalPendingWriteBytes(), "nothing queued while unwritable");
        assertNull(ch.readOutbound());

        peerReads(ch, true);
        ByteBuf pong = ch.readOutbound();
        assertNotNull(pong, "the latest PING is answered once the peer reads again");
        assertEquals(Protocol.TYPE_PONG, pong.getUnsignedByte(0));
        assertEquals(100_000, pong.getLong(Protocol.HEADER_LENGTH));
        pong.release();
        assertNull(ch.readOutbound(), "one PONG, not one per PING");
        assertTrue(ch.isOpen());
    }

    @Test
    void pingsOfAPeerThatReadsAreEachAnswered() {
        EmbeddedChannel ch = channel();
        tunnel(ch);
        ch.writeInbound(frame(Protocol.ping(ByteBufAllocator.DEFAULT, 7)), frame(Protocol.ping(ByteBufAllocator.DEFAULT, 8)));
        ch.runPendingTasks();
        for (long expected : new long[] {7, 8}) {
            ByteBuf pong = ch.readOutbound();
            assertEquals(expected, pong.getLong(Protocol.HEADER_LENGTH));
            pong.release();
        }
    }

    @Test
    void windowIncrementsWaitWhileTheTunnelIsUnwritableAndLeaveAsOne() {
        EmbeddedChannel ch = channel();
        TestTunnel t = tunnel(ch);
        EmbeddedChannel peer = channel();
        StreamRelay relay = new StreamRelay(ch.eventLoop());
        t.mux.newStream(1, relay);
        relay.attach(peer);
        peerReads(ch, false);
        // Four quarter-windows of data: a WINDOW would go after each one.
        for (int i = 0; i < 4; i++) {
            ch.writeInbound(dataFrame(1, Protocol.DEFAULT_WINDOW / 4));
        }
        ch.runPendingTasks();
        assertNull(ch.readOutbound(), "no WINDOW while the tunnel is unwritable");
        assertEquals(Protocol.DEFAULT_WINDOW, drainBytes(peer), "the data reached the peer all the same");

        peerReads(ch, true);
        ByteBuf window = ch.readOutbound();
        assertNotNull(window);
        assertEquals(Protocol.TYPE_WINDOW, window.getUnsignedByte(0));
        assertEquals(Protocol.DEFAULT_WINDOW, window.getInt(Protocol.HEADER_LENGTH), "one increment for all four");
        window.release();
        assertNull(ch.readOutbound());
    }

    @Test
    void tooManyControlFramesForAPeerThatDoesNotReadCloseTheTunnel() {
        EmbeddedChannel ch = channel();
        TestTunnel t = tunnel(ch);
        peerReads(ch, false);
        for (int i = 0; i < MuxTunnel.MAX_CONTROL_WHILE_UNWRITABLE; i++) {
            t.mux.writeControl(Protocol.reset(ch.alloc(), 1 + 2 * i, 23, "x"));
        }
        assertTrue(ch.isOpen(), "up to the limit the frames are queued");
        t.mux.writeControl(Protocol.reset(ch.alloc(), 1, 23, "x"));
        ch.runPendingTasks();
        assertFalse(ch.isOpen());
        assertNotNull(t.closedBecause);
        assertTrue(t.closedBecause.getMessage().contains("does not read"), t.closedBecause.getMessage());
    }

    @Test
    void aTunnelThatStaysUnwritableForItsTimeoutIsClosed() {
        EmbeddedChannel ch = channel();
        TestTunnel t = tunnel(ch);
        t.mux.startKeepalive(Duration.ZERO, Duration.ofSeconds(10));
        peerReads(ch, false);
        // The peer keeps sending (so the tunnel is not idle) but never reads.
        for (int i = 1; i <= 2; i++) {
            advance(Duration.ofSeconds(5));
            ch.writeInbound(frame(Protocol.ping(ByteBufAllocator.DEFAULT, i)));
            ch.advanceTimeBy(5, TimeUnit.SECONDS);
            ch.runScheduledPendingTasks();
            assertTrue(ch.isOpen(), "not yet: unwritable for " + i * 5 + " s");
        }
        advance(Duration.ofSeconds(5));
        ch.writeInbound(frame(Protocol.ping(ByteBufAllocator.DEFAULT, 3)));
        ch.advanceTimeBy(5, TimeUnit.SECONDS);
        ch.runScheduledPendingTasks();
        assertFalse(ch.isOpen(), "unwritable for 15 s with a timeout of 10 s");
        assertTrue(t.closedBecause.getMessage().contains("read nothing"), t.closedBecause.getMessage());
    }

    @Test
    void aTunnelThatHearsNothingForItsTimeoutIsClosed() {
        EmbeddedChannel ch = channel();
        TestTunnel t = tunnel(ch);
        t.mux.startKeepalive(Duration.ZERO, Duration.ofSeconds(10));
        advance(Duration.ofSeconds(6));
        ch.advanceTimeBy(6, TimeUnit.SECONDS);
        ch.runScheduledPendingTasks();
        assertTrue(ch.isOpen());
        advance(Duration.ofSeconds(6));
        ch.advanceTimeBy(6, TimeUnit.SECONDS);
        ch.runScheduledPendingTasks();
        ch.runPendingTasks();
        assertFalse(ch.isOpen());
        assertEquals(GtErrorCode.TIMEOUT, ((dev.gt.api.GtException) t.closedBecause).code());
    }

    @Test
    void aTunnelWhosePingsGoUnansweredForItsTimeoutIsClosedThoughThePeerKeepsSending() {
        EmbeddedChannel ch = channel();
        TestTunnel t = tunnel(ch);
        // PINGs every 3 s (checked every 3 s), 10 s without a PONG closes. The peer's own frames keep arriving (a path
        // that carries its data to us but not ours to it), so the tunnel never looks idle.
        t.mux.startKeepalive(Duration.ofSeconds(3), Duration.ofSeconds(10));
        long firstPing = -1;
        for (int second = 1; second <= 10; second++) {
            advance(Duration.ofSeconds(1));
            ch.writeInbound(frame(Protocol.ping(ByteBufAllocator.DEFAULT, second)));
            ch.advanceTimeBy(1, TimeUnit.SECONDS);
            ch.runScheduledPendingTasks();
            ch.runPendingTasks();
            ByteBuf out;
            while ((out = ch.readOutbound()) != null) {
                if (out.getUnsignedByte(0) == Protocol.TYPE_PING && firstPing < 0) {
                    firstPing = out.getLong(Protocol.HEADER_LENGTH);
                }
                out.release();
            }
            assertTrue(ch.isOpen(), "open after " + second + " s: the first PING is not 10 s old yet");
        }
        assertTrue(firstPing >= 0, "a PING went out");
        for (int second = 11; second <= 16 && ch.isOpen(); second++) {
            advance(Duration.ofSeconds(1));
            ch.writeInbound(frame(Protocol.ping(ByteBufAllocator.DEFAULT, second)));
            ch.advanceTimeBy(1, TimeUnit.SECONDS);
            ch.runScheduledPendingTasks();
            ch.runPendingTasks();
            drainBytes(ch);
        }
        assertFalse(ch.isOpen(), "no PONG for more than 10 s");
        assertEquals(GtErrorCode.TIMEOUT, ((dev.gt.api.GtException) t.closedBecause).code());
        assertTrue(t.closedBecause.getMessage().contains("no answer to a PING"), t.closedBecause.getMessage());
    }

    @Test
    void aPongForTheLatestPingAnswersTheEarlierOnesToo() {
        EmbeddedChannel ch = channel();
        TestTunnel t = tunnel(ch);
        t.mux.startKeepalive(Duration.ofSeconds(3), Duration.ofSeconds(10));
        for (int second = 1; second <= 30; second++) {
            advance(Duration.ofSeconds(1));
            ch.advanceTimeBy(1, TimeUnit.SECONDS);
            ch.runScheduledPendingTasks();
            ch.runPendingTasks();
            ByteBuf out;
            long latest = -1;
            while ((out = ch.readOutbound()) != null) {
                if (out.getUnsignedByte(0) == Protocol.TYPE_PING) {
                    latest = out.getLong(Protocol.HEADER_LENGTH);
                }
                out.release();
            }
            // Every other PING is answered, late, with the opaque value of the latest one.
            if (latest >= 0 && second % 6 == 0) {
                ch.writeInbound(frame(Protocol.pong(ByteBufAllocator.DEFAULT, latest)));
            }
            assertTrue(ch.isOpen(), "open after " + second + " s");
        }
    }

    @Test
    void pingsGoOutAtTheirIntervalAndPongsGiveTheRoundTrip() {
        EmbeddedChannel ch = channel();
        TestTunnel t = tunnel(ch);
        assertNull(t.mux.rtt());
        long opaque = keepalivePing(ch, t);
        advance(Duration.ofMillis(42));
        ch.writeInbound(frame(Protocol.pong(ByteBufAllocator.DEFAULT, opaque)));
        assertEquals(Duration.ofMillis(42), t.mux.rtt());
    }

    @Test
    void anUnansweredPingMakesTheTunnelUnresponsiveUntilAnythingIsRead() {
        EmbeddedChannel ch = channel();
        TestTunnel t = tunnel(ch);
        long opaque = keepalivePing(ch, t);
        advance(MuxTunnel.UNRESPONSIVE_AFTER);
        assertFalse(t.mux.isUnresponsive(), "not before the limit");
        advance(Duration.ofMillis(1));
        assertTrue(t.mux.isUnresponsive(), "a PING unanswered for more than the limit");
        ch.writeInbound(frame(Protocol.pong(ByteBufAllocator.DEFAULT, opaque)));
        assertFalse(t.mux.isUnresponsive(), "the answer came");
    }

    @Test
    void aNewStreamIntoAQuietTunnelSendsOnePingFirst() {
        EmbeddedChannel ch = channel();
        TestTunnel t = tunnel(ch);
        t.mux.probeIfQuiet();
        ch.runPendingTasks();
        assertNull(ch.readOutbound(), "not quiet yet");
        advance(Duration.ofMillis(1500));
        t.mux.probeIfQuiet();
        t.mux.probeIfQuiet();
        ch.runPendingTasks();
        ByteBuf ping = ch.readOutbound();
        assertNotNull(ping, "a PING before the stream");
        assertEquals(Protocol.TYPE_PING, ping.getUnsignedByte(0));
        ping.release();
        assertNull(ch.readOutbound(), "one PING while it is unanswered");
        advance(Duration.ofSeconds(3));
        assertTrue(t.mux.isUnresponsive());
        ch.writeInbound(dataFrame(0, 0));
        assertFalse(t.mux.isUnresponsive(), "any read answers");
    }

    @Test
    void moreLossesThanAtTheLastLookSendOnePingToReleaseHeldRetransmissions() {
        EmbeddedChannel ch = channel();
        TestTunnel t = tunnel(ch);
        assertFalse(pingAfterLook(ch, t, 0), "no loss, no PING");
        assertTrue(pingAfterLook(ch, t, 2), "losses found at a look: a PING (also at the tunnel's first look)");
        assertFalse(pingAfterLook(ch, t, 2), "no new loss, no PING");
        assertTrue(pingAfterLook(ch, t, 9), "a PING after new losses");
        assertFalse(pingAfterLook(ch, t, 9), "no new loss, no PING");
        assertFalse(pingAfterLook(ch, t, -1), "nothing known: no PING");
    }

    /** Reports {@code lost} to the tunnel's loss watch; whether exactly one PING went out for it. */
    private static boolean pingAfterLook(EmbeddedChannel ch, TestTunnel t, long lost) {
        t.mux.onLossCount(lost);
        ch.runPendingTasks();
        ByteBuf out = ch.readOutbound();
        if (out == null) {
            return false;
        }
        assertEquals(Protocol.TYPE_PING, out.getUnsignedByte(0));
        out.release();
        assertNull(ch.readOutbound(), "one PING per look");
        return true;
    }

    /** Starts a keepalive with PINGs every 3 s, lets 3 s pass and returns the PING's opaque value. */
    private long keepalivePing(EmbeddedChannel ch, TestTunnel t) {
        t.mux.startKeepalive(Duration.ofSeconds(3), Duration.ofSeconds(30));
        advance(Duration.ofSeconds(3));
        ch.advanceTimeBy(3, TimeUnit.SECONDS);
        ch.runScheduledPendingTasks();
        ch.runPendingTasks();
        ByteBuf ping = ch.readOutbound();
        assertNotNull(ping, "a PING after the interval");
        assertEquals(Protocol.TYPE_PING, ping.getUnsignedByte(0));
        long opaque = ping.getLong(Protocol.HEADER_LENGTH);
        ping.release();
        return opaque;
    }

    private void advance(Duration d) {
        clock.addAndGet(d.toNanos());
    }

    private static ByteBuf frame(ByteBuf b) {
        return b;
    }

    private static ByteBuf dataFrame(int stream, int length) {
        ByteBuf b = Unpooled.buffer(Protocol.HEADER_LENGTH + length);
        b.writeByte(Protocol.TYPE_DATA).writeByte(0).writeInt(stream).writeInt(length);
        b.writeZero(length);
        return b;
    }

    private static int drainBytes(EmbeddedChannel peer) {
        int n = 0;
        ByteBuf b;
        while ((b = peer.readOutbound()) != null) {
            n += b.readableBytes();
            b.release();
        }
        return n;
    }
}

package dev.gt.transport.quic;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.gt.api.spi.IoEngine;
import dev.gt.transport.tcp.EpollEngineProvider;
import dev.gt.transport.tcp.NioEngineProvider;
import io.netty.buffer.Unpooled;
import io.netty.channel.socket.DatagramPacket;
import io.netty.channel.unix.SegmentedDatagramPacket;
import io.netty.handler.codec.quic.SegmentedDatagramPacketAllocator;
import java.net.InetSocketAddress;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Which engines send QUIC's packet runs as one segmented datagram, and what the codec is given. */
@Timeout(30)
class SegmentationTest {
    @Test
    void epollOnThisKernelSegmentsAndNioDoesNot() {
        // UDP_SEGMENT is in every Linux since 4.18; the machines that run these tests have it.
        try (IoEngine epoll = new EpollEngineProvider().create(1, "seg-test");
                IoEngine nio = new NioEngineProvider().create(1, "seg-test")) {
            assertTrue(epoll.canSegmentDatagrams());
            assertFalse(nio.canSegmentDatagrams());
        }
    }

    @Test
    void aSegmentingEngineGetsSegmentedPacketsOfTheCodecsSize() {
        SegmentedDatagramPacketAllocator a = Segmentation.forEngine(true);
        assertEquals(Segmentation.MAX_SEGMENTS, a.maxNumSegments());
        InetSocketAddress to = new InetSocketAddress("127.0.0.1", 4433);
        DatagramPacket p = a.newPacket(Unpooled.buffer(3 * 1350), 1350, to);
        try {
            SegmentedDatagramPacket s = assertInstanceOf(SegmentedDatagramPacket.class, p);
            assertEquals(1350, s.segmentSize());
            assertEquals(to, s.recipient());
        } finally {
            p.release();
        }
    }

    @Test
    void anEngineWithoutSegmentationGetsOnePacketPerDatagram() {
        assertSame(SegmentedDatagramPacketAllocator.NONE, Segmentation.forEngine(false));
        assertEquals(0, Segmentation.forEngine(false).maxNumSegments());
    }
}

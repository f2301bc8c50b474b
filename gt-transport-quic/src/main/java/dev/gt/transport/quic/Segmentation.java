package dev.gt.transport.quic;

import io.netty.buffer.ByteBuf;
import io.netty.channel.socket.DatagramPacket;
import io.netty.channel.unix.SegmentedDatagramPacket;
import io.netty.handler.codec.quic.SegmentedDatagramPacketAllocator;
import java.net.InetSocketAddress;

/**
 * Hands the codec's runs of equal-size QUIC packets to the kernel as one segmented datagram (Linux
 * UDP GSO), where the I/O engine's datagram channels take them: a bulk transfer then costs one
 * {@code sendmsg} per run instead of one per 1,350-byte packet.
 */
final class Segmentation implements SegmentedDatagramPacketAllocator {
    /**
     * Packets per system call at most. Linux accepts up to 64 segments of up to 64 KiB in all;
     * 16 full-size QUIC packets (about 21 KiB) take most of the saving without holding a burst
     * back from pacing for long.
     */
    static final int MAX_SEGMENTS = 16;

    static final Segmentation INSTANCE = new Segmentation();

    private Segmentation() {
    }

    @Override
    public int maxNumSegments() {
        return MAX_SEGMENTS;
    }

    @Override
    public DatagramPacket newPacket(ByteBuf buffer, int segmentSize, InetSocketAddress remoteAddress) {
        return new SegmentedDatagramPacket(buffer, segmentSize, remoteAddress);
    }

    /** The allocator for an engine: segmenting where its datagram channels can, else none. */
    static SegmentedDatagramPacketAllocator forEngine(boolean canSegment) {
        return canSegment ? INSTANCE : SegmentedDatagramPacketAllocator.NONE;
    }
}

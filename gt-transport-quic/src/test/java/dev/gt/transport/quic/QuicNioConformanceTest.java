package dev.gt.transport.quic;

import dev.gt.api.spi.IoEngineProvider;
import dev.gt.transport.tcp.NioEngineProvider;

/**
 * The conformance scenarios over quic:// tunnels on NIO, whose datagram channels cannot send
 * segmented datagrams: the codec falls back to one datagram per packet (epoll, in
 * {@link QuicConformanceTest}, sends runs of packets as one UDP GSO write).
 */
class QuicNioConformanceTest extends QuicConformanceTest {
    @Override
    protected IoEngineProvider ioEngine() {
        return new NioEngineProvider();
    }
}

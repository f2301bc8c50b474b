package dev.gt.core.it;

import dev.gt.api.spi.IoEngineProvider;
import dev.gt.transport.tcp.EpollEngineProvider;

/** The conformance scenarios over tcp:// tunnels on the epoll I/O engine. */
class EpollTcpConformanceTest extends TunnelConformanceTest {
    @Override
    protected IoEngineProvider ioEngine() {
        return new EpollEngineProvider();
    }
}

package dev.gt.core.it;

import dev.gt.api.spi.IoEngineProvider;
import dev.gt.transport.tcp.IoUringEngineProvider;

/** The conformance scenarios over tcp:// tunnels on the io_uring I/O engine. */
class IoUringTcpConformanceTest extends TunnelConformanceTest {
    @Override
    protected IoEngineProvider ioEngine() {
        return new IoUringEngineProvider();
    }
}

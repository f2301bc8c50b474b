package dev.gt.core.it;

import dev.gt.api.spi.IoEngineProvider;
import dev.gt.transport.tcp.NioEngineProvider;

/** The conformance scenarios over tcp:// tunnels on the nio I/O engine. */
class NioTcpConformanceTest extends TunnelConformanceTest {
    @Override
    protected IoEngineProvider ioEngine() {
        return new NioEngineProvider();
    }
}

package dev.gt.transport.quic;

import dev.gt.api.spi.IoEngineProvider;
import dev.gt.core.GtClient;
import dev.gt.core.GtServer;
import dev.gt.core.it.TunnelConformanceTest;
import dev.gt.transport.tcp.EpollEngineProvider;
import java.net.InetSocketAddress;

/**
 * The conformance scenarios over quic:// tunnels on epoll: a QUIC stream per visitor stream, the
 * server's certificate pinned by its fingerprint.
 */
class QuicConformanceTest extends TunnelConformanceTest {
    /** The QUIC port of the last server a client was pointed at: a restarted server takes it again. */
    private int lastQuicPort;
    private final TestCertificate cert = TestCertificate.create();

    @Override
    protected IoEngineProvider ioEngine() {
        return new EpollEngineProvider();
    }

    @Override
    protected void configureServer(GtServer.Builder b, GtServer previous) {
        int port = previous == null ? 0 : lastQuicPort;
        b.tunnelListener("quic", new InetSocketAddress("127.0.0.1", port))
                .certificateFile(cert.certificateFile()).privateKeyFile(cert.keyFile());
    }

    @Override
    protected String remote(GtServer s) {
        lastQuicPort = s.tunnelListenAddress("quic").getPort();
        return "quic://127.0.0.1:" + lastQuicPort;
    }

    @Override
    protected void configureClient(GtClient.Builder b, GtServer s) {
        b.pinnedCertificateSha256(cert.fingerprint());
    }

    @Override
    protected String expectedTransport() {
        return "quic";
    }
}

package dev.gt.core.it;

import dev.gt.api.spi.IoEngineProvider;
import dev.gt.core.GtClient;
import dev.gt.core.GtServer;
import dev.gt.core.internal.tls.Certificates;
import dev.gt.transport.tcp.IoUringEngineProvider;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;

/** The conformance scenarios over tls:// tunnels (a pinned self-signed certificate) on io_uring. */
class IoUringTlsConformanceTest extends TunnelConformanceTest {
    /** The TLS port of the last server a client was pointed at: a restarted server takes it again. */
    private int lastTlsPort;
    private final Certificates.SelfSigned cert = Certificates.generateSelfSigned(List.of("localhost", "127.0.0.1"),
            Duration.ofDays(1));

    @Override
    protected IoEngineProvider ioEngine() {
        return new IoUringEngineProvider();
    }

    @Override
    protected void configureServer(GtServer.Builder b, GtServer previous) {
        try {
            SslContext tls = SslContextBuilder.forServer(cert.key(), cert.certificate()).build();
            int port = previous == null ? 0 : lastTlsPort;
            b.tlsListenAddress(new InetSocketAddress("127.0.0.1", port)).sslContext(tls);
        } catch (javax.net.ssl.SSLException e) {
            throw new IllegalStateException(e);
        }
    }

    @Override
    protected String remote(GtServer s) {
        lastTlsPort = s.tlsListenAddress().getPort();
        return "tls://127.0.0.1:" + lastTlsPort;
    }

    @Override
    protected void configureClient(GtClient.Builder b, GtServer s) {
        b.pinnedCertificateSha256(cert.sha256Fingerprint());
    }

    @Override
    protected String expectedTransport() {
        return "tls";
    }
}

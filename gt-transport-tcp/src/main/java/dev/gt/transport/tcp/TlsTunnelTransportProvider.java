package dev.gt.transport.tcp;

import dev.gt.api.spi.TunnelTransport;
import dev.gt.api.spi.TunnelTransportProvider;
import dev.gt.api.spi.TunnelTransportSettings;
import io.netty.handler.ssl.OpenSsl;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslProvider;
import javax.net.ssl.SSLException;

/**
 * {@code tls://}: a tunnel inside TLS over TCP. OpenSSL (BoringSSL from netty-tcnative) when it
 * loads, the JDK's engine otherwise.
 */
public final class TlsTunnelTransportProvider implements TunnelTransportProvider {
    @Override
    public String scheme() {
        return "tls";
    }

    @Override
    public int priority() {
        return 0;
    }

    @Override
    public boolean isAvailable() {
        return true;
    }

    @Override
    public Throwable unavailabilityCause() {
        return null;
    }

    @Override
    public TunnelTransport create(TunnelTransportSettings settings) {
        SslProvider provider = OpenSsl.isAvailable() ? SslProvider.OPENSSL : SslProvider.JDK;
        SslContextBuilder b = SslContextBuilder.forClient().sslProvider(provider);
        if (!settings.tlsProtocols().isEmpty()) {
            b.protocols(settings.tlsProtocols());
        }
        if (settings.trustManager() != null) {
            b.trustManager(settings.trustManager());
        }
        if (!settings.verifyHostname()) {
            b.endpointIdentificationAlgorithm(null);
        }
        SslContext context;
        try {
            context = b.build();
        } catch (SSLException e) {
            throw new IllegalArgumentException("cannot set up TLS for tls:// tunnels: " + e.getMessage(), e);
        }
        String name = provider == SslProvider.OPENSSL ? "TLS by OpenSSL (" + OpenSsl.versionString() + ")" : "TLS by the JDK";
        return new ByteStreamTunnelTransport(scheme(), settings.engine(), context, name);
    }
}

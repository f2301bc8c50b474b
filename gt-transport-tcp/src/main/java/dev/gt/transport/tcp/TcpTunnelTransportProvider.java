package dev.gt.transport.tcp;

import dev.gt.api.spi.TunnelTransport;
import dev.gt.api.spi.TunnelTransportProvider;
import dev.gt.api.spi.TunnelTransportSettings;

/** {@code tcp://}: a tunnel over a plain TCP connection. */
public final class TcpTunnelTransportProvider implements TunnelTransportProvider {
    @Override
    public String scheme() {
        return "tcp";
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
        return new ByteStreamTunnelTransport(scheme(), settings.engine(), null, "TCP");
    }
}

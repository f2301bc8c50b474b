package dev.gt.transport.quic;

import dev.gt.api.spi.TunnelTransport;
import dev.gt.api.spi.TunnelTransportProvider;
import dev.gt.api.spi.TunnelTransportSettings;
import io.netty.handler.codec.quic.Quic;
import java.util.function.Supplier;

/**
 * {@code quic://}: tunnels over QUIC, one QUIC stream per visitor stream, on Netty's QUIC codec
 * (quiche and BoringSSL, native). Available where Netty's native QUIC library loads (Linux x86-64
 * with this module's dependencies); elsewhere {@link #unavailabilityCause()} says why, and a client
 * with other {@code -remote} URLs moves on to them.
 */
public final class QuicTunnelTransportProvider implements TunnelTransportProvider {
    private final Supplier<Throwable> probe;

    /** The provider ServiceLoader creates: asks Netty whether its native QUIC library loaded. */
    public QuicTunnelTransportProvider() {
        this(QuicTunnelTransportProvider::nettyCause);
    }

    /** A provider whose availability {@code probe} decides (the cause, or {@code null} when available). */
    QuicTunnelTransportProvider(Supplier<Throwable> probe) {
        this.probe = probe;
    }

    private static Throwable nettyCause() {
        try {
            return Quic.isAvailable() ? null : Quic.unavailabilityCause();
        } catch (LinkageError | RuntimeException e) {
            // The codec's classes themselves are missing or broken.
            return e;
        }
    }

    @Override
    public String scheme() {
        return "quic";
    }

    @Override
    public int priority() {
        return 0;
    }

    @Override
    public boolean isAvailable() {
        return probe.get() == null;
    }

    @Override
    public Throwable unavailabilityCause() {
        Throwable cause = probe.get();
        if (cause == null) {
            return null;
        }
        // Netty's cause names a library file; say what it means first.
        return new UnsupportedOperationException("Netty's native QUIC library (netty-codec-native-quic for "
                + System.getProperty("os.name") + "/" + System.getProperty("os.arch") + ") did not load: " + cause, cause);
    }

    @Override
    public TunnelTransport create(TunnelTransportSettings settings) {
        Throwable cause = unavailabilityCause();
        if (cause != null) {
            throw new IllegalArgumentException("quic:// tunnels are not available here: " + cause.getMessage(), cause);
        }
        return new QuicTunnelTransport(settings);
    }
}

package dev.gt.api.spi;

/**
 * A tunnel transport: how a client's tunnel to the server is carried ({@code tcp}, {@code tls},
 * {@code quic}), as opposed to the {@link IoEngine} every socket runs on. Implementations are found
 * with {@link java.util.ServiceLoader} ({@code META-INF/services/dev.gt.api.spi.TunnelTransportProvider});
 * the available provider of highest {@link #priority()} serves its {@link #scheme()}. gt-core knows
 * no transport by name: a {@code -remote} URL's scheme picks the provider.
 *
 * <p>A transport either gives the core an ordered, reliable byte pipe per tunnel (tcp, tls), over
 * which the core runs its multiplexer, or native streams ({@link TunnelConnection#hasNativeStreams()},
 * QUIC), one per visitor. Byte-pipe tunnels are accepted by the server on its shared listeners
 * (which also take visitors, told apart by their first bytes); a transport with a port of its own
 * accepts tunnels on a listener of its own.
 */
public interface TunnelTransportProvider {
    /** The URL scheme it serves: {@code tcp}, {@code tls}, {@code quic}. */
    String scheme();

    /** Among providers of one scheme, higher is preferred. */
    int priority();

    /** Whether this provider can run here (native library loaded, for instance). */
    boolean isAvailable();

    /** Why {@link #isAvailable()} is false, or {@code null}. */
    Throwable unavailabilityCause();

    /**
     * Creates the transport for one client or server; the caller owns it and closes it. Expensive
     * set-up (TLS contexts) happens here, once, not per dial.
     *
     * @throws IllegalArgumentException when the settings cannot be used (an unreadable CA file...)
     */
    TunnelTransport create(TunnelTransportSettings settings);
}

package dev.gt.api.spi;

import java.util.concurrent.CompletableFuture;

/** A tunnel transport set up for one client or server by its {@link TunnelTransportProvider}. */
public interface TunnelTransport extends AutoCloseable {
    /** The scheme it serves ({@code tcp}, {@code tls}, {@code quic}). */
    String scheme();

    /** What it is, for logs: {@code TLS by OpenSSL (BoringSSL)}, {@code TCP}. */
    String description();

    /**
     * Connects a tunnel to the server. The future completes with the connection once the
     * connection (for TLS: the TCP connection; the handshake goes on in the pipeline) is up, and
     * fails with the reason otherwise; {@link TunnelDialRequest#initializer()} has set up the
     * channel's pipeline before any byte is read.
     */
    CompletableFuture<TunnelConnection> dial(TunnelDialRequest request);

    /** Releases what {@link TunnelTransportProvider#create} set up; idempotent. */
    @Override
    void close();
}

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

    /**
     * Accepts tunnels on a port of the transport's own, for a transport that the server's shared
     * listeners cannot take (QUIC over UDP). The future completes once it listens, and fails with
     * the bind error. Byte-pipe transports (tcp, tls) are accepted on the shared listeners and do
     * not support this.
     */
    default CompletableFuture<TunnelListener> listen(TunnelListenRequest request) {
        return CompletableFuture.failedFuture(new UnsupportedOperationException(scheme()
                + " tunnels are accepted on the server's shared listeners, not on a port of their own"));
    }

    /** Releases what {@link TunnelTransportProvider#create} set up; idempotent. */
    @Override
    void close();
}

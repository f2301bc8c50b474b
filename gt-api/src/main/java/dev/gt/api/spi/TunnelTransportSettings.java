package dev.gt.api.spi;

import java.util.List;
import java.util.Objects;
import javax.net.ssl.X509TrustManager;

/**
 * How a tunnel transport is set up for one client: the I/O engine it runs on and, for transports
 * that use TLS, how the server is trusted.
 *
 * @param engine the I/O engine of the client or server
 * @param trustManager checks the server's certificate; {@code null} for the system trust store
 * @param verifyHostname whether the certificate must name the host of the URL (off for a pinned
 *     certificate, whose fingerprint names it exactly, and for insecure mode)
 * @param tlsProtocols the TLS versions allowed ({@code TLSv1.2}, {@code TLSv1.3}); empty for the
 *     provider's defaults
 */
public record TunnelTransportSettings(IoEngine engine, X509TrustManager trustManager, boolean verifyHostname,
        List<String> tlsProtocols) {
    /** Checks and copies the arguments. */
    public TunnelTransportSettings {
        Objects.requireNonNull(engine, "engine");
        tlsProtocols = List.copyOf(tlsProtocols);
    }
}

package dev.gt.api.spi;

import dev.gt.api.CongestionControl;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.util.List;
import java.util.Objects;
import javax.net.ssl.X509TrustManager;

/**
 * How a tunnel transport is set up for one client or server: the I/O engine it runs on, how a
 * client trusts the server and, for a server transport with a listener of its own, the
 * certificate it serves.
 *
 * @param engine the I/O engine of the client or server
 * @param trustManager checks the server's certificate; {@code null} for the system trust store
 * @param verifyHostname whether the certificate must name the host of the URL (off for a pinned
 *     certificate, whose fingerprint names it exactly, and for insecure mode)
 * @param tlsProtocols the TLS versions allowed ({@code TLSv1.2}, {@code TLSv1.3}); empty for the
 *     provider's defaults (QUIC is TLS 1.3 by definition and ignores it)
 * @param serverKey the private key of {@code serverCertificates}, or {@code null} for a client
 * @param serverCertificates the certificate chain a server presents, leaf first; empty for a client
 * @param congestionControl the congestion control of transports that run their own (QUIC)
 */
public record TunnelTransportSettings(IoEngine engine, X509TrustManager trustManager, boolean verifyHostname,
        List<String> tlsProtocols, PrivateKey serverKey, List<X509Certificate> serverCertificates,
        CongestionControl congestionControl) {
    /** Checks and copies the arguments. */
    public TunnelTransportSettings {
        Objects.requireNonNull(engine, "engine");
        tlsProtocols = List.copyOf(tlsProtocols);
        serverCertificates = List.copyOf(serverCertificates);
        Objects.requireNonNull(congestionControl, "congestionControl");
        if ((serverKey == null) != serverCertificates.isEmpty()) {
            throw new IllegalArgumentException("a server key needs its certificate chain, and the chain its key");
        }
    }

    /** Client settings with the default congestion control. */
    public TunnelTransportSettings(IoEngine engine, X509TrustManager trustManager, boolean verifyHostname,
            List<String> tlsProtocols) {
        this(engine, trustManager, verifyHostname, tlsProtocols, null, List.of(), CongestionControl.CUBIC);
    }

    /** Whether these settings can serve a listener (they hold a certificate). */
    public boolean isServer() {
        return serverKey != null;
    }
}

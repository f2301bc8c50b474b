package dev.gt.core.internal.tls;

import dev.gt.core.TlsVersion;
import io.netty.handler.ssl.OpenSsl;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslProvider;
import io.netty.handler.ssl.util.InsecureTrustManagerFactory;
import java.net.Socket;
import java.nio.file.Path;
import java.security.PrivateKey;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.util.List;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLException;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509ExtendedTrustManager;
import javax.net.ssl.X509TrustManager;
import java.io.IOException;
import java.security.GeneralSecurityException;
import java.security.KeyStore;

/** Builds Netty {@link SslContext}s: OpenSSL (BoringSSL via netty-tcnative) when it loads, else the JDK. */
public final class TlsContexts {
    private TlsContexts() {
    }

    /** The provider used for new contexts. */
    public static SslProvider provider() {
        return OpenSsl.isAvailable() ? SslProvider.OPENSSL : SslProvider.JDK;
    }

    /** A name for logs: {@code OpenSSL (BoringSSL ...)} or {@code JDK}. */
    public static String providerName() {
        return provider() == SslProvider.OPENSSL ? "OpenSSL (" + OpenSsl.versionString() + ")" : "JDK";
    }

    /** A server context for a key and its certificate chain. */
    public static SslContext server(PrivateKey key, List<X509Certificate> chain, TlsVersion min) throws SSLException {
        return SslContextBuilder.forServer(key, chain.toArray(new X509Certificate[0]))
                .sslProvider(provider())
                .protocols(min.protocols())
                .build();
    }

    /** A server context from PEM files ({@code -certFile}, {@code -keyFile}). */
    public static SslContext server(Path certFile, Path keyFile, TlsVersion min) throws SSLException {
        List<X509Certificate> chain = Certificates.readCertificates(certFile);
        PrivateKey key = Certificates.readPrivateKey(keyFile);
        return server(key, chain, min);
    }

    /** How a client checks the server. */
    public enum Trust { SYSTEM, CA_FILE, FINGERPRINT, INSECURE }

    /**
     * The trust manager for a client's tunnel transports, or {@code null} for the system trust
     * store.
     *
     * @param caFile the CA certificates to trust ({@link Trust#CA_FILE})
     * @param fingerprint the SHA-256 pin of the server certificate ({@link Trust#FINGERPRINT})
     */
    public static X509TrustManager trustManager(Trust trust, Path caFile, String fingerprint) {
        switch (trust) {
            case CA_FILE:
                try {
                    KeyStore store = KeyStore.getInstance(KeyStore.getDefaultType());
                    store.load(null, null);
                    int i = 0;
                    for (X509Certificate c : Certificates.readCertificates(caFile)) {
                        store.setCertificateEntry("ca-" + i++, c);
                    }
                    TrustManagerFactory f = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
                    f.init(store);
                    for (TrustManager m : f.getTrustManagers()) {
                        if (m instanceof X509TrustManager) {
                            return (X509TrustManager) m;
                        }
                    }
                    throw new IllegalStateException("no X.509 trust manager for " + caFile);
                } catch (GeneralSecurityException | IOException e) {
                    throw new IllegalArgumentException("cannot use the CA file " + caFile + ": " + e.getMessage(), e);
                }
            case FINGERPRINT:
                return new PinningTrustManager(fingerprint);
            case INSECURE:
                return (X509TrustManager) InsecureTrustManagerFactory.INSTANCE.getTrustManagers()[0];
            case SYSTEM:
            default:
                return null;
        }
    }

    /** Whether the server's certificate must name the host: not for a pin (it names one certificate) or insecure mode. */
    public static boolean verifiesHostname(Trust trust) {
        return trust == Trust.SYSTEM || trust == Trust.CA_FILE;
    }

    /** Trusts exactly the server certificate whose SHA-256 fingerprint is the pin. */
    static final class PinningTrustManager extends X509ExtendedTrustManager {
        private final String pin;

        PinningTrustManager(String pin) {
            this.pin = pin;
        }

        private void check(X509Certificate[] chain) throws CertificateException {
            if (chain == null || chain.length == 0) {
                throw new CertificateException("the server sent no certificate");
            }
            if (!Certificates.fingerprintMatches(chain[0], pin)) {
                throw new CertificateException("the server certificate's SHA-256 fingerprint is "
                        + Certificates.fingerprint(chain[0]) + ", not the pinned " + pin);
            }
        }

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType) throws CertificateException {
            check(chain);
        }

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType, Socket socket)
                throws CertificateException {
            check(chain);
        }

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType, SSLEngine engine)
                throws CertificateException {
            check(chain);
        }

        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType) throws CertificateException {
            throw new CertificateException("client certificates are not used");
        }

        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType, Socket socket)
                throws CertificateException {
            throw new CertificateException("client certificates are not used");
        }

        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType, SSLEngine engine)
                throws CertificateException {
            throw new CertificateException("client certificates are not used");
        }

        @Override
        public X509Certificate[] getAcceptedIssuers() {
            return new X509Certificate[0];
        }
    }
}

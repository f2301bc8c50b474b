package dev.gt.core.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.gt.api.ServiceSpec;
import dev.gt.core.GtClient;
import dev.gt.core.GtServer;
import dev.gt.core.internal.tls.Certificates;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.SNIHostName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** HTTPS termination on -tlsAddr with a tls:// tunnel pinned by fingerprint, and with a CA file. */
@Timeout(60)
class TlsSmokeTest {
    @TempDir
    Path dir;

    @Test
    void httpsVisitorThroughTlsTunnelPinnedByFingerprint() throws Exception {
        try (Backend backend = new Backend();
                GtServer server = GtServer.builder().tlsListenAddress("127.0.0.1:0").user("id1", "secret1").build()) {
            server.start().get();
            String pin = server.certificateFingerprint();
            try (GtClient client = GtClient.builder().id("id1").secret("secret1")
                    .server("tls://localhost:" + server.tlsListenAddress().getPort()).pinnedCertificateSha256(pin)
                    .service(ServiceSpec.local(backend.url()).build()).reconnectDelay(Duration.ofMillis(200)).build()) {
                client.start().get();
                String reply = httpsGet(server.tlsListenAddress().getPort(), "id1.example.com", trustAll());
                assertTrue(reply.startsWith("HTTP/1.1 200"), reply);
                assertTrue(reply.endsWith("ok GET /x host=id1.example.com"), reply);
            }
        }
    }

    @Test
    void tlsTunnelWithCaFile() throws Exception {
        Certificates.SelfSigned cert = Certificates.generateSelfSigned(List.of("localhost", "127.0.0.1"),
                Duration.ofDays(1));
        Path crt = dir.resolve("tls.crt");
        Path key = dir.resolve("tls.key");
        Certificates.writePem(crt, key, cert);
        try (Backend backend = new Backend();
                GtServer server = GtServer.builder().listenAddress("127.0.0.1:0").tlsListenAddress("127.0.0.1:0").certificateFile(crt)
                        .privateKeyFile(key).user("id1", "secret1").build()) {
            server.start().get();
            assertEquals(Certificates.fingerprint(cert.certificate()), server.certificateFingerprint());
            try (GtClient client = GtClient.builder().id("id1").secret("secret1")
                    .server("tls://localhost:" + server.tlsListenAddress().getPort()).trustedCertificates(crt)
                    .service(ServiceSpec.local(backend.url()).build()).build()) {
                client.start().get();
                RawHttp.Response r = RawHttp.get(server.listenAddress(), "id1.example.com", "/plain");
                assertEquals(200, r.status());
                assertEquals("ok GET /plain host=id1.example.com", r.text());
            }
        }
    }

    static SSLContext trustAll() throws Exception {
        SSLContext ctx = SSLContext.getInstance("TLS");
        ctx.init(null, io.netty.handler.ssl.util.InsecureTrustManagerFactory.INSTANCE.getTrustManagers(), null);
        return ctx;
    }

    static String httpsGet(int port, String host, SSLContext ctx) throws Exception {
        try (SSLSocket s = (SSLSocket) ctx.getSocketFactory().createSocket("127.0.0.1", port)) {
            SSLParameters p = s.getSSLParameters();
            p.setServerNames(List.of(new SNIHostName(host)));
            s.setSSLParameters(p);
            s.setSoTimeout(10_000);
            OutputStream out = s.getOutputStream();
            out.write(("GET /x HTTP/1.1\r\nHost: " + host + "\r\nConnection: close\r\n\r\n")
                    .getBytes(StandardCharsets.US_ASCII));
            out.flush();
            InputStream in = s.getInputStream();
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }


}

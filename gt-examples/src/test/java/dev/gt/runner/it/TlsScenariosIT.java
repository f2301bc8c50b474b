package dev.gt.runner.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.gt.core.internal.tls.Certificates;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * GT's README TLS scenarios with the runner, verbatim except for the ports and certificate files:
 * "Internal HTTPS Penetration", "Internal HTTPS SNI Penetration", "Encrypt Client-Server
 * Communication with TLS", and {@code -tlsVersion tls1.3} refusing a TLS 1.2 handshake. Visitors are
 * curl and openssl.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class TlsScenariosIT extends AcceptanceBase {

    @BeforeEach
    void tools() {
        Cmd.requireProgram("curl", "curl");
        Cmd.requireProgram("openssl", "openssl");
    }

    /** A self-signed certificate for {@code names} as {@code dir/name.crt} and {@code dir/name.key}. */
    private Path[] cert(String name, String... names) {
        Certificates.SelfSigned c = Certificates.generateSelfSigned(List.of(names), Duration.ofDays(1));
        Path crt = dir.resolve(name + ".crt");
        Path key = dir.resolve(name + ".key");
        Certificates.writePem(crt, key, c);
        return new Path[] {crt, key};
    }

    @Test
    void internalHttpsPenetration() {
        Path[] tls = cert("tls", "id1.example.com", "localhost");
        int p = Ports.free();
        LocalHttp web = closeLater(LocalHttp.start("web"));
        server("server", "-addr", "", "-tlsAddr", s(p), "-certFile", tls[0].toString(), "-keyFile",
                tls[1].toString(), "-id", "id1", "-secret", "secret1");
        GtProcess client = client("client", "-local", web.url(), "-remote", "tls://id1.example.com:" + p,
                "-remoteCertInsecure", "-id", "id1", "-secret", "secret1");
        awaitReady(client);

        String body = curl("--cacert", tls[0].toString(), "--resolve", resolve("id1.example.com", p),
                "https://id1.example.com:" + p + "/x").ok();
        assertEquals(web.expectedGet("id1.example.com:" + p, "/x"), body);
        // The certificate is checked: without the CA curl refuses it.
        Cmd.Result untrusted = curl("--resolve", resolve("id1.example.com", p), "https://id1.example.com:" + p + "/");
        assertNotEquals(0, untrusted.exit(), untrusted::toString);
    }

    @Test
    void internalHttpsSniPenetration() {
        Path[] backend = cert("backend", "id1.example.com");
        int h = Ports.free();
        GtProcess https = closeLater(GtProcess.program(dir, "s_server", "openssl", "s_server", "-accept", s(h),
                "-cert", backend[0].toString(), "-key", backend[1].toString(), "-www"));
        https.awaitLine("ACCEPT", START);

        int p = Ports.free();
        int sni = Ports.free();
        server("server", "-addr", s(p), "-sniAddr", s(sni), "-id", "id1", "-secret", "secret1");
        GtProcess client = client("client", "-local", "https://127.0.0.1:" + h, "-remote",
                "tcp://id1.example.com:" + p, "-id", "id1", "-secret", "secret1");
        awaitReady(client);

        // curl verifies the backend's own certificate: TLS is end to end through the tunnel.
        String page = curl("--cacert", backend[0].toString(), "--resolve", resolve("id1.example.com", sni),
                "https://id1.example.com:" + sni + "/").ok();
        assertTrue(page.contains("s_server"), "not openssl's status page:\n" + page);
        // Another CA does not verify it.
        Path[] other = cert("other", "id1.example.com");
        Cmd.Result wrong = curl("--cacert", other[0].toString(), "--resolve", resolve("id1.example.com", sni),
                "https://id1.example.com:" + sni + "/");
        assertNotEquals(0, wrong.exit(), wrong::toString);
    }

    @Test
    void encryptClientServerCommunicationWithTls() {
        Path[] tls = cert("tls", "id1.example.com", "localhost");
        int p = Ports.free();
        int t = Ports.free();
        LocalHttp web = closeLater(LocalHttp.start("web"));
        server("server", "-addr", s(p), "-tlsAddr", s(t), "-certFile", tls[0].toString(), "-keyFile",
                tls[1].toString(), "-id", "id1", "-secret", "secret1");
        GtProcess client = client("client", "-local", web.url(), "-remote", "tls://id1.example.com:" + t,
                "-remoteCertInsecure", "-id", "id1", "-secret", "secret1");
        awaitReady(client);

        String body = curl("--resolve", resolve("id1.example.com", p), "http://id1.example.com:" + p + "/plain").ok();
        assertEquals(web.expectedGet("id1.example.com:" + p, "/plain"), body);
        String secure = curl("--cacert", tls[0].toString(), "--resolve", resolve("id1.example.com", t),
                "https://id1.example.com:" + t + "/secure").ok();
        assertEquals(web.expectedGet("id1.example.com:" + t, "/secure"), secure);
    }

    @Test
    void tlsVersion13RefusesTls12Handshakes() {
        Path[] tls = cert("tls", "id1.example.com", "localhost");
        int p = Ports.free();
        int t = Ports.free();
        server("server", "-addr", s(p), "-tlsAddr", s(t), "-certFile", tls[0].toString(), "-keyFile",
                tls[1].toString(), "-tlsVersion", "tls1.3", "-id", "id1", "-secret", "secret1");

        Cmd.Result tls12 = Cmd.run(dir, CURL, "openssl", "s_client", "-connect", "127.0.0.1:" + t, "-servername",
                "id1.example.com", "-tls1_2");
        assertNotEquals(0, tls12.exit(), tls12::toString);
        // Refused by the TLS handshake (an alert such as protocol_version), not by a failed connect.
        assertTrue((tls12.stdout() + tls12.stderr()).toLowerCase(java.util.Locale.ROOT).contains("alert"),
                tls12::toString);
        Cmd.Result tls13 = Cmd.run(dir, CURL, "openssl", "s_client", "-connect", "127.0.0.1:" + t, "-servername",
                "id1.example.com", "-tls1_3");
        assertEquals(0, tls13.exit(), tls13::toString);
        assertTrue(tls13.stdout().contains("TLSv1.3"), tls13::toString);
    }
}

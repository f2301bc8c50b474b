package dev.gt.core.internal.tls;

import dev.gt.core.internal.tls.Certificates.SelfSigned;
import io.netty.buffer.ByteBuf;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslHandler;
import io.netty.handler.ssl.SslProvider;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.ValueSource;

import javax.net.ssl.SSLHandshakeException;
import javax.net.ssl.SSLSession;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.Signature;
import java.security.cert.X509Certificate;
import java.security.interfaces.ECPrivateKey;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;


@Timeout(value = 120, unit = TimeUnit.SECONDS)
class CertificatesTest {

    private static final String NO_KEY = " has no PEM private key (expected BEGIN PRIVATE KEY, BEGIN RSA PRIVATE KEY"
            + " or BEGIN EC PRIVATE KEY)";

    /** openssl config of our own, so the tests do not depend on the system's openssl.cnf. */
    private static final String OPENSSL_CONFIG = String.join("\n",
            "[req]",
            "distinguished_name = dn",
            "prompt = no",
            "[dn]",
            "CN = unused",
            "[ca]",
            "basicConstraints = critical,CA:TRUE",
            "keyUsage = critical,keyCertSign,cRLSign",
            "subjectKeyIdentifier = hash",
            "[leaf]",
            "basicConstraints = CA:FALSE",
            "keyUsage = critical,digitalSignature,keyEncipherment",
            "extendedKeyUsage = serverAuth",
            "subjectAltName = DNS:localhost,IP:127.0.0.1",
            "");

    @TempDir
    static Path dir;
    private static boolean openssl;
    private static Path config;

    /** Key files produced by the openssl command line, in the forms operators bring. */
    enum KeyForm {
        RSA_TRADITIONAL("RSA", "-----BEGIN RSA PRIVATE KEY-----", "genrsa", "-traditional", "-out", "%s", "2048"),
        RSA_PKCS8("RSA", "-----BEGIN PRIVATE KEY-----", "genpkey", "-algorithm", "RSA", "-pkeyopt",
                "rsa_keygen_bits:2048", "-out", "%s"),
        EC_TRADITIONAL("EC", "-----BEGIN EC PRIVATE KEY-----", "ecparam", "-genkey", "-name", "prime256v1", "-noout",
                "-out", "%s"),
        /** Without -noout: an EC PARAMETERS block comes first and must be skipped. */
        EC_TRADITIONAL_WITH_PARAMETERS("EC", "-----BEGIN EC PARAMETERS-----", "ecparam", "-genkey", "-name",
                "prime256v1", "-out", "%s"),
        EC_PKCS8("EC", "-----BEGIN PRIVATE KEY-----", "genpkey", "-algorithm", "EC", "-pkeyopt",
                "ec_paramgen_curve:P-256", "-out", "%s");

        final String algorithm;
        final String firstLine;
        final String[] command;

        KeyForm(String algorithm, String firstLine, String... command) {
            this.algorithm = algorithm;
            this.firstLine = firstLine;
            this.command = command;
        }

        Path key() {
            return dir.resolve(name().toLowerCase(Locale.ROOT) + ".key.pem");
        }

        Path certificate() {
            return dir.resolve(name().toLowerCase(Locale.ROOT) + ".cert.pem");
        }
    }

    @BeforeAll
    static void makeOpensslMaterial() throws Exception {
        openssl = run("version").startsWith("OpenSSL");
        if (!openssl) {
            return;
        }
        config = dir.resolve("openssl.cnf");
        Files.writeString(config, OPENSSL_CONFIG);
        for (KeyForm form : KeyForm.values()) {
            String[] command = form.command.clone();
            for (int i = 0; i < command.length; i++) {
                command[i] = command[i].replace("%s", form.key().toString());
            }
            run(command);
            run("req", "-x509", "-new", "-key", form.key().toString(), "-config", config.toString(),
                    "-extensions", "leaf", "-subj", "/CN=localhost", "-days", "2", "-out", form.certificate().toString());
        }
    }

    // --- generation ---

    @Test
    void generatedCertificateIsSelfSignedEcdsaP256() throws Exception {
        SelfSigned s = Certificates.generateSelfSigned(List.of("localhost", "127.0.0.1"), Duration.ofDays(30));
        X509Certificate c = s.certificate();
        c.verify(c.getPublicKey());
        c.checkValidity();
        assertEquals("SHA256withECDSA", c.getSigAlgName());
        assertEquals("EC", s.key().getAlgorithm());
        assertEquals(256, ((ECPrivateKey) s.key()).getParams().getCurve().getField().getFieldSize());
        assertEquals("CN=localhost", c.getSubjectX500Principal().getName());
        assertEquals(c.getSubjectX500Principal(), c.getIssuerX500Principal());
        assertKeyMatches(s.key(), c.getPublicKey());
        assertEquals(3, c.getVersion());
        assertTrue(c.getSerialNumber().signum() > 0 && c.getSerialNumber().bitLength() <= 128);
        assertNotNull(c.getExtensionValue("2.5.29.14"), "subject key identifier");
    }

    @Test
    void generatedCertificateIsAServerLeaf() throws Exception {
        X509Certificate c = Certificates.generateSelfSigned(List.of("gt.example"), Duration.ofDays(1)).certificate();
        assertEquals(-1, c.getBasicConstraints(), "not a CA");
        boolean[] usage = c.getKeyUsage();
        assertTrue(usage[0], "digitalSignature");
        for (int i = 1; i < usage.length; i++) {
            assertFalse(usage[i], "key usage bit " + i);
        }
        assertEquals(List.of("1.3.6.1.5.5.7.3.1"), c.getExtendedKeyUsage());
        assertTrue(c.getCriticalExtensionOIDs().containsAll(List.of("2.5.29.19", "2.5.29.15")));
    }

    @Test
    void namesBecomeDnsAndIpSubjectAltNames() throws Exception {
        X509Certificate c = Certificates.generateSelfSigned(
                List.of("localhost", "127.0.0.1", "::1", "[fe80::2]", "*.tunnel.example", "gt_1.example"),
                Duration.ofDays(1)).certificate();
        List<List<?>> sans = new ArrayList<>(c.getSubjectAlternativeNames());
        assertEquals(List.of(
                List.of(2, "localhost"),
                List.of(7, "127.0.0.1"),
                List.of(7, "0:0:0:0:0:0:0:1"),
                List.of(7, "fe80:0:0:0:0:0:0:2"),
                List.of(2, "*.tunnel.example"),
                List.of(2, "gt_1.example")), sans);
    }

    @Test
    void validityStartsAnHourAgoAndLastsAsAsked() {
        Instant before = Instant.now();
        X509Certificate c = Certificates.generateSelfSigned(List.of("a"), Duration.ofDays(90)).certificate();
        Instant after = Instant.now();
        // X.509 times have whole seconds.
        Instant notBefore = c.getNotBefore().toInstant();
        Instant notAfter = c.getNotAfter().toInstant();
        assertTrue(!notBefore.isBefore(before.minus(Duration.ofHours(1)).minusSeconds(1))
                && !notBefore.isAfter(after.minus(Duration.ofHours(1))), notBefore::toString);
        assertTrue(!notAfter.isBefore(before.plus(Duration.ofDays(90)).minusSeconds(1))
                && !notAfter.isAfter(after.plus(Duration.ofDays(90))), notAfter::toString);
    }

    @Test
    void everyGenerationHasItsOwnKeyAndSerial() {
        SelfSigned a = Certificates.generateSelfSigned(List.of("a"), Duration.ofDays(1));
        SelfSigned b = Certificates.generateSelfSigned(List.of("a"), Duration.ofDays(1));
        assertNotEquals(a.certificate().getSerialNumber(), b.certificate().getSerialNumber());
        assertFalse(MessageDigest.isEqual(a.key().getEncoded(), b.key().getEncoded()));
        assertNotEquals(a.sha256Fingerprint(), b.sha256Fingerprint());
    }

    @Test
    void invalidArgumentsAreRefused() {
        Duration day = Duration.ofDays(1);
        assertEquals("names [] (expected at least one DNS name or IP address)", assertThrows(
                IllegalArgumentException.class, () -> Certificates.generateSelfSigned(List.of(), day)).getMessage());
        assertEquals("name 'a b' (expected a DNS name or an IP address)", assertThrows(IllegalArgumentException.class,
                () -> Certificates.generateSelfSigned(List.of("a b"), day)).getMessage());
        assertThrows(IllegalArgumentException.class, () -> Certificates.generateSelfSigned(List.of(""), day));
        assertThrows(IllegalArgumentException.class, () -> Certificates.generateSelfSigned(List.of("b\u00fccher.de"), day));
        assertEquals("validity PT0S (expected a positive duration)", assertThrows(IllegalArgumentException.class,
                () -> Certificates.generateSelfSigned(List.of("a"), Duration.ZERO)).getMessage());
        assertThrows(IllegalArgumentException.class,
                () -> Certificates.generateSelfSigned(List.of("a"), Duration.ofSeconds(-1)));
    }

    @Test
    void toStringLeavesTheKeyOut() {
        SelfSigned s = Certificates.generateSelfSigned(List.of("a"), Duration.ofDays(1));
        assertEquals("SelfSigned[subject=CN=a, sha256Fingerprint=" + s.sha256Fingerprint() + "]", s.toString());
    }

    // --- fingerprints ---

    @Test
    void fingerprintIsColonSeparatedUpperCaseSha256() throws Exception {
        SelfSigned s = Certificates.generateSelfSigned(List.of("a"), Duration.ofDays(1));
        String fingerprint = Certificates.fingerprint(s.certificate());
        assertTrue(fingerprint.matches("([0-9A-F]{2}:){31}[0-9A-F]{2}"), fingerprint);
        assertEquals(fingerprint, s.sha256Fingerprint());
        byte[] digest = MessageDigest.getInstance("SHA-256").digest(s.certificate().getEncoded());
        assertArrayEquals(digest, Certificates.fingerprintBytes(s.certificate()));
        assertEquals(HexFormat.ofDelimiter(":").withUpperCase().formatHex(digest), fingerprint);
    }

    @Test
    void fingerprintEqualsOpenssl() throws Exception {
        assertTrue(openssl, "the openssl command line is needed (apt-get install openssl; .ci/run installs it)");
        SelfSigned s = Certificates.generateSelfSigned(List.of("a"), Duration.ofDays(1));
        Path cert = dir.resolve("fp.cert.pem");
        Certificates.writePem(cert, dir.resolve("fp.key.pem"), s);
        String out = run("x509", "-in", cert.toString(), "-noout", "-fingerprint", "-sha256").strip();
        // "sha256 Fingerprint=AB:..." (OpenSSL 3) or "SHA256 Fingerprint=AB:..." (1.1).
        assertEquals(s.sha256Fingerprint(), out.substring(out.indexOf('=') + 1));
    }

    @Test
    void fingerprintMatchesAnySpelling() {
        SelfSigned s = Certificates.generateSelfSigned(List.of("a"), Duration.ofDays(1));
        String pin = s.sha256Fingerprint();
        X509Certificate c = s.certificate();
        assertTrue(Certificates.fingerprintMatches(c, pin));
        assertTrue(Certificates.fingerprintMatches(c, pin.toLowerCase(Locale.ROOT)));
        assertTrue(Certificates.fingerprintMatches(c, pin.replace(":", "")));
        assertTrue(Certificates.fingerprintMatches(c, pin.replace(":", "").toLowerCase(Locale.ROOT)));

        SelfSigned other = Certificates.generateSelfSigned(List.of("a"), Duration.ofDays(1));
        assertFalse(Certificates.fingerprintMatches(c, other.sha256Fingerprint()));
        assertFalse(Certificates.fingerprintMatches(other.certificate(), pin));
        char last = pin.charAt(pin.length() - 1);
        assertFalse(Certificates.fingerprintMatches(c, pin.substring(0, pin.length() - 1) + (last == '0' ? '1' : '0')));
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "abc", "sha256:00", "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcde",
            "zz23456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"})
    void malformedPinIsRefused(String pin) {
        X509Certificate c = Certificates.generateSelfSigned(List.of("a"), Duration.ofDays(1)).certificate();
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Certificates.fingerprintMatches(c, pin));
        assertEquals("pin '" + pin + "' (expected a SHA-256 fingerprint: 64 hex digits, optionally ':'-separated)",
                e.getMessage());
    }

    // --- PEM files ---

    @Test
    void writtenPemReadsBack() throws Exception {
        SelfSigned s = Certificates.generateSelfSigned(List.of("localhost"), Duration.ofDays(1));
        Path cert = dir.resolve("rb.cert.pem");
        Path key = dir.resolve("rb.key.pem");
        Certificates.writePem(cert, key, s);
        assertTrue(Files.readString(cert).startsWith("-----BEGIN CERTIFICATE-----"));
        assertTrue(Files.readString(key).startsWith("-----BEGIN PRIVATE KEY-----"), "PKCS#8");
        assertEquals(List.of(s.certificate()), Certificates.readCertificates(cert));
        PrivateKey read = Certificates.readPrivateKey(key);
        assertArrayEquals(s.key().getEncoded(), read.getEncoded());
        assertKeyMatches(read, s.certificate().getPublicKey());
        if (key.getFileSystem().supportedFileAttributeViews().contains("posix")) {
            assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(key)));
        }
    }

    @Test
    void rewritingNarrowsAnExistingKeyFile() throws Exception {
        Path key = dir.resolve("narrow.key.pem");
        assertTrue(key.getFileSystem().supportedFileAttributeViews().contains("posix"), "a POSIX file system");
        Files.writeString(key, "old content that is longer than nothing");
        Files.setPosixFilePermissions(key, PosixFilePermissions.fromString("rw-r--r--"));
        SelfSigned s = Certificates.generateSelfSigned(List.of("a"), Duration.ofDays(1));
        Certificates.writePem(dir.resolve("narrow.cert.pem"), key, s);
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(key)));
        assertArrayEquals(s.key().getEncoded(), Certificates.readPrivateKey(key).getEncoded());
    }

    @Test
    void opensslReadsWhatWasWritten() throws Exception {
        assertTrue(openssl, "the openssl command line is needed (apt-get install openssl; .ci/run installs it)");
        SelfSigned s = Certificates.generateSelfSigned(List.of("localhost"), Duration.ofDays(1));
        Path cert = dir.resolve("interop.cert.pem");
        Path key = dir.resolve("interop.key.pem");
        Certificates.writePem(cert, key, s);
        String fromCert = run("x509", "-in", cert.toString(), "-noout", "-pubkey");
        String fromKey = run("pkey", "-in", key.toString(), "-pubout");
        assertEquals(fromCert, fromKey);
        assertTrue(run("x509", "-in", cert.toString(), "-noout", "-text").contains("DNS:localhost"));
    }

    @ParameterizedTest
    @EnumSource(KeyForm.class)
    void opensslKeysAreRead(KeyForm form) throws Exception {
        assertTrue(openssl, "the openssl command line is needed (apt-get install openssl; .ci/run installs it)");
        assertTrue(Files.readString(form.key()).startsWith(form.firstLine), form.firstLine);
        PrivateKey key = Certificates.readPrivateKey(form.key());
        assertEquals(form.algorithm, key.getAlgorithm());
        List<X509Certificate> certificates = Certificates.readCertificates(form.certificate());
        assertEquals(1, certificates.size());
        assertKeyMatches(key, certificates.get(0).getPublicKey());
    }

    @ParameterizedTest
    @EnumSource(KeyForm.class)
    void nettyServesOpensslKeysOverTls13(KeyForm form) throws Exception {
        assertTrue(openssl, "the openssl command line is needed (apt-get install openssl; .ci/run installs it)");
        X509Certificate certificate = Certificates.readCertificates(form.certificate()).get(0);
        SslContext server = serverContext(Certificates.readPrivateKey(form.key()), certificate);
        SSLSession session = handshake(server, clientTrusting(certificate), "localhost");
        assertEquals("TLSv1.3", session.getProtocol());
        assertEquals(certificate, session.getPeerCertificates()[0]);
    }

    @ParameterizedTest
    @ValueSource(strings = {"localhost", "127.0.0.1"})
    void nettyServesTheGeneratedCertificateOverTls13(String host) throws Exception {
        SelfSigned s = Certificates.generateSelfSigned(List.of("localhost", "127.0.0.1"), Duration.ofDays(1));
        // Through files, as a server configured with certFile/keyFile would load them.
        Path cert = dir.resolve("netty-" + host + ".cert.pem");
        Path key = dir.resolve("netty-" + host + ".key.pem");
        Certificates.writePem(cert, key, s);
        SslContext server = serverContext(Certificates.readPrivateKey(key), Certificates.readCertificates(cert).get(0));
        SSLSession session = handshake(server, clientTrusting(s.certificate()), host);
        assertEquals("TLSv1.3", session.getProtocol());
        X509Certificate peer = (X509Certificate) session.getPeerCertificates()[0];
        assertTrue(Certificates.fingerprintMatches(peer, s.sha256Fingerprint()));
    }

    @Test
    void clientRefusesAnUntrustedOrMisnamedCertificate() throws Exception {
        SelfSigned s = Certificates.generateSelfSigned(List.of("localhost"), Duration.ofDays(1));
        SelfSigned stranger = Certificates.generateSelfSigned(List.of("localhost"), Duration.ofDays(1));
        SslContext server = serverContext(s.key(), s.certificate());
        assertInstanceOf(SSLHandshakeException.class,
                handshakeFailure(server, clientTrusting(stranger.certificate()), "localhost"));
        // Hostname verification is on: the SAN must name the host dialled.
        assertInstanceOf(SSLHandshakeException.class,
                handshakeFailure(server, clientTrusting(s.certificate()), "other.example"));
    }

    @Test
    void chainIsReadInOrderAndVerifiesUpToItsCa() throws Exception {
        assertTrue(openssl, "the openssl command line is needed (apt-get install openssl; .ci/run installs it)");
        Path caKey = dir.resolve("ca.key.pem");
        Path ca = dir.resolve("ca.cert.pem");
        Path leafKey = dir.resolve("leaf.key.pem");
        Path csr = dir.resolve("leaf.csr");
        Path leaf = dir.resolve("leaf.cert.pem");
        run("genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256", "-out", caKey.toString());
        run("req", "-x509", "-new", "-key", caKey.toString(), "-config", config.toString(), "-extensions", "ca",
                "-subj", "/CN=GT Test CA", "-days", "2", "-out", ca.toString());
        run("genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256", "-out", leafKey.toString());
        run("req", "-new", "-key", leafKey.toString(), "-config", config.toString(), "-subj", "/CN=localhost",
                "-out", csr.toString());
        run("x509", "-req", "-in", csr.toString(), "-CA", ca.toString(), "-CAkey", caKey.toString(),
                "-CAcreateserial", "-days", "2", "-extfile", config.toString(), "-extensions", "leaf",
                "-out", leaf.toString());
        Path chain = dir.resolve("chain.pem");
        // A combined file as some tools write it: key, leaf, CA, with text between the blocks.
        Files.writeString(chain, Files.readString(leafKey) + "comment line\n" + Files.readString(leaf)
                + Files.readString(ca));

        List<X509Certificate> certificates = Certificates.readCertificates(chain);
        assertEquals(2, certificates.size());
        X509Certificate caCertificate = Certificates.readCertificates(ca).get(0);
        assertEquals("CN=localhost", certificates.get(0).getSubjectX500Principal().getName());
        assertEquals(caCertificate, certificates.get(1));
        certificates.get(0).verify(caCertificate.getPublicKey());
        PrivateKey key = Certificates.readPrivateKey(chain);

        SslContext server = SslContextBuilder.forServer(key, certificates.toArray(new X509Certificate[0]))
                .sslProvider(SslProvider.JDK).protocols("TLSv1.3").build();
        SSLSession session = handshake(server, clientTrusting(caCertificate), "localhost");
        assertEquals(2, session.getPeerCertificates().length);
    }

    // --- PEM errors ---

    @Test
    void missingFileIsNamed() {
        Path missing = dir.resolve("missing.pem");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Certificates.readPrivateKey(missing));
        assertEquals("file " + missing + " does not exist (expected BEGIN PRIVATE KEY, BEGIN RSA PRIVATE KEY or"
                + " BEGIN EC PRIVATE KEY)", e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> Certificates.readCertificates(missing));
        assertEquals("file " + missing + " does not exist (expected BEGIN CERTIFICATE)", e.getMessage());
    }

    @Test
    void fileWithoutTheExpectedBlockIsNamed() throws Exception {
        SelfSigned s = Certificates.generateSelfSigned(List.of("a"), Duration.ofDays(1));
        Path cert = dir.resolve("only.cert.pem");
        Path key = dir.resolve("only.key.pem");
        Certificates.writePem(cert, key, s);
        assertEquals("file " + cert + NO_KEY, assertThrows(IllegalArgumentException.class,
                () -> Certificates.readPrivateKey(cert)).getMessage());
        assertEquals("file " + key + " has no PEM certificate (expected BEGIN CERTIFICATE)",
                assertThrows(IllegalArgumentException.class, () -> Certificates.readCertificates(key)).getMessage());
        // DER, not PEM.
        Path der = dir.resolve("key.der");
        Files.write(der, s.key().getEncoded());
        assertEquals("file " + der + NO_KEY, assertThrows(IllegalArgumentException.class,
                () -> Certificates.readPrivateKey(der)).getMessage());
        Path empty = dir.resolve("empty.pem");
        Files.writeString(empty, "");
        assertEquals("file " + empty + NO_KEY, assertThrows(IllegalArgumentException.class,
                () -> Certificates.readPrivateKey(empty)).getMessage());
    }

    @Test
    void corruptKeyErrorsDoNotLeakKeyMaterial() throws Exception {
        SelfSigned s = Certificates.generateSelfSigned(List.of("a"), Duration.ofDays(1));
        Path good = dir.resolve("corrupt-source.key.pem");
        Certificates.writePem(dir.resolve("corrupt-source.cert.pem"), good, s);
        String pem = Files.readString(good);
        String body = pem.substring(pem.indexOf('\n') + 1, pem.indexOf("-----END"));
        String base64 = body.replace("\n", "").replace("\r", "");
        List<String> corruptions = List.of(
                // Not base64.
                pem.replace(body, body.substring(0, 10) + "*%!" + body.substring(13)),
                // Valid base64 of truncated DER.
                pem.replace(body, Base64.getMimeEncoder().encodeToString(
                        java.util.Arrays.copyOf(s.key().getEncoded(), 40)) + "\n"),
                // Valid DER of something that is not a key.
                pem.replace(body, Base64.getMimeEncoder().encodeToString(new byte[] {0x30, 0x03, 0x02, 0x01, 0x05})
                        + "\n"));
        int i = 0;
        for (String corrupt : corruptions) {
            Path file = dir.resolve("corrupt-" + i++ + ".key.pem");
            Files.writeString(file, corrupt);
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> Certificates.readPrivateKey(file));
            assertTrue(e.getMessage().startsWith("file " + file + " "), e.getMessage());
            assertTrue(e.getMessage().endsWith("(expected BEGIN PRIVATE KEY, BEGIN RSA PRIVATE KEY or BEGIN EC"
                    + " PRIVATE KEY)"), e.getMessage());
            // Neither our message nor any cause's may quote the key: check every 12-character window.
            for (Throwable t = e; t != null; t = t.getCause()) {
                String message = String.valueOf(t.getMessage());
                for (int at = 0; at + 12 <= base64.length(); at += 4) {
                    String window = base64.substring(at, at + 12);
                    assertFalse(message.contains(window), () -> "message quotes the key: " + message);
                }
            }
        }
    }

    @Test
    void encryptedKeyIsRefusedByName() throws Exception {
        assertTrue(openssl, "the openssl command line is needed (apt-get install openssl; .ci/run installs it)");
        Path encrypted = dir.resolve("encrypted.key.pem");
        run("genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256", "-aes256", "-pass", "pass:secret",
                "-out", encrypted.toString());
        assertTrue(Files.readString(encrypted).startsWith("-----BEGIN ENCRYPTED PRIVATE KEY-----"));
        assertEquals("file " + encrypted + " has an encrypted private key (expected an unencrypted BEGIN PRIVATE KEY,"
                + " BEGIN RSA PRIVATE KEY or BEGIN EC PRIVATE KEY)", assertThrows(IllegalArgumentException.class,
                () -> Certificates.readPrivateKey(encrypted)).getMessage());
        Path traditional = dir.resolve("encrypted-traditional.key.pem");
        run("genrsa", "-traditional", "-aes128", "-passout", "pass:secret", "-out", traditional.toString(), "1024");
        assertTrue(Files.readString(traditional).contains("Proc-Type: 4,ENCRYPTED"));
        assertThrows(IllegalArgumentException.class, () -> Certificates.readPrivateKey(traditional));
    }

    // --- helpers ---

    private static void assertKeyMatches(PrivateKey key, PublicKey publicKey) throws Exception {
        String algorithm = key.getAlgorithm().equals("RSA") ? "SHA256withRSA" : "SHA256withECDSA";
        byte[] data = "proof of possession".getBytes(StandardCharsets.US_ASCII);
        Signature signer = Signature.getInstance(algorithm);
        signer.initSign(key);
        signer.update(data);
        byte[] signature = signer.sign();
        Signature verifier = Signature.getInstance(algorithm);
        verifier.initVerify(publicKey);
        verifier.update(data);
        assertTrue(verifier.verify(signature), "private key does not match the certificate");
    }

    private static SslContext serverContext(PrivateKey key, X509Certificate certificate) throws Exception {
        return SslContextBuilder.forServer(key, certificate).sslProvider(SslProvider.JDK).protocols("TLSv1.3").build();
    }

    private static SslContext clientTrusting(X509Certificate trusted) throws Exception {
        return SslContextBuilder.forClient().sslProvider(SslProvider.JDK).protocols("TLSv1.3").trustManager(trusted)
                .build();
    }

    /** Runs a handshake between two EmbeddedChannels and returns the client's session. */
    private static SSLSession handshake(SslContext server, SslContext client, String host) throws Exception {
        Throwable failure = handshakeFailure(server, client, host);
        if (failure instanceof Exception e) {
            throw e;
        }
        assertNull(failure);
        return lastClientSession;
    }

    private static SSLSession lastClientSession;

    /** Runs a handshake; returns the client's failure cause, or null after success. */
    private static Throwable handshakeFailure(SslContext server, SslContext client, String host) {
        SslHandler serverHandler = server.newHandler(io.netty.buffer.ByteBufAllocator.DEFAULT);
        // With the peer host, the JDK engine sends SNI and checks the certificate names against it.
        SslHandler clientHandler = client.newHandler(io.netty.buffer.ByteBufAllocator.DEFAULT, host, 443);
        EmbeddedChannel serverChannel = new EmbeddedChannel(serverHandler);
        EmbeddedChannel clientChannel = new EmbeddedChannel(clientHandler);
        try {
            for (int round = 0; round < 20 && !(clientHandler.handshakeFuture().isDone()
                    && serverHandler.handshakeFuture().isDone()); round++) {
                pump(clientChannel, serverChannel);
                pump(serverChannel, clientChannel);
            }
            assertTrue(clientHandler.handshakeFuture().isDone(), "handshake did not finish");
            lastClientSession = clientHandler.engine().getSession();
            return clientHandler.handshakeFuture().cause();
        } finally {
            close(serverChannel);
            close(clientChannel);
        }
    }

    private static void close(EmbeddedChannel channel) {
        try {
            channel.finishAndReleaseAll();
        } catch (RuntimeException alreadyReported) {
            // A failed handshake is rethrown on finish; buffers are released regardless.
        }
    }

    /** Moves every outbound record of one channel into the other; a failure shows up in the handshake future. */
    private static void pump(EmbeddedChannel from, EmbeddedChannel to) {
        for (Object message; (message = from.readOutbound()) != null; ) {
            if (!to.isOpen()) {
                ((ByteBuf) message).release();
                continue;
            }
            try {
                to.writeInbound(message);
            } catch (RuntimeException handshakeError) {
                // EmbeddedChannel rethrows what the SslHandler fired; the handshake future has it too.
            }
        }
    }

    private static String run(String... arguments) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>();
        command.add("openssl");
        command.addAll(List.of(arguments));
        Process process;
        try {
            process = new ProcessBuilder(command).redirectErrorStream(true).start();
        } catch (IOException notInstalled) {
            return "";
        }
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(process.waitFor(60, TimeUnit.SECONDS), "openssl did not exit");
        assertEquals(0, process.exitValue(), () -> String.join(" ", command) + ":\n" + output);
        return output;
    }
}

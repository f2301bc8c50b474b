package dev.gt.core.internal.tls;

import io.netty.util.NetUtil;
import org.bouncycastle.asn1.DEROctetString;
import org.bouncycastle.asn1.pkcs.PrivateKeyInfo;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x500.X500NameBuilder;
import org.bouncycastle.asn1.x500.style.BCStyle;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.CertIOException;
import org.bouncycastle.cert.X509CertificateHolder;
import org.bouncycastle.cert.X509v3CertificateBuilder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509ExtensionUtils;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.openssl.PEMEncryptedKeyPair;
import org.bouncycastle.openssl.PEMException;
import org.bouncycastle.openssl.PEMKeyPair;
import org.bouncycastle.openssl.PEMParser;
import org.bouncycastle.openssl.jcajce.JcaPEMKeyConverter;
import org.bouncycastle.openssl.jcajce.JcaPEMWriter;
import org.bouncycastle.openssl.jcajce.JcaPKCS8Generator;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.bouncycastle.pkcs.PKCS8EncryptedPrivateKeyInfo;

import java.io.IOException;
import java.io.StringReader;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.nio.channels.SeekableByteChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.OpenOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.PrivateKey;
import java.security.SecureRandom;
import java.security.cert.CertificateEncodingException;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Date;
import java.util.EnumSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Objects;
import java.util.Set;

/**
 * X.509 certificates and PEM files for the TLS listeners and the QUIC transport: a self-signed
 * ECDSA P-256 certificate when none is configured, SHA-256 fingerprints for pinning, and reading
 * operator-supplied keys and chains.
 *
 * <p>GT's generated certificate has no names and no validity dates, which forces clients to turn
 * verification off (GT §6.2, §9.20). The certificate made here names the server (DNS and IP SANs),
 * is valid for a stated period and is meant to be trusted by pinning its fingerprint.
 *
 * <p>BouncyCastle is used explicitly for X.509 building and PEM parsing only; it is never
 * registered as a JCA provider, so keys, signatures and certificates are the JDK's own objects and
 * work with any {@code SSLEngine}. Messages name the file and what was expected and never include
 * key material.
 */
public final class Certificates {

    /**
     * A generated key and its self-signed certificate.
     *
     * @param key               the ECDSA P-256 private key
     * @param certificate       the self-signed certificate for {@code key}
     * @param sha256Fingerprint {@link Certificates#fingerprint(X509Certificate)} of the certificate
     */
    public record SelfSigned(PrivateKey key, X509Certificate certificate, String sha256Fingerprint) {
        public SelfSigned {
            Objects.requireNonNull(key, "key");
            Objects.requireNonNull(certificate, "certificate");
            Objects.requireNonNull(sha256Fingerprint, "sha256Fingerprint");
        }

        /** Leaves the key out: some JDK key classes print their private values. */
        @Override
        public String toString() {
            return "SelfSigned[subject=" + certificate.getSubjectX500Principal().getName() + ", sha256Fingerprint="
                    + sha256Fingerprint + "]";
        }
    }

    /** Clocks of peers drift; a certificate valid from "now" would be refused by one a little behind. */
    static final Duration BACKDATE = Duration.ofHours(1);

    private static final String PRIVATE_KEY_EXPECTED =
            "(expected BEGIN PRIVATE KEY, BEGIN RSA PRIVATE KEY or BEGIN EC PRIVATE KEY)";
    private static final String CERTIFICATE_EXPECTED = "(expected BEGIN CERTIFICATE)";
    private static final HexFormat FINGERPRINT_FORMAT = HexFormat.ofDelimiter(":").withUpperCase();
    private static final SecureRandom RANDOM = new SecureRandom();

    private Certificates() {
    }

    /**
     * Generates an ECDSA P-256 key and a self-signed end-entity certificate for TLS servers.
     *
     * @param names    the server's names: the first is the subject CN; each becomes a SAN, an
     *                 iPAddress when it is an IPv4 or IPv6 literal (brackets allowed), else a dNSName
     *                 (letters, digits, '-', '_', '.', and '*' for wildcards)
     * @param validity how long from now the certificate is valid; it is also valid from one hour ago
     * @throws IllegalArgumentException for no names, an invalid name or a non-positive validity
     */
    public static SelfSigned generateSelfSigned(List<String> names, Duration validity) {
        if (names == null || names.isEmpty()) {
            throw new IllegalArgumentException("names " + names + " (expected at least one DNS name or IP address)");
        }
        if (validity == null || validity.isNegative() || validity.isZero()) {
            throw new IllegalArgumentException("validity " + validity + " (expected a positive duration)");
        }
        List<GeneralName> sans = new ArrayList<>(names.size());
        for (String name : names) {
            sans.add(subjectAltName(name));
        }
        try {
            KeyPairGenerator generator = KeyPairGenerator.getInstance("EC");
            generator.initialize(new ECGenParameterSpec("secp256r1"), RANDOM);
            KeyPair pair = generator.generateKeyPair();

            // RFC 5280 §4.1.2.2: positive, at most 20 octets; random so that reissues never collide.
            BigInteger serial;
            do {
                byte[] bytes = new byte[16];
                RANDOM.nextBytes(bytes);
                serial = new BigInteger(1, bytes);
            } while (serial.signum() == 0);

            Instant now = Instant.now();
            Date notBefore = Date.from(now.minus(BACKDATE));
            Date notAfter = Date.from(now.plus(validity));
            X500Name subject = new X500NameBuilder(BCStyle.INSTANCE).addRDN(BCStyle.CN, names.get(0)).build();

            X509v3CertificateBuilder builder = new JcaX509v3CertificateBuilder(subject, serial, notBefore, notAfter,
                    subject, pair.getPublic());
            builder.addExtension(Extension.basicConstraints, true, new BasicConstraints(false));
            builder.addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.digitalSignature));
            builder.addExtension(Extension.extendedKeyUsage, false, new ExtendedKeyUsage(KeyPurposeId.id_kp_serverAuth));
            builder.addExtension(Extension.subjectAlternativeName, false,
                    new GeneralNames(sans.toArray(new GeneralName[0])));
            builder.addExtension(Extension.subjectKeyIdentifier, false,
                    new JcaX509ExtensionUtils().createSubjectKeyIdentifier(pair.getPublic()));

            // No provider set: the JDK's SunEC signs and the JDK's CertificateFactory parses.
            X509CertificateHolder holder = builder.build(
                    new JcaContentSignerBuilder("SHA256withECDSA").setSecureRandom(RANDOM).build(pair.getPrivate()));
            X509Certificate certificate = new JcaX509CertificateConverter().getCertificate(holder);
            return new SelfSigned(pair.getPrivate(), certificate, fingerprint(certificate));
        } catch (GeneralSecurityException | OperatorCreationException | CertIOException e) {
            // The JDK always has EC P-256 and SHA256withECDSA; reaching this is a broken runtime.
            throw new IllegalStateException("cannot generate an ECDSA P-256 self-signed certificate", e);
        }
    }

    private static GeneralName subjectAltName(String name) {
        if (name == null || name.isEmpty()) {
            throw new IllegalArgumentException("name '" + name + "' (expected a DNS name or an IP address)");
        }
        // NetUtil parses literals only; InetAddress.getByName would resolve a host name through DNS.
        byte[] ip = NetUtil.createByteArrayFromIpAddressString(name);
        if (ip != null) {
            return new GeneralName(GeneralName.iPAddress, new DEROctetString(ip));
        }
        for (int i = 0; i < name.length(); i++) {
            char c = name.charAt(i);
            boolean ok = c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9'
                    || c == '-' || c == '_' || c == '.' || c == '*';
            if (!ok) {
                throw new IllegalArgumentException("name '" + name + "' (expected a DNS name or an IP address)");
            }
        }
        return new GeneralName(GeneralName.dNSName, name);
    }

    /**
     * SHA-256 of the certificate's DER encoding as upper-case hex pairs separated by ':', as
     * {@code openssl x509 -fingerprint -sha256} prints it.
     */
    public static String fingerprint(X509Certificate certificate) {
        return FINGERPRINT_FORMAT.formatHex(fingerprintBytes(certificate));
    }

    /** SHA-256 of the certificate's DER encoding (32 bytes). */
    public static byte[] fingerprintBytes(X509Certificate certificate) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(certificate.getEncoded());
        } catch (CertificateEncodingException e) {
            throw new IllegalArgumentException("certificate " + certificate.getSubjectX500Principal().getName()
                    + " cannot be DER-encoded (expected a well-formed certificate)", e);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is missing from this JDK", e);
        }
    }

    /**
     * Whether the certificate's SHA-256 fingerprint equals {@code pin}, compared in constant time.
     *
     * @param pin 64 hex digits in any case, with or without ':' separators
     * @throws IllegalArgumentException if {@code pin} is not a SHA-256 fingerprint: a misconfigured
     *                                  pin must fail loudly rather than read as "certificate changed"
     */
    public static boolean fingerprintMatches(X509Certificate certificate, String pin) {
        byte[] expected = parsePin(pin);
        return MessageDigest.isEqual(fingerprintBytes(certificate), expected);
    }

    private static byte[] parsePin(String pin) {
        String hex = pin == null ? "" : pin.replace(":", "");
        if (hex.length() == 64) {
            try {
                return HexFormat.of().parseHex(hex);
            } catch (IllegalArgumentException notHex) {
                // reported below
            }
        }
        throw new IllegalArgumentException("pin '" + pin + "' (expected a SHA-256 fingerprint: 64 hex digits,"
                + " optionally ':'-separated)");
    }

    /**
     * Reads the first RSA or EC private key of a PEM file: PKCS#8 ({@code BEGIN PRIVATE KEY}) or
     * traditional OpenSSL ({@code BEGIN RSA PRIVATE KEY}, {@code BEGIN EC PRIVATE KEY}). Other blocks,
     * such as the {@code EC PARAMETERS} that {@code openssl ecparam -genkey} writes first, or
     * certificates in a combined file, are skipped.
     *
     * @throws IllegalArgumentException if the file cannot be read, holds no such key, holds only an
     *                                  encrypted key, or the key is malformed
     */
    public static PrivateKey readPrivateKey(Path pem) {
        JcaPEMKeyConverter converter = new JcaPEMKeyConverter();
        for (Object object : pemObjects(pem, PRIVATE_KEY_EXPECTED)) {
            PrivateKeyInfo info = object instanceof PEMKeyPair pair ? pair.getPrivateKeyInfo()
                    : object instanceof PrivateKeyInfo plain ? plain : null;
            if (info != null) {
                try {
                    // No provider: the JDK's KeyFactory ("RSA", "EC") builds the key.
                    return converter.getPrivateKey(info);
                } catch (PEMException | RuntimeException e) {
                    throw new IllegalArgumentException("file " + pem + " has a private key that cannot be decoded as"
                            + " RSA or EC (" + e.getClass().getSimpleName() + ") " + PRIVATE_KEY_EXPECTED, e);
                }
            }
            if (object instanceof PEMEncryptedKeyPair || object instanceof PKCS8EncryptedPrivateKeyInfo) {
                throw new IllegalArgumentException("file " + pem + " has an encrypted private key (expected an"
                        + " unencrypted BEGIN PRIVATE KEY, BEGIN RSA PRIVATE KEY or BEGIN EC PRIVATE KEY)");
            }
        }
        throw new IllegalArgumentException("file " + pem + " has no PEM private key " + PRIVATE_KEY_EXPECTED);
    }

    /**
     * Reads every {@code BEGIN CERTIFICATE} block of a PEM file, in file order: the leaf first,
     * then its chain. Other blocks are skipped.
     *
     * @throws IllegalArgumentException if the file cannot be read, holds no certificate, or one is malformed
     */
    public static List<X509Certificate> readCertificates(Path pem) {
        JcaX509CertificateConverter converter = new JcaX509CertificateConverter();
        List<X509Certificate> certificates = new ArrayList<>();
        for (Object object : pemObjects(pem, CERTIFICATE_EXPECTED)) {
            if (object instanceof X509CertificateHolder holder) {
                try {
                    certificates.add(converter.getCertificate(holder));
                } catch (CertificateException | RuntimeException e) {
                    throw new IllegalArgumentException("file " + pem + " has a certificate that cannot be decoded ("
                            + e.getClass().getSimpleName() + ") " + CERTIFICATE_EXPECTED, e);
                }
            }
        }
        if (certificates.isEmpty()) {
            throw new IllegalArgumentException("file " + pem + " has no PEM certificate " + CERTIFICATE_EXPECTED);
        }
        return List.copyOf(certificates);
    }

    /** Every PEM object of the file, parsed by BouncyCastle; text outside BEGIN/END lines is ignored. */
    private static List<Object> pemObjects(Path pem, String expected) {
        String text;
        try {
            // ISO-8859-1 maps every byte: a binary (DER) file then simply has no PEM block.
            text = Files.readString(pem, StandardCharsets.ISO_8859_1);
        } catch (NoSuchFileException e) {
            throw new IllegalArgumentException("file " + pem + " does not exist " + expected, e);
        } catch (IOException e) {
            throw new IllegalArgumentException("file " + pem + " cannot be read (" + e + ") " + expected, e);
        }
        List<Object> objects = new ArrayList<>();
        try (PEMParser parser = new PEMParser(new StringReader(text))) {
            Object object;
            while ((object = parser.readObject()) != null) {
                objects.add(object);
            }
        } catch (IOException | RuntimeException e) {
            // Only the exception type is named: parser messages are not ours to vet for key bytes.
            throw new IllegalArgumentException("file " + pem + " has malformed PEM content ("
                    + e.getClass().getSimpleName() + ") " + expected, e);
        }
        return objects;
    }

    /**
     * Writes the certificate as {@code BEGIN CERTIFICATE} and the key as PKCS#8
     * {@code BEGIN PRIVATE KEY}, replacing existing files. On POSIX file systems the key file is made
     * owner-only (0600) before any key byte is written.
     *
     * @throws UncheckedIOException naming the file that could not be written
     */
    public static void writePem(Path certFile, Path keyFile, SelfSigned s) {
        String certificatePem;
        String keyPem;
        try {
            certificatePem = pem(s.certificate());
            keyPem = pem(new JcaPKCS8Generator(s.key(), null));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot encode " + s + " as PEM", e);
        }
        try {
            Files.writeString(certFile, certificatePem, StandardCharsets.US_ASCII);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write certificate file " + certFile, e);
        }
        try {
            writeOwnerOnly(keyFile, keyPem.getBytes(StandardCharsets.US_ASCII));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write private key file " + keyFile, e);
        }
    }

    private static String pem(Object object) throws IOException {
        StringWriter out = new StringWriter();
        try (JcaPEMWriter writer = new JcaPEMWriter(out)) {
            writer.writeObject(object);
        }
        return out.toString();
    }

    private static void writeOwnerOnly(Path file, byte[] content) throws IOException {
        boolean posix = file.getFileSystem().supportedFileAttributeViews().contains("posix");
        Set<PosixFilePermission> ownerOnly = EnumSet.of(PosixFilePermission.OWNER_READ, PosixFilePermission.OWNER_WRITE);
        Set<OpenOption> options = Set.of(StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.TRUNCATE_EXISTING);
        FileAttribute<?>[] attributes = posix
                ? new FileAttribute<?>[] {PosixFilePermissions.asFileAttribute(ownerOnly)}
                : new FileAttribute<?>[0];
        try (SeekableByteChannel channel = Files.newByteChannel(file, options, attributes)) {
            if (posix) {
                // The attribute only applies to a new file; an existing one is narrowed before the write.
                Files.setPosixFilePermissions(file, ownerOnly);
            }
            ByteBuffer buffer = ByteBuffer.wrap(content);
            while (buffer.hasRemaining()) {
                channel.write(buffer);
            }
        }
    }
}

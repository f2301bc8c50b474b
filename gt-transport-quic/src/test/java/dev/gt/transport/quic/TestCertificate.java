package dev.gt.transport.quic;

import dev.gt.core.internal.tls.Certificates;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/** A self-signed certificate for localhost in PEM files of a temporary directory, deleted on exit. */
record TestCertificate(Path certificateFile, Path keyFile, String fingerprint) {
    static TestCertificate create() {
        try {
            Path dir = Files.createTempDirectory("gt-quic-test");
            Path cert = dir.resolve("cert.pem");
            Path key = dir.resolve("key.pem");
            Certificates.SelfSigned s = Certificates.generateSelfSigned(List.of("localhost", "127.0.0.1"),
                    Duration.ofDays(1));
            Certificates.writePem(cert, key, s);
            dir.toFile().deleteOnExit();
            cert.toFile().deleteOnExit();
            key.toFile().deleteOnExit();
            return new TestCertificate(cert, key, s.sha256Fingerprint());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}

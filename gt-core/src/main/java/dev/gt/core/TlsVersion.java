package dev.gt.core;

import java.util.List;
import java.util.Locale;

/** The lowest TLS version a listener accepts ({@link GtServer.Builder#minTlsVersion}, GT's {@code -tlsVersion}). */
public enum TlsVersion {
    /** TLS 1.2 and 1.3 (GT's default). */
    TLS1_2("tls1.2", List.of("TLSv1.3", "TLSv1.2")),
    /** TLS 1.3 only. */
    TLS1_3("tls1.3", List.of("TLSv1.3"));

    private final String text;
    private final List<String> protocols;

    TlsVersion(String text, List<String> protocols) {
        this.text = text;
        this.protocols = protocols;
    }

    /** The JSSE protocol names enabled from this minimum up. */
    public List<String> protocols() {
        return protocols;
    }

    @Override
    public String toString() {
        return text;
    }

    /**
     * Parses GT's spelling: {@code tls1.2} or {@code tls1.3}.
     *
     * @throws IllegalArgumentException whose message starts with the quoted text and names the
     *     accepted ones (GT's {@code tls1.1} is refused as insecure rather than silently mapped)
     */
    public static TlsVersion parse(String text) {
        String t = text.trim().toLowerCase(Locale.ROOT);
        for (TlsVersion v : values()) {
            if (v.text.equals(t)) {
                return v;
            }
        }
        if (t.equals("tls1.1") || t.equals("tls1.0") || t.equals("tls1")) {
            throw new IllegalArgumentException("'" + text
                    + "' is not supported: TLS versions below 1.2 are insecure (expected tls1.2 or tls1.3)");
        }
        throw new IllegalArgumentException("'" + text + "' (expected tls1.2 or tls1.3)");
    }
}

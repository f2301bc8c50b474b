package dev.gt.p2p.internal;

import java.text.Normalizer;

/**
 * SASLprep (RFC 4013) for passwords of long-term credentials (RFC 5389 §15.4): characters
 * "commonly mapped to nothing" are removed, non-ASCII spaces become U+0020, the result is NFKC
 * normalised, and prohibited characters are refused. The bidirectional rule is not checked: it
 * only rejects strings, and a password we store never comes from a peer.
 */
public final class SaslPrep {
    private SaslPrep() {
    }

    /**
     * The prepared string.
     *
     * @throws IllegalArgumentException when it contains a prohibited character (control,
     *     private use, non-character, surrogate, ...), naming its code point but not the text
     */
    public static String prepare(String s) {
        StringBuilder mapped = new StringBuilder(s.length());
        for (int i = 0; i < s.length(); ) {
            int c = s.codePointAt(i);
            i += Character.charCount(c);
            if (mappedToNothing(c)) {
                continue;
            }
            mapped.appendCodePoint(nonAsciiSpace(c) ? ' ' : c);
        }
        String n = Normalizer.normalize(mapped, Normalizer.Form.NFKC);
        for (int i = 0; i < n.length(); ) {
            int c = n.codePointAt(i);
            i += Character.charCount(c);
            if (prohibited(c)) {
                throw new IllegalArgumentException(String.format("the password contains a prohibited character U+%04X",
                        c));
            }
        }
        return n;
    }

    /** RFC 3454 table B.1. */
    private static boolean mappedToNothing(int c) {
        return c == 0x00AD || c == 0x034F || c == 0x1806 || (c >= 0x180B && c <= 0x180D)
                || (c >= 0x200B && c <= 0x200D) || c == 0x2060 || (c >= 0xFE00 && c <= 0xFE0F) || c == 0xFEFF;
    }

    /** RFC 3454 table C.1.2. */
    private static boolean nonAsciiSpace(int c) {
        return c == 0x00A0 || c == 0x1680 || (c >= 0x2000 && c <= 0x200B) || c == 0x202F || c == 0x205F
                || c == 0x3000;
    }

    /** RFC 4013 §2.3: tables C.1.2, C.2.1, C.2.2, C.3 to C.9. */
    private static boolean prohibited(int c) {
        if (c < 0x20 || c == 0x7F || (c >= 0x80 && c <= 0x9F)) {
            return true; // C.2.1, C.2.2 (part)
        }
        if (nonAsciiSpace(c) && c != ' ') {
            return true;
        }
        if (c == 0x06DD || c == 0x070F || c == 0x180E || (c >= 0x200C && c <= 0x200D) || (c >= 0x2028 && c <= 0x2029)
                || (c >= 0x2060 && c <= 0x2063) || (c >= 0x206A && c <= 0x206F) || c == 0xFEFF
                || (c >= 0xFFF9 && c <= 0xFFFC) || (c >= 0x1D173 && c <= 0x1D17A)) {
            return true; // C.2.2
        }
        if ((c >= 0xE000 && c <= 0xF8FF) || (c >= 0xF0000 && c <= 0xFFFFD) || (c >= 0x100000 && c <= 0x10FFFD)) {
            return true; // C.3 private use
        }
        if ((c >= 0xFDD0 && c <= 0xFDEF) || (c & 0xFFFE) == 0xFFFE) {
            return true; // C.4 non-characters
        }
        if (c >= 0xD800 && c <= 0xDFFF) {
            return true; // C.5 surrogates
        }
        if (c >= 0xFFF9 && c <= 0xFFFD) {
            return true; // C.6
        }
        if (c >= 0x2FF0 && c <= 0x2FFB) {
            return true; // C.7
        }
        if (c == 0x0340 || c == 0x0341 || c == 0x200E || c == 0x200F || (c >= 0x202A && c <= 0x202E)
                || (c >= 0x206A && c <= 0x206F)) {
            return true; // C.8
        }
        return c == 0xE0001 || (c >= 0xE0020 && c <= 0xE007F); // C.9
    }
}

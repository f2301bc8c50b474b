package dev.gt.core.it;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Random;

/** Test payloads: the {@link Backend#pattern} bytes, seeded random bytes, SHA-256 helpers. */
final class Data {
    /** {@link Backend#pattern} repeats every 64 KiB. */
    static final int PATTERN_PERIOD = 64 * 1024;
    /** One period of {@link Backend#pattern}. */
    static final byte[] PATTERN = new byte[PATTERN_PERIOD];

    static {
        for (int i = 0; i < PATTERN_PERIOD; i++) {
            PATTERN[i] = Backend.pattern(i);
        }
        for (int i = 0; i < 3 * PATTERN_PERIOD; i += 997) {
            if (PATTERN[i % PATTERN_PERIOD] != Backend.pattern(i)) {
                throw new AssertionError("Backend.pattern does not repeat every 64 KiB");
            }
        }
    }

    private Data() {
    }

    static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    static String hex(byte[] bytes) {
        StringBuilder sb = new StringBuilder(bytes.length * 2);
        for (byte b : bytes) {
            sb.append(Character.forDigit((b >> 4) & 0xF, 16)).append(Character.forDigit(b & 0xF, 16));
        }
        return sb.toString();
    }

    static String sha256Hex(byte[] bytes) {
        return hex(sha256().digest(bytes));
    }

    static byte[] random(int n, long seed) {
        byte[] b = new byte[n];
        new Random(seed).nextBytes(b);
        return b;
    }

    /** Writes {@code n} seeded random bytes in 64 KiB chunks; returns their SHA-256 hex. */
    static String writeRandom(OutputStream out, long n, long seed) throws IOException {
        Random r = new Random(seed);
        MessageDigest d = sha256();
        byte[] chunk = new byte[64 * 1024];
        long left = n;
        while (left > 0) {
            int k = (int) Math.min(chunk.length, left);
            r.nextBytes(chunk);
            d.update(chunk, 0, k);
            out.write(chunk, 0, k);
            left -= k;
        }
        out.flush();
        return hex(d.digest());
    }

    /**
     * Reads until EOF (or {@code limit} bytes), checking every byte against the pattern; returns
     * the count. Fails at the first wrong byte, naming its offset.
     */
    static long readPattern(InputStream in, long limit) throws IOException {
        byte[] buf = new byte[64 * 1024];
        long offset = 0;
        while (offset < limit) {
            int n = in.read(buf, 0, (int) Math.min(buf.length, limit - offset));
            if (n < 0) {
                break;
            }
            for (int i = 0; i < n; i++) {
                if (buf[i] != PATTERN[(int) ((offset + i) % PATTERN_PERIOD)]) {
                    throw new AssertionError("byte " + (offset + i) + " is " + buf[i] + ", expected "
                            + PATTERN[(int) ((offset + i) % PATTERN_PERIOD)]);
                }
            }
            offset += n;
        }
        return offset;
    }

    /** Reads until EOF. */
    static byte[] readAll(InputStream in) throws IOException {
        return in.readAllBytes();
    }

    /**
     * Asserts two byte arrays are equal; on a difference, says where it starts and ends and, when
     * the wrong bytes are a piece of the expected ones from elsewhere, where they came from
     * (reordering), so a failure tells corruption from reordering from loss.
     */
    static void assertSameBytes(byte[] expected, byte[] actual, String what) {
        if (java.util.Arrays.equals(expected, actual)) {
            return;
        }
        int n = Math.min(expected.length, actual.length);
        int first = 0;
        while (first < n && expected[first] == actual[first]) {
            first++;
        }
        int resync = first;
        while (resync < n && expected[resync] != actual[resync]) {
            resync++;
        }
        StringBuilder msg = new StringBuilder(what).append(": expected ").append(expected.length)
                .append(" bytes, got ").append(actual.length).append("; first difference at offset ").append(first)
                .append(", equal again from offset ").append(resync);
        int probe = Math.min(32, actual.length - first);
        if (probe >= 16) {
            for (int k = 0; k + probe <= expected.length; k++) {
                if (java.util.Arrays.equals(expected, k, k + probe, actual, first, first + probe)) {
                    msg.append("; the bytes received at ").append(first).append(" belong at offset ").append(k)
                            .append(" (reordered by ").append(k - first).append(')');
                    break;
                }
            }
        }
        throw new AssertionError(msg.toString());
    }
}

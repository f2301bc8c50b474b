package dev.gt.core.testkit;

import java.util.Arrays;
import java.util.SplittableRandom;

/**
 * Helpers shared by the Jazzer fuzz tests ({@code *JazzerTest}): the first byte of a fuzz input
 * configures the harness (which bound, which header, how the bytes are split) and the rest is what
 * a peer sends, so the committed seeds stay readable and the fuzzer explores both.
 */
public final class FuzzInputs {
    private static final String HEX = "0123456789abcdef";

    private FuzzInputs() {
    }

    /** The configuration byte: the first byte, or 0 for the empty input. */
    public static int config(byte[] data) {
        return data.length == 0 ? 0 : data[0] & 0xff;
    }

    /** Everything after the configuration byte. */
    public static byte[] payload(byte[] data) {
        return data.length == 0 ? data : Arrays.copyOfRange(data, 1, data.length);
    }

    /**
     * Sizes of the pieces in which {@code length} bytes arrive: random but reproducible from the
     * input itself, mixing runs of single bytes with larger pieces; they add up to {@code length}.
     */
    public static int[] pieces(byte[] input, int salt) {
        SplittableRandom random = new SplittableRandom(Arrays.hashCode(input) * 31L + salt);
        int[] sizes = new int[Math.max(1, input.length)];
        int count = 0;
        int left = input.length;
        while (left > 0) {
            int largest = random.nextInt(4) == 0 ? 1 : random.nextBoolean() ? 7 : 200;
            int n = 1 + random.nextInt(Math.min(left, largest));
            sizes[count++] = n;
            left -= n;
        }
        return Arrays.copyOf(sizes, count);
    }

    /** The input for a failure message: printable ASCII as is, every other byte as {@code \xNN}. */
    public static String show(byte[] input) {
        StringBuilder sb = new StringBuilder(input.length + 16);
        for (byte b : input) {
            int c = b & 0xff;
            if (c >= 0x20 && c < 0x7f && c != '\\') {
                sb.append((char) c);
            } else {
                sb.append("\\x").append(HEX.charAt(c >> 4)).append(HEX.charAt(c & 0xf));
            }
        }
        return sb.toString();
    }
}

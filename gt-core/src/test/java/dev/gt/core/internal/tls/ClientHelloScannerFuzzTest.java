package dev.gt.core.internal.tls;

import dev.gt.core.internal.tls.ClientHelloScanner.Status;
import dev.gt.core.internal.tls.ClientHellos.Hello;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.ByteArrayOutputStream;
import java.nio.BufferUnderflowException;
import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.Locale;
import java.util.Objects;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;

import static dev.gt.core.internal.tls.ClientHellos.ascii;
import static dev.gt.core.internal.tls.ClientHellos.concat;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Seeded random-mutation fuzzing of {@link ClientHelloScanner}. Each input is scanned one-shot and
 * in random chunks and checked against invariants and against a non-incremental reference model
 * written independently below (flat copy of the handshake bytes, {@link ByteBuffer} parsing). Most
 * inputs mutate the handshake message and re-frame it in random records, so that mutations reach
 * the ClientHello body instead of merely breaking record lengths. A failure message carries the
 * iteration's seed and input for replay.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class ClientHelloScannerFuzzTest {

    private static final long SEED = 0x534e_4921L;
    private static final int ITERATIONS = 100_000;
    /** Mostly the real bound; small ones put TOO_LARGE in reach of every kind of input. */
    private static final int[] BOUNDS = {65536, 65536, 65536, 65536, 65536, 65536, 3000, 600, 100, 1};

    /** Handshake messages (header included) that mutations start from. */
    private static final byte[][] MESSAGES = messages();
    /** Raw inputs that are not a framed message. */
    private static final byte[][] RAW = {
            ascii("GET / HTTP/1.1\r\nHost: a.example.com\r\n\r\n"),
            {(byte) 0x80, 0x2e, 0x01, 0x03, 0x01, 0x00, 0x15, 0x00, 0x00, 0x00, 0x10},
            {22, 3, 1, 0, 0},
            {22, 3, 1, 0x41, 0x00, 1, 0, 1},
            {22, 3, 1, 0, 4, 1, (byte) 0xff, (byte) 0xff, (byte) 0xff},
            ascii("\u0016\u0003\u0001\u0002\u0000\u0001\u0000\u0001\u00fc\u0003\u0003"),
    };

    private static byte[][] messages() {
        byte[] chrome = ClientHellos.chrome();
        Hello noExtensions = Hello.tls13(null);
        noExtensions.extensionsBlock = false;
        Hello otherNameType = Hello.tls13(null);
        otherNameType.extension(0, ClientHellos.vector16(concat(ClientHellos.serverNameEntry(1, ascii("x")),
                ClientHellos.serverNameEntry(0, ascii("Mixed-Case.Example.")))));
        Hello shortSession = Hello.tls13("s.example");
        shortSession.sessionId = new byte[0];
        return new byte[][] {
                Arrays.copyOfRange(chrome, 5, chrome.length),
                Hello.tls13("a.example.com").message(),
                Hello.tls13(null).message(),
                Hello.postQuantum("pq.example.org").message(),
                noExtensions.message(),
                otherNameType.message(),
                shortSession.message(),
                Hello.tls13("_x-1.a.b.c.d.e.f.g").message(),
        };
    }

    @Test
    void randomMutationsKeepTheInvariants() {
        SplittableRandom seeds = new SplittableRandom(SEED);
        int[] statusCounts = new int[Status.values().length];
        for (int iteration = 0; iteration < ITERATIONS; iteration++) {
            long seed = seeds.nextLong();
            SplittableRandom random = new SplittableRandom(seed);
            byte[] input = input(random);
            int max = BOUNDS[random.nextInt(BOUNDS.length)];
            try {
                statusCounts[check(max, input, random).ordinal()]++;
            } catch (AssertionError | RuntimeException e) {
                throw new AssertionError("iteration " + iteration + " seed " + seed + " max " + max + " input "
                        + HexFormat.of().formatHex(input), e);
            }
        }
        // Guards the generator: every outcome must actually be exercised.
        for (Status status : Status.values()) {
            assertTrue(statusCounts[status.ordinal()] > ITERATIONS / 200,
                    () -> "too few " + status + ": " + Arrays.toString(statusCounts));
        }
    }

    private static byte[] input(SplittableRandom random) {
        int kind = random.nextInt(20);
        if (kind == 0) {
            byte[] garbage = new byte[random.nextInt(64)];
            random.nextBytes(garbage);
            return garbage;
        }
        if (kind == 1) {
            return mutateBytes(RAW[random.nextInt(RAW.length)].clone(), random, 1 + random.nextInt(3));
        }
        byte[] message = random.nextInt(3) == 0 ? structured(random) : MESSAGES[random.nextInt(MESSAGES.length)].clone();
        int mutations = kind < 5 ? 0 : kind < 16 ? 1 : 1 + random.nextInt(4);
        if (random.nextBoolean()) {
            // Mutate inside the message, then frame it correctly: exercises the body parser.
            message = mutateBytes(message, random, mutations);
            return ClientHellos.randomRecords(message, random);
        }
        // Frame first, then mutate: exercises the record layer.
        byte[] framed = ClientHellos.randomRecords(message, random);
        if (random.nextInt(4) == 0) {
            framed = concat(framed, new byte[] {20, 3, 3, 0, 1, 1});
        }
        return mutateBytes(framed, random, mutations);
    }

    /**
     * A ClientHello built from random but well-framed parts: every vector length is right, so the
     * checks on the values themselves (session id size, empty vectors, duplicate names, host name
     * characters) are what decide, which byte mutations almost never reach on their own.
     */
    private static byte[] structured(SplittableRandom random) {
        Hello h = new Hello();
        h.legacyVersion = random.nextInt(10) == 0 ? 0x0300 + random.nextInt(6) : 0x0303;
        h.sessionId = new byte[random.nextInt(10) == 0 ? 33 : random.nextBoolean() ? 32 : random.nextInt(33)];
        h.cipherSuites = new int[random.nextInt(12) == 0 ? 0 : 1 + random.nextInt(20)];
        Arrays.fill(h.cipherSuites, 0x1301);
        h.compression = new byte[random.nextInt(12) == 0 ? 0 : 1 + random.nextInt(2)];
        h.extensionsBlock = random.nextInt(12) != 0;
        int extensions = random.nextInt(6);
        for (int e = 0; e < extensions; e++) {
            int pick = random.nextInt(10);
            if (pick < 5) {
                ByteArrayOutputStream list = new ByteArrayOutputStream();
                int entries = random.nextInt(8) == 0 ? random.nextInt(4) : 1;
                for (int i = 0; i < entries; i++) {
                    int nameType = random.nextInt(6) == 0 ? 1 + random.nextInt(3) : 0;
                    list.writeBytes(ClientHellos.serverNameEntry(nameType, randomName(random)));
                }
                h.extension(0, ClientHellos.vector16(list.toByteArray()));
            } else if (pick < 9) {
                byte[] data = new byte[random.nextInt(random.nextInt(20) == 0 ? 3000 : 40)];
                random.nextBytes(data);
                h.extension(1 + random.nextInt(0xfffe), data);
            } else {
                h.extension(ClientHellos.EXT_KEY_SHARE, ClientHellos.keyShares(
                        new int[] {ClientHellos.GROUP_X25519_MLKEM768}, new int[] {1216}));
            }
        }
        return h.message();
    }

    private static byte[] randomName(SplittableRandom random) {
        String alphabet = random.nextInt(4) == 0 ? "aZ9-_./ \u00e9:*" : "abcxyzABC019-_.";
        int length = random.nextInt(16) == 0 ? 250 + random.nextInt(10) : random.nextInt(20);
        StringBuilder name = new StringBuilder();
        for (int i = 0; i < length; i++) {
            name.append(alphabet.charAt(random.nextInt(alphabet.length())));
        }
        return ascii(name.toString());
    }

    private static byte[] mutateBytes(byte[] data, SplittableRandom random, int mutations) {
        for (int m = 0; m < mutations; m++) {
            data = mutate(data, random);
        }
        return data;
    }

    private static byte[] mutate(byte[] data, SplittableRandom random) {
        int at = data.length == 0 ? 0 : random.nextInt(data.length + 1);
        switch (random.nextInt(8)) {
            case 0: // bit flip
                if (data.length > 0) {
                    int i = random.nextInt(data.length);
                    data[i] ^= (byte) (1 << random.nextInt(8));
                }
                return data;
            case 1: // nudge a byte up or down: turns length fields into lies by one
                if (data.length > 0) {
                    data[random.nextInt(data.length)] += (byte) (random.nextBoolean() ? 1 : -1);
                }
                return data;
            case 2: // truncate
                return Arrays.copyOf(data, at);
            case 3: { // duplicate a range
                int from = data.length == 0 ? 0 : random.nextInt(data.length);
                int to = from + random.nextInt(Math.min(40, data.length - from) + 1);
                return insert(data, at, Arrays.copyOfRange(data, from, to));
            }
            case 4: { // delete a range
                int to = Math.min(data.length, at + 1 + random.nextInt(4));
                byte[] out = new byte[data.length - (to - at)];
                System.arraycopy(data, 0, out, 0, at);
                System.arraycopy(data, to, out, at, data.length - to);
                return out;
            }
            case 5: // random byte
                if (data.length > 0) {
                    data[random.nextInt(data.length)] = (byte) random.nextInt(256);
                }
                return data;
            case 6: // host-name-ish bytes
                if (data.length > 0) {
                    byte[] alphabet = ascii(".-_aZ9/ \u0000\u00ff");
                    data[random.nextInt(data.length)] = alphabet[random.nextInt(alphabet.length)];
                }
                return data;
            default: // insert zero bytes (empty vectors, zero lengths)
                return insert(data, at, new byte[1 + random.nextInt(3)]);
        }
    }

    private static Status check(int max, byte[] input, SplittableRandom random) {
        Outcome oneShot = scanOneShot(max, input, random);
        Outcome chunked = scanChunked(max, input, random);
        assertEquals(oneShot, chunked, "chunked scan differs from one-shot");
        assertEquals(Reference.outcome(max, input), oneShot, "scanner differs from the reference model");

        assertTrue(oneShot.scanned >= 0 && oneShot.scanned <= input.length, "scanned " + oneShot.scanned);
        switch (oneShot.status) {
            case FOUND:
                assertNull(oneShot.error);
                assertTrue(Reference.VALID_NAME.matcher(oneShot.name).matches(), oneShot.name);
                assertTrue(oneShot.name.length() <= 255 && !oneShot.name.endsWith("."), oneShot.name);
                assertEquals(oneShot.name.toLowerCase(Locale.ROOT), oneShot.name);
                break;
            case NEED_MORE:
                assertNull(oneShot.name);
                assertNull(oneShot.error);
                assertTrue(oneShot.scanned > input.length - 5, "undecided with unscanned bytes");
                break;
            default:
                assertNull(oneShot.name);
                assertNotNull(oneShot.error);
        }
        return oneShot.status;
    }

    private static Outcome scanOneShot(int max, byte[] input, SplittableRandom random) {
        ClientHelloScanner scanner = new ClientHelloScanner(max);
        // A non-zero reader index checks that offsets are relative to it.
        int offset = random.nextInt(4);
        ByteBuf buf = Unpooled.buffer(offset + input.length);
        try {
            buf.writerIndex(offset).readerIndex(offset);
            buf.writeBytes(input);
            Status status = scanAndCheckIndices(scanner, buf);
            assertEquals(status, scanAndCheckIndices(scanner, buf), "status not sticky");
            return Outcome.of(status, scanner);
        } finally {
            buf.release();
        }
    }

    private static Outcome scanChunked(int max, byte[] input, SplittableRandom random) {
        ClientHelloScanner scanner = new ClientHelloScanner(max);
        ByteBuf buf = Unpooled.buffer(input.length + 8);
        try {
            Status status = scanAndCheckIndices(scanner, buf);
            int fed = 0;
            int copies = 0;
            int largest = random.nextInt(3) == 0 ? 3 : random.nextBoolean() ? 100 : 1500;
            while (fed < input.length) {
                int n = 1 + random.nextInt(Math.min(input.length - fed, largest));
                buf.writeBytes(input, fed, n);
                fed += n;
                // Rarely: every tracked allocation costs a stack trace under paranoid leak detection.
                if (copies < 2 && random.nextInt(32) == 0) {
                    copies++;
                    // Like a cumulator that reallocates: same bytes, different buffer.
                    ByteBuf copy = Unpooled.buffer(buf.readableBytes() + 8);
                    copy.writeBytes(buf);
                    buf.release();
                    buf = copy;
                }
                status = scanAndCheckIndices(scanner, buf);
            }
            return Outcome.of(status, scanner);
        } finally {
            buf.release();
        }
    }

    private static Status scanAndCheckIndices(ClientHelloScanner scanner, ByteBuf buf) {
        int reader = buf.readerIndex();
        int writer = buf.writerIndex();
        Status status = scanner.scan(buf);
        assertEquals(reader, buf.readerIndex(), "reader index changed");
        assertEquals(writer, buf.writerIndex(), "writer index changed");
        return status;
    }

    private static byte[] insert(byte[] data, int at, byte[] what) {
        byte[] out = new byte[data.length + what.length];
        System.arraycopy(data, 0, out, 0, at);
        System.arraycopy(what, 0, out, at, what.length);
        System.arraycopy(data, at, out, at + what.length, data.length - at);
        return out;
    }

    /** What a scan concluded; the error text is compared between scans but only its presence with the model. */
    record Outcome(Status status, String name, String error, int scanned) {
        static Outcome of(Status status, ClientHelloScanner scanner) {
            return new Outcome(status, scanner.serverName(), scanner.error(), scanner.scannedBytes());
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Outcome other && status == other.status && scanned == other.scanned
                    && Objects.equals(name, other.name) && (error == null) == (other.error == null);
        }

        @Override
        public int hashCode() {
            return Objects.hash(status, name, scanned);
        }
    }

    /**
     * The scanner's rules, written non-incrementally: walk the records over the whole input, copy
     * the handshake bytes out one at a time, decide at the byte where the rules decide, and parse a
     * complete message with {@link ByteBuffer}, where any underflow is a malformation.
     */
    static final class Reference {
        static final Pattern VALID_NAME = Pattern.compile("[a-z0-9_-]+(\\.[a-z0-9_-]+)*");
        private static final Pattern NAME = Pattern.compile("[A-Za-z0-9_-]+(\\.[A-Za-z0-9_-]+)*\\.?");

        static Outcome outcome(int max, byte[] d) {
            int n = d.length;
            int i = 0;
            int records = 0;
            byte[] h = new byte[n];
            int gathered = 0;
            int messageLength = -1;
            while (true) {
                boolean first = records == 0;
                Status bad = first ? Status.NOT_TLS : Status.MALFORMED;
                if (i >= n) {
                    return more(i);
                }
                if (d[i] != 22) {
                    return decided(bad, i + 1);
                }
                if (i + 1 >= n) {
                    return more(i);
                }
                if (d[i + 1] != 3) {
                    return decided(bad, i + 2);
                }
                if (i + 2 >= n) {
                    return more(i);
                }
                if ((d[i + 2] & 0xff) > 4) {
                    return decided(bad, i + 3);
                }
                if (i + 4 >= n) {
                    return more(i);
                }
                int length = (d[i + 3] & 0xff) << 8 | d[i + 4] & 0xff;
                i += 5;
                if (length == 0 || length > 16384 + 256) {
                    return decided(Status.MALFORMED, i);
                }
                records++;
                for (int end = i + length; i < end; ) {
                    if (i >= n) {
                        return more(n);
                    }
                    h[gathered++] = d[i++];
                    if (gathered == 1 && h[0] != 1) {
                        return decided(Status.MALFORMED, i);
                    }
                    if (gathered == 4) {
                        int declared = (h[1] & 0xff) << 16 | (h[2] & 0xff) << 8 | h[3] & 0xff;
                        if (declared > max) {
                            return decided(Status.TOO_LARGE, i);
                        }
                        messageLength = 4 + declared;
                    }
                    if (gathered == messageLength) {
                        String name;
                        try {
                            name = parse(ByteBuffer.wrap(h, 4, gathered - 4).slice());
                        } catch (BufferUnderflowException | IllegalArgumentException e) {
                            return decided(Status.MALFORMED, i);
                        }
                        return name == null ? decided(Status.NO_SNI, i) : new Outcome(Status.FOUND, name, null, i);
                    }
                }
            }
        }

        private static Outcome more(int scanned) {
            return new Outcome(Status.NEED_MORE, null, null, scanned);
        }

        private static Outcome decided(Status status, int scanned) {
            return new Outcome(status, null, "", scanned);
        }

        /** The SNI host name, null without one; throws IllegalArgumentException when malformed. */
        private static String parse(ByteBuffer b) {
            int version = u16(b);
            require(version >= 0x0300 && version <= 0x0304);
            b.get(new byte[32]);
            ByteBuffer sessionId = vector(b, 1);
            require(sessionId.remaining() <= 32);
            ByteBuffer suites = vector(b, 2);
            require(suites.remaining() >= 2 && suites.remaining() % 2 == 0);
            require(vector(b, 1).remaining() >= 1);
            if (!b.hasRemaining()) {
                return null;
            }
            ByteBuffer extensions = vector(b, 2);
            require(!b.hasRemaining());
            String name = null;
            boolean seen = false;
            while (extensions.hasRemaining()) {
                int type = u16(extensions);
                ByteBuffer data = vector(extensions, 2);
                if (type == 0) {
                    require(!seen);
                    seen = true;
                    name = serverName(data);
                }
            }
            return name;
        }

        private static String serverName(ByteBuffer data) {
            ByteBuffer list = vector(data, 2);
            require(!data.hasRemaining() && list.hasRemaining());
            String host = null;
            while (list.hasRemaining()) {
                int nameType = list.get() & 0xff;
                ByteBuffer name = vector(list, 2);
                if (nameType == 0) {
                    require(host == null);
                    byte[] bytes = new byte[name.remaining()];
                    name.get(bytes);
                    String s = new String(bytes, java.nio.charset.StandardCharsets.ISO_8859_1);
                    require(bytes.length >= 1 && bytes.length <= 255 && NAME.matcher(s).matches());
                    host = s.toLowerCase(Locale.ROOT);
                    if (host.endsWith(".")) {
                        host = host.substring(0, host.length() - 1);
                    }
                }
            }
            return host;
        }

        private static ByteBuffer vector(ByteBuffer b, int lengthBytes) {
            int length = lengthBytes == 1 ? b.get() & 0xff : u16(b);
            byte[] content = new byte[length];
            b.get(content);
            return ByteBuffer.wrap(content);
        }

        private static int u16(ByteBuffer b) {
            return b.getShort() & 0xffff;
        }

        private static void require(boolean condition) {
            if (!condition) {
                throw new IllegalArgumentException();
            }
        }
    }

    @Test
    void referenceModelAgreesOnKnownCases() {
        // Guards the model itself, so agreement in the fuzz loop means something.
        assertEquals("assets.msn.cn", Reference.outcome(65536, ClientHellos.chrome()).name);
        assertEquals(Status.NOT_TLS, Reference.outcome(65536, ascii("GET /")).status);
        assertEquals(Status.NO_SNI,
                Reference.outcome(65536, ClientHellos.records(Hello.tls13(null).message(), 16384)).status);
        assertEquals(Status.MALFORMED,
                Reference.outcome(65536, Hello.tls13("a..b").record()).status);
        assertEquals(Status.TOO_LARGE, Reference.outcome(100, ClientHellos.chrome()).status);
        assertEquals(Status.NEED_MORE,
                Reference.outcome(65536, Arrays.copyOf(ClientHellos.chrome(), 300)).status);
    }
}

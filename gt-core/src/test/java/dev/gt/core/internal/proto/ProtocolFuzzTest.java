package dev.gt.core.internal.proto;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.DecoderException;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Seeded mutation fuzzing of the two wire parsers: whatever the bytes, the frame decoder and the
 * hello parser either decode or fail with a {@link ProtocolException} (never another exception),
 * release every buffer, and decode the same frames however the input is split.
 */
@Timeout(60)
class ProtocolFuzzTest {
    private static final long SEED = 0x6754_4a61_7661L;

    private static final String[] FRAME_SEEDS = {
        "0900000000000000000900010000000369643108000000000000000C00040000000015F9000000007",
        "01000000000300000005000000000000010000000300000003616263",
        "04000000000300000004000100000500000000000000080000000000000102",
        "03000000000300000003001478070000000000000000000003000C78",
        "0A0000000000000000050002000178",
        "000000000001000000056869646465",
    };

    @Test
    void frameDecoderNeverFailsWithAnythingButAProtocolError() {
        Random rnd = new Random(SEED);
        List<byte[]> seeds = new ArrayList<>();
        for (String s : FRAME_SEEDS) {
            seeds.add(ByteBufUtil.decodeHexDump(s.length() % 2 == 0 ? s : s.substring(0, s.length() - 1)));
        }
        for (int i = 0; i < 60_000; i++) {
            byte[] input = mutate(rnd, seeds.get(rnd.nextInt(seeds.size())), seeds);
            List<String> whole = decode(input, null);
            List<String> split = decode(input, rnd);
            assertEquals(whole, split, () -> "split changed the result for " + ByteBufUtil.hexDump(input));
        }
    }

    /** Frames decoded from {@code input}, fed whole or in random pieces, plus how it ended. */
    private static List<String> decode(byte[] input, Random splitter) {
        ProtocolGoldenTest.Recorder r = new ProtocolGoldenTest.Recorder();
        EmbeddedChannel ch = new EmbeddedChannel(new FrameDecoder(r, false));
        String end = "ok";
        try {
            int pos = 0;
            while (pos < input.length) {
                int n = splitter == null ? input.length : 1 + splitter.nextInt(input.length - pos);
                ch.writeInbound(Unpooled.wrappedBuffer(input, pos, n));
                pos += n;
            }
        } catch (DecoderException e) {
            if (!(e.getCause() instanceof ProtocolException)) {
                fail("unexpected failure for " + ByteBufUtil.hexDump(input), e);
            }
            end = "protocol error";
        } catch (RuntimeException e) {
            fail("unexpected failure for " + ByteBufUtil.hexDump(input), e);
        } finally {
            ch.finishAndReleaseAll();
        }
        List<String> out = new ArrayList<>(r.events);
        out.add(end);
        return out;
    }

    @Test
    void helloParserNeverFailsWithAnythingButAProtocolError() {
        Random rnd = new Random(SEED + 1);
        List<byte[]> seeds = List.of(
                ByteBufUtil.decodeHexDump("03696431077365637265743100040000000200000000000201" + "08AE00"),
                encodedBody(new Hello("client-1", "s3cr3t", 65536, List.of(
                        new Hello.Service(Protocol.KIND_HTTP, "blog", 0, false),
                        new Hello.Service(Protocol.KIND_HTTPS, "www", 0, false),
                        new Hello.Service(Protocol.KIND_TCP, null, 0, true)))));
        int decoded = 0;
        for (int i = 0; i < 60_000; i++) {
            byte[] input = mutate(rnd, seeds.get(rnd.nextInt(seeds.size())), seeds);
            ByteBuf b = Unpooled.wrappedBuffer(input);
            try {
                Hello h = Hello.decodeBody(b, 600);
                decoded++;
                assertTrue(h.id().length() >= 1 && h.services().size() >= 1);
                ByteBuf again = h.encode(io.netty.buffer.ByteBufAllocator.DEFAULT);
                try {
                    again.skipBytes(6);
                    assertEquals(h, Hello.decodeBody(again, 600));
                } finally {
                    again.release();
                }
            } catch (ProtocolException | Hello.TooManyServicesException expected) {
                // rejected with a named reason: fine
            } catch (RuntimeException e) {
                fail("unexpected failure for " + ByteBufUtil.hexDump(input), e);
            }
        }
        assertTrue(decoded > 100, "the fuzzer should also produce valid hellos, got " + decoded);
    }

    private static byte[] encodedBody(Hello h) {
        ByteBuf b = h.encode(io.netty.buffer.ByteBufAllocator.DEFAULT);
        try {
            b.skipBytes(6);
            return ByteBufUtil.getBytes(b);
        } finally {
            b.release();
        }
    }

    private static byte[] mutate(Random rnd, byte[] seed, List<byte[]> seeds) {
        byte[] b = seed.clone();
        int rounds = 1 + rnd.nextInt(4);
        for (int r = 0; r < rounds; r++) {
            switch (rnd.nextInt(7)) {
                case 0 -> { // bit flip
                    if (b.length > 0) {
                        int i = rnd.nextInt(b.length);
                        b[i] ^= (byte) (1 << rnd.nextInt(8));
                    }
                }
                case 1 -> { // random byte
                    if (b.length > 0) {
                        b[rnd.nextInt(b.length)] = (byte) rnd.nextInt(256);
                    }
                }
                case 2 -> b = java.util.Arrays.copyOf(b, rnd.nextInt(b.length + 1)); // truncate
                case 3 -> { // interesting value
                    if (b.length > 0) {
                        byte[] v = {0, (byte) 0xFF, 0x7F, (byte) 0x80, 1};
                        b[rnd.nextInt(b.length)] = v[rnd.nextInt(v.length)];
                    }
                }
                case 4 -> { // splice with another seed
                    byte[] o = seeds.get(rnd.nextInt(seeds.size()));
                    int cut = rnd.nextInt(b.length + 1);
                    byte[] n = new byte[cut + o.length];
                    System.arraycopy(b, 0, n, 0, cut);
                    System.arraycopy(o, 0, n, cut, o.length);
                    b = n;
                }
                case 5 -> { // duplicate a range
                    if (b.length > 1) {
                        int from = rnd.nextInt(b.length);
                        int len = 1 + rnd.nextInt(b.length - from);
                        byte[] n = new byte[b.length + len];
                        System.arraycopy(b, 0, n, 0, from + len);
                        System.arraycopy(b, from, n, from + len, b.length - from);
                        b = n;
                    }
                }
                default -> { // random tail
                    byte[] n = java.util.Arrays.copyOf(b, b.length + rnd.nextInt(16));
                    for (int i = b.length; i < n.length; i++) {
                        n[i] = (byte) rnd.nextInt(256);
                    }
                    b = n;
                }
            }
        }
        return b;
    }
}

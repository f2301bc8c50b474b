package dev.gt.p2p.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.code_intelligence.jazzer.junit.FuzzTest;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Timeout;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.zip.CRC32;

/**
 * The message parser on arbitrary bytes: it accepts or refuses without throwing, what it accepts
 * has every attribute inside the message, every accessor works on it, and re-encoding the
 * attributes it saw gives a message it parses the same way.
 */
@Timeout(value = 10, unit = TimeUnit.MINUTES) // a fuzzing run (JAZZER_FUZZ=1) lasts maxDuration
class StunParserFuzzTest {
    private final StunParser parser = new StunParser();
    private final CRC32 crc = new CRC32();

    @FuzzTest(maxDuration = "5m")
    void parse(byte[] input) {
        ByteBuf b = Unpooled.wrappedBuffer(input);
        if (!parser.parse(b)) {
            return;
        }
        assertEquals(input.length, Stun.HEADER + parser.length());
        assertEquals(0, parser.length() & 3);
        parser.fingerprintValid(crc);
        if (parser.hasIntegrity()) {
            TurnAuth.verify(parser, List.of(new byte[16]), Crypto.hmacSha1());
        }
        ByteBuf out = Unpooled.buffer();
        int s = StunEncoder.begin(out, parser.type(), b, 0);
        for (int i = 0; i < parser.attributeCount(); i++) {
            int off = parser.attributeOffset(i);
            int len = parser.attributeLength(i);
            assertTrue(off >= Stun.HEADER && off + len <= input.length, "attribute outside the message");
            parser.uint32(i);
            parser.string(i);
            InetSocketAddress plain = parser.address(i, false);
            InetSocketAddress xor = parser.address(i, true);
            assertEquals(plain == null, xor == null);
            StunEncoder.bytes(out, parser.attributeType(i), b, off, len);
        }
        StunEncoder.finish(out, s);
        int count = parser.attributeCount();
        int type = parser.type();
        assertTrue(parser.parse(out), "a re-encoded message must parse");
        assertEquals(count, parser.attributeCount());
        assertEquals(type, parser.type());
    }
}

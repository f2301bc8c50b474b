package dev.gt.p2p.internal;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.zip.CRC32;
import javax.crypto.Mac;
import org.junit.jupiter.api.Test;

/**
 * RFC 5769's test vectors (as transcribed in shared/reference/stun-vectors.txt): each is parsed,
 * its MESSAGE-INTEGRITY and FINGERPRINT verified, and the encoder reproduces them: byte for byte
 * when given the vector's own (space) padding, and field for field when it pads with zeros.
 */
class Rfc5769VectorsTest {
    static final String REQUEST = "000100582112a442b7e7a701bc34d686fa87dfae802200105354554e207465737420636c69656e74"
            + "002400046e0001ff80290008932ff9b151263b36000600096576746a3a68367659202020000800149aeaa70cbfd8cb56781ef2b5"
            + "b2d3f249c1b571a280280004e57a3bcf";
    static final String IPV4_RESPONSE = "0101003c2112a442b7e7a701bc34d686fa87dfae8022000b7465737420766563746f722000200008"
            + "0001a147e112a643000800142b91f599fd9e90c38c7489f92af9ba53f06be7d780280004c07d4c96";
    static final String IPV6_RESPONSE = "010100482112a442b7e7a701bc34d686fa87dfae8022000b7465737420766563746f722000200014"
            + "0002a1470113a9faa5d3f179bc25f4b5bed2b9d900080014a382954e4be67bf11784c97c8292c275bfe3ed4180280004c8fb0b4c";
    static final String LONG_TERM_REQUEST = "000100602112a44278ad3433c6ad72c029da412e00060012e3839ee38388e383aae38383e382"
            + "afe382b900000015001c662f2f3439396b39353464364f4c33346f4c394653547679363473410014000b6578616d706c652e6f7267"
            + "0000080014f67024656dd64a3e02b8e0712e85c9a28ca89666";
    static final byte[] SHORT_TERM_KEY = "VOkJxbRl1RmTxUk/WvJxBt".getBytes(StandardCharsets.UTF_8);

    private final StunParser parser = new StunParser();
    private final CRC32 crc = new CRC32();
    private final Mac hmac = Crypto.hmacSha1();

    @Test
    void sampleRequestParsesAndItsIntegrityAndFingerprintVerify() {
        assertTrue(parser.parse(Unpooled.wrappedBuffer(ByteBufUtil.decodeHexDump(REQUEST))));
        assertEquals(Stun.BINDING, parser.method());
        assertEquals(Stun.REQUEST, parser.cls());
        assertTrue(parser.hasCookie());
        assertEquals("STUN test client", parser.string(parser.find(Stun.SOFTWARE)));
        assertEquals(0x6e0001ffL, parser.uint32(parser.find(Stun.PRIORITY)));
        assertEquals("evtj:h6vY", parser.string(parser.find(Stun.USERNAME)));
        assertTrue(parser.fingerprintValid(crc));
        assertNotNull(TurnAuth.verify(parser, List.of(SHORT_TERM_KEY), hmac));
        assertNull(TurnAuth.verify(parser, List.of("wrong".getBytes(StandardCharsets.UTF_8)), hmac));
    }

    @Test
    void aFlippedBitBreaksTheFingerprintAndTheIntegrity() {
        byte[] raw = ByteBufUtil.decodeHexDump(REQUEST);
        raw[30] ^= 1; // inside SOFTWARE
        assertTrue(parser.parse(Unpooled.wrappedBuffer(raw)));
        assertFalse(parser.fingerprintValid(crc));
        assertNull(TurnAuth.verify(parser, List.of(SHORT_TERM_KEY), hmac));
    }

    @Test
    void ipv4ResponseDecodesAndReencodes() {
        checkResponse(IPV4_RESPONSE, new InetSocketAddress("192.0.2.1", 32853));
    }

    @Test
    void ipv6ResponseDecodesAndReencodes() {
        checkResponse(IPV6_RESPONSE, new InetSocketAddress("2001:db8:1234:5678:11:2233:4455:6677", 32853));
    }

    private void checkResponse(String hex, InetSocketAddress expected) {
        byte[] raw = ByteBufUtil.decodeHexDump(hex);
        ByteBuf b = Unpooled.wrappedBuffer(raw);
        assertTrue(parser.parse(b));
        assertEquals(Stun.type(Stun.BINDING, Stun.SUCCESS), parser.type());
        assertEquals(expected, parser.address(parser.find(Stun.XOR_MAPPED_ADDRESS), true));
        assertEquals("test vector", parser.string(parser.find(Stun.SOFTWARE)));
        assertTrue(parser.fingerprintValid(crc));
        assertNotNull(TurnAuth.verify(parser, List.of(SHORT_TERM_KEY), hmac));

        // From the fields: the same bytes up to MESSAGE-INTEGRITY, except SOFTWARE's padding (space there, zero here).
        ByteBuf out = Unpooled.buffer();
        int s = StunEncoder.begin(out, Stun.type(Stun.BINDING, Stun.SUCCESS), b, 0);
        StunEncoder.string(out, Stun.SOFTWARE, "test vector");
        StunEncoder.xorAddress(out, s, Stun.XOR_MAPPED_ADDRESS, expected);
        StunEncoder.messageIntegrity(out, s, Crypto.init(hmac, SHORT_TERM_KEY));
        StunEncoder.fingerprint(out, s, crc);
        byte[] ours = ByteBufUtil.getBytes(out);
        byte[] zeroPadded = raw.clone();
        zeroPadded[20 + 4 + 11] = 0;
        int miAt = raw.length - 8 - 24;
        assertEquals(raw.length, ours.length);
        assertArrayEquals(Arrays.copyOf(zeroPadded, miAt), Arrays.copyOf(ours, miAt));
        // Its own MESSAGE-INTEGRITY and FINGERPRINT verify.
        assertTrue(parser.parse(Unpooled.wrappedBuffer(ours)));
        assertTrue(parser.fingerprintValid(crc));
        assertNotNull(TurnAuth.verify(parser, List.of(SHORT_TERM_KEY), hmac));
    }

    @Test
    void encoderReproducesTheVectorsIntegrityAndFingerprint() {
        for (String hex : List.of(REQUEST, IPV4_RESPONSE, IPV6_RESPONSE)) {
            byte[] raw = ByteBufUtil.decodeHexDump(hex);
            ByteBuf out = Unpooled.buffer();
            out.writeBytes(raw, 0, raw.length - 8 - 24);
            StunEncoder.messageIntegrity(out, 0, Crypto.init(hmac, SHORT_TERM_KEY));
            StunEncoder.fingerprint(out, 0, crc);
            assertArrayEquals(raw, ByteBufUtil.getBytes(out), hex);
        }
    }

    @Test
    void longTermRequestVerifiesWithTheSaslPreparedKey() {
        String password = "The\u00ADM\u00AAtr\u2168";
        assertEquals("TheMatrIX", SaslPrep.prepare(password));
        byte[] raw = ByteBufUtil.decodeHexDump(LONG_TERM_REQUEST);
        assertTrue(parser.parse(Unpooled.wrappedBuffer(raw)));
        String username = parser.string(parser.find(Stun.USERNAME));
        assertEquals("\u30DE\u30C8\u30EA\u30C3\u30AF\u30B9", username);
        assertEquals("f//499k954d6OL34oL9FSTvy64sA", parser.string(parser.find(Stun.NONCE)));
        String realm = parser.string(parser.find(Stun.REALM));
        assertEquals("example.org", realm);
        byte[] key = Crypto.longTermKey(username, realm, SaslPrep.prepare(password));
        assertEquals("e8ca7ad59d5eb0518e312911d2dab2a9", ByteBufUtil.hexDump(key));
        assertNotNull(TurnAuth.verify(parser, List.of(key), hmac));
        assertFalse(parser.hasFingerprint());

        ByteBuf out = Unpooled.buffer();
        out.writeBytes(raw, 0, raw.length - 24);
        StunEncoder.messageIntegrity(out, 0, Crypto.init(hmac, key));
        StunEncoder.finish(out, 0);
        assertArrayEquals(raw, ByteBufUtil.getBytes(out));
    }
}

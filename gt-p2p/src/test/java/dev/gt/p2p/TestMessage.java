package dev.gt.p2p;

import dev.gt.p2p.internal.Crypto;
import dev.gt.p2p.internal.Stun;
import dev.gt.p2p.internal.StunEncoder;
import dev.gt.p2p.internal.StunParser;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.zip.CRC32;

/** Builds requests for the tests, and reads answers. */
final class TestMessage {
    final int type;
    final byte[] id = new byte[16];
    private final List<byte[]> attributes = new ArrayList<>();
    private final List<Object> xorAddresses = new ArrayList<>();
    private boolean fingerprint = true;
    private byte[] key;

    private TestMessage(int type, boolean rfc3489) {
        this.type = type;
        ThreadLocalRandom.current().nextBytes(id);
        if (!rfc3489) {
            id[0] = 0x21;
            id[1] = 0x12;
            id[2] = (byte) 0xA4;
            id[3] = 0x42;
        } else {
            id[0] = 0x01; // anything but the cookie
        }
    }

    static TestMessage request(int method) {
        return new TestMessage(Stun.type(method, Stun.REQUEST), false);
    }

    static TestMessage indication(int method) {
        return new TestMessage(Stun.type(method, Stun.INDICATION), false);
    }

    static TestMessage rfc3489Binding() {
        TestMessage m = new TestMessage(Stun.type(Stun.BINDING, Stun.REQUEST), true);
        m.fingerprint = false;
        return m;
    }

    TestMessage attr(int attributeType, byte[] value) {
        attributes.add(StunEncoder.encodeAttribute(attributeType, value));
        xorAddresses.add(null);
        return this;
    }

    TestMessage text(int attributeType, String value) {
        return attr(attributeType, value.getBytes(StandardCharsets.UTF_8));
    }

    TestMessage uint32(int attributeType, long v) {
        return attr(attributeType, new byte[] {(byte) (v >> 24), (byte) (v >> 16), (byte) (v >> 8), (byte) v});
    }

    TestMessage xorAddress(int attributeType, InetSocketAddress a) {
        attributes.add(null);
        xorAddresses.add(new Object[] {attributeType, a});
        return this;
    }

    TestMessage noFingerprint() {
        this.fingerprint = false;
        return this;
    }

    /** Long-term credentials: USERNAME, REALM, NONCE and MESSAGE-INTEGRITY with MD5(user:realm:password). */
    TestMessage credentials(String user, String realm, String nonce, String password) {
        text(Stun.USERNAME, user);
        text(Stun.REALM, realm);
        text(Stun.NONCE, nonce);
        key = Crypto.longTermKey(user, realm, password);
        return this;
    }

    byte[] bytes() {
        ByteBuf out = Unpooled.buffer();
        int s = StunEncoder.begin(out, type, id);
        for (int i = 0; i < attributes.size(); i++) {
            if (attributes.get(i) != null) {
                StunEncoder.raw(out, attributes.get(i));
            } else {
                Object[] x = (Object[]) xorAddresses.get(i);
                StunEncoder.xorAddress(out, s, (Integer) x[0], (InetSocketAddress) x[1]);
            }
        }
        if (key != null) {
            StunEncoder.messageIntegrity(out, s, Crypto.init(Crypto.hmacSha1(), key));
        }
        if (fingerprint) {
            StunEncoder.fingerprint(out, s, new CRC32());
        } else {
            StunEncoder.finish(out, s);
        }
        byte[] b = ByteBufUtil.getBytes(out);
        out.release();
        return b;
    }

    /** An answer, parsed. */
    static final class Answer {
        final byte[] raw;
        final StunParser p = new StunParser();

        Answer(byte[] raw) {
            this.raw = raw;
            if (!p.parse(Unpooled.wrappedBuffer(raw))) {
                throw new AssertionError("not a STUN message: " + ByteBufUtil.hexDump(raw));
            }
        }

        int cls() {
            return p.cls();
        }

        int method() {
            return p.method();
        }

        boolean answers(TestMessage m) {
            return p.transactionIdEquals(m.id);
        }

        /** The error code, or 0 for a success. */
        int errorCode() {
            int i = p.find(Stun.ERROR_CODE);
            if (i < 0) {
                return 0;
            }
            int off = p.attributeOffset(i);
            return p.buffer().getUnsignedByte(off + 2) * 100 + p.buffer().getUnsignedByte(off + 3);
        }

        String text(int attributeType) {
            int i = p.find(attributeType);
            return i < 0 ? null : p.string(i);
        }

        boolean has(int attributeType) {
            return p.find(attributeType) >= 0;
        }

        long uint32(int attributeType) {
            return p.uint32(p.find(attributeType));
        }

        InetSocketAddress address(int attributeType, boolean xor) {
            int i = p.find(attributeType);
            return i < 0 ? null : p.address(i, xor);
        }

        List<Integer> unknownAttributes() {
            int i = p.find(Stun.UNKNOWN_ATTRIBUTES);
            List<Integer> out = new ArrayList<>();
            for (int k = 0; k < p.attributeLength(i); k += 2) {
                out.add(p.buffer().getUnsignedShort(p.attributeOffset(i) + k));
            }
            return out;
        }

        boolean fingerprintValid() {
            return p.hasFingerprint() && p.fingerprintValid(new CRC32());
        }

        boolean integrityValid(byte[] key) {
            return p.hasIntegrity() && dev.gt.p2p.internal.TurnAuth.verify(p, List.of(key), Crypto.hmacSha1()) != null;
        }

        byte[] data() {
            int i = p.find(Stun.DATA_ATTR);
            byte[] d = new byte[p.attributeLength(i)];
            p.buffer().getBytes(p.attributeOffset(i), d);
            return d;
        }
    }
}

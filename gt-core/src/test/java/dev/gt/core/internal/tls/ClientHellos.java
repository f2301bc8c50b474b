package dev.gt.core.internal.tls;

import javax.net.ssl.SNIHostName;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLParameters;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.SplittableRandom;

/** ClientHello samples for the scanner tests: real ones (JDK, Chrome) and a deterministic builder. */
final class ClientHellos {

    /**
     * The Chrome ClientHello captured in GT's {@code server/tls_test.go} (SNI assets.msn.cn): one
     * record of 597 bytes with GREASE values, ALPN, key_share and a pre_shared_key extension last.
     */
    static final String CHROME_HEX = "1603010255010002510303be8eccdd54ca3147ca8a55b52d8d2845b36f114497ef9ac4fc55abd2d9fcf4c0"
            + "20126c4d026115eb79acec6d09228464c2625726468bd7d89974b6922fd05742e70020fafa130113021303c02bc02fc02c"
            + "c030cca9cca8c013c014009c009d002f0035010001e8baba000000000012001000000d6173736574732e6d736e2e636e00"
            + "170000ff01000100000a000a0008baba001d00170018000b00020100002300000010000e000c02683208687474702f312e"
            + "31000500050100000000000d0012001004030804040105030805050108060601001200000033002b0029baba000100001d"
            + "0020065bc8a4e837100b29783c739d00bdb017ea471ca56a0f7122222c49f5f73311002d00020101002b000b0adada0304"
            + "030303020301001b0003020002446900050003026832fafa0001000029011b00e600e000004b28939eefd45f2dac0a2620"
            + "83c164a34426309c554007e7336ffbe4dac8d54fd34e1eb219a443821ad8b777b3948e48a2bb6bfa1d73492f3bae723bdd"
            + "7e1eb29bfc39bbe069ed1c5ac86af6768997752ff37fcc7807a94ad78957af47e6a1a7b3d9989c7996494d5fae7013e32b"
            + "8ec9058c154943c6de98d1f1dfc578add8e957bd6431d493c854a3a90fe07311be7715f86732a147628b4ce716cf9804d9"
            + "c0de90ce1604678fdf1f2807711c79c743a84f84931352922a866e1a7ddd4e5f31eb1b2479175be62a1bfb9cabf0ef0813"
            + "680aac5c61e348d396fd93c4b11c3dfc80b500313018ba4c08126c0a92c9b758254a140bff167022c842e3430541c862ae"
            + "526dac56a74c280771afd3fdface4deb5655e35a";

    /** X25519MLKEM768 (draft-kwiatkowski-tls-ecdhe-mlkem): 1184-byte ML-KEM key plus 32-byte X25519 share. */
    static final int GROUP_X25519_MLKEM768 = 0x11ec;
    static final int GROUP_X25519 = 0x001d;
    static final int EXT_KEY_SHARE = 0x0033;
    static final int EXT_SUPPORTED_VERSIONS = 0x002b;
    static final int EXT_SUPPORTED_GROUPS = 0x000a;
    static final int EXT_SIGNATURE_ALGORITHMS = 0x000d;

    private ClientHellos() {
    }

    static byte[] chrome() {
        return HexFormat.of().parseHex(CHROME_HEX);
    }

    /**
     * The first flight of a JDK {@link SSLEngine} client: exactly the ClientHello record(s).
     *
     * @param protocol   e.g. {@code TLSv1.3} or {@code TLSv1.2}
     * @param serverName SNI host name, or null for none
     */
    static byte[] jdk(String protocol, String serverName) throws GeneralSecurityException, SSLException {
        SSLContext context = SSLContext.getInstance("TLS");
        context.init(null, null, null);
        // Without a peer host the engine sends no SNI of its own; the parameters decide.
        SSLEngine engine = context.createSSLEngine();
        engine.setUseClientMode(true);
        SSLParameters parameters = engine.getSSLParameters();
        parameters.setProtocols(new String[] {protocol});
        parameters.setServerNames(serverName == null ? List.of() : List.of(new SNIHostName(serverName)));
        engine.setSSLParameters(parameters);
        ByteBuffer out = ByteBuffer.allocate(engine.getSession().getPacketBufferSize());
        engine.wrap(ByteBuffer.allocate(0), out);
        out.flip();
        byte[] hello = new byte[out.remaining()];
        out.get(hello);
        engine.closeOutbound();
        return hello;
    }

    /** Wraps a handshake message in records carrying at most the given fragment sizes (the last repeats). */
    static byte[] records(byte[] message, int... sizes) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        int at = 0;
        int i = 0;
        while (at < message.length) {
            int n = Math.min(message.length - at, sizes[Math.min(i++, sizes.length - 1)]);
            record(out, 22, 0x0301, message, at, n);
            at += n;
        }
        return out.toByteArray();
    }

    /** Wraps a handshake message in records of random sizes, as a fuzzer would. */
    static byte[] randomRecords(byte[] message, SplittableRandom random) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        int at = 0;
        // Mostly one record; tiny fragments are legal but costly to fuzz, so rarer.
        int kind = random.nextInt(8);
        int maxFragment = kind < 4 ? 16384 : kind < 7 ? 1 + random.nextInt(1200) : 1 + random.nextInt(8);
        while (at < message.length) {
            int n = Math.min(message.length - at, 1 + random.nextInt(maxFragment));
            int version = random.nextInt(4) == 0 ? 0x0300 + random.nextInt(5) : 0x0301;
            record(out, 22, version, message, at, n);
            at += n;
        }
        return out.toByteArray();
    }

    static void record(ByteArrayOutputStream out, int type, int version, byte[] data, int from, int length) {
        out.write(type);
        out.write(version >> 8);
        out.write(version);
        out.write(length >> 8);
        out.write(length);
        out.write(data, from, length);
    }

    static byte[] concat(byte[]... parts) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (byte[] p : parts) {
            out.writeBytes(p);
        }
        return out.toByteArray();
    }

    static byte[] ascii(String s) {
        return s.getBytes(StandardCharsets.ISO_8859_1);
    }

    /** Deterministic builder of ClientHello handshake messages, header included. */
    static final class Hello {
        int type = 1;
        int legacyVersion = 0x0303;
        byte[] sessionId = filled(32, 0x5a);
        int[] cipherSuites = {0x1301, 0x1302, 0x1303, 0xc02b, 0xc02f};
        byte[] compression = {0};
        boolean extensionsBlock = true;
        final List<byte[]> extensions = new ArrayList<>();
        /** Replaces the computed body length in the header when set. */
        Integer declaredLength;

        /** A TLS 1.3-looking hello: supported_versions, groups, signature algorithms, an X25519 key share. */
        static Hello tls13(String serverName) {
            Hello h = new Hello();
            if (serverName != null) {
                h.sni(serverName);
            }
            h.extension(EXT_SUPPORTED_GROUPS, u16list(GROUP_X25519_MLKEM768, GROUP_X25519, 0x0017));
            h.extension(EXT_SIGNATURE_ALGORITHMS, u16list(0x0403, 0x0804, 0x0401));
            h.extension(EXT_SUPPORTED_VERSIONS, new byte[] {4, 3, 4, 3, 3});
            h.extension(EXT_KEY_SHARE, keyShares(new int[] {GROUP_X25519}, new int[] {32}));
            return h;
        }

        /**
         * A hello like Chrome's since 2024: an X25519MLKEM768 share of 1216 bytes plus, for size, an
         * ML-KEM-1024-sized share, about 2.9 KB in all. The SNI goes last so it lies in the last record.
         */
        static Hello postQuantum(String serverName) {
            Hello h = new Hello();
            h.extension(EXT_SUPPORTED_GROUPS, u16list(GROUP_X25519_MLKEM768, 0x0202, GROUP_X25519));
            h.extension(EXT_SUPPORTED_VERSIONS, new byte[] {2, 3, 4});
            h.extension(EXT_KEY_SHARE, keyShares(new int[] {GROUP_X25519_MLKEM768, 0x0202, GROUP_X25519},
                    new int[] {1216, 1568, 32}));
            if (serverName != null) {
                h.sni(serverName);
            }
            return h;
        }

        Hello sni(String... hostNames) {
            ByteArrayOutputStream list = new ByteArrayOutputStream();
            for (String name : hostNames) {
                list.writeBytes(serverNameEntry(0, ascii(name)));
            }
            return extension(0, vector16(list.toByteArray()));
        }

        Hello extension(int extensionType, byte[] data) {
            extensions.add(extension16(extensionType, data));
            return this;
        }

        byte[] body() {
            ByteArrayOutputStream b = new ByteArrayOutputStream();
            b.write(legacyVersion >> 8);
            b.write(legacyVersion);
            for (int i = 0; i < 32; i++) {
                b.write(i * 7 + 1);
            }
            b.write(sessionId.length);
            b.writeBytes(sessionId);
            b.writeBytes(vector16(u16array(cipherSuites)));
            b.write(compression.length);
            b.writeBytes(compression);
            if (extensionsBlock) {
                ByteArrayOutputStream all = new ByteArrayOutputStream();
                extensions.forEach(all::writeBytes);
                b.writeBytes(vector16(all.toByteArray()));
            }
            return b.toByteArray();
        }

        byte[] message() {
            byte[] body = body();
            int length = declaredLength != null ? declaredLength : body.length;
            ByteArrayOutputStream m = new ByteArrayOutputStream();
            m.write(type);
            m.write(length >> 16);
            m.write(length >> 8);
            m.write(length);
            m.writeBytes(body);
            return m.toByteArray();
        }

        /** The message in a single record. */
        byte[] record() {
            return records(message(), 16384);
        }
    }

    static byte[] serverNameEntry(int nameType, byte[] name) {
        ByteArrayOutputStream e = new ByteArrayOutputStream();
        e.write(nameType);
        e.writeBytes(vector16(name));
        return e.toByteArray();
    }

    static byte[] extension16(int type, byte[] data) {
        ByteArrayOutputStream e = new ByteArrayOutputStream();
        e.write(type >> 8);
        e.write(type);
        e.writeBytes(vector16(data));
        return e.toByteArray();
    }

    static byte[] vector16(byte[] data) {
        byte[] v = new byte[data.length + 2];
        v[0] = (byte) (data.length >> 8);
        v[1] = (byte) data.length;
        System.arraycopy(data, 0, v, 2, data.length);
        return v;
    }

    static byte[] u16list(int... values) {
        return vector16(u16array(values));
    }

    static byte[] u16array(int... values) {
        byte[] out = new byte[values.length * 2];
        for (int i = 0; i < values.length; i++) {
            out[2 * i] = (byte) (values[i] >> 8);
            out[2 * i + 1] = (byte) values[i];
        }
        return out;
    }

    /** client_shares: a vector of (group, key_exchange) with deterministic key bytes. */
    static byte[] keyShares(int[] groups, int[] sizes) {
        ByteArrayOutputStream shares = new ByteArrayOutputStream();
        for (int i = 0; i < groups.length; i++) {
            shares.write(groups[i] >> 8);
            shares.write(groups[i]);
            byte[] key = new byte[sizes[i]];
            for (int k = 0; k < key.length; k++) {
                key[k] = (byte) (k * 31 + i);
            }
            shares.writeBytes(vector16(key));
        }
        return vector16(shares.toByteArray());
    }

    static byte[] filled(int n, int value) {
        byte[] b = new byte[n];
        java.util.Arrays.fill(b, (byte) value);
        return b;
    }
}

package dev.gt.p2p.internal;

import java.net.InetAddress;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.time.Clock;
import java.util.Base64;
import javax.crypto.Mac;

/**
 * Stateless nonces for the long-term credential mechanism: {@code base64url(expiry ‖
 * HMAC-SHA256(key, expiry ‖ client IP)[0..12])}. The server remembers nothing per nonce, so a
 * flood of unauthenticated requests costs no memory; a nonce only works from the address it was
 * given to and until its expiry, after which the client gets 438 (Stale Nonce) and a fresh one.
 */
public final class Nonces {
    private static final int MAC_BYTES = 12;
    private static final int RAW = 8 + MAC_BYTES;
    /** Base64 of 20 bytes without padding. */
    public static final int LENGTH = 27;

    private final byte[] key = new byte[32];
    private final long lifetimeMillis;
    private final Clock clock;

    public Nonces(long lifetimeMillis, Clock clock, SecureRandom random) {
        random.nextBytes(key);
        this.lifetimeMillis = lifetimeMillis;
        this.clock = clock;
    }

    /** A fresh nonce for a client at {@code client}; {@code mac} is a thread's own HmacSHA256 instance. */
    public String issue(InetAddress client, Mac mac) {
        long expiry = clock.millis() + lifetimeMillis;
        byte[] raw = new byte[RAW];
        ByteBuffer.wrap(raw).putLong(expiry);
        byte[] tag = tag(mac, expiry, client);
        System.arraycopy(tag, 0, raw, 8, MAC_BYTES);
        return Base64.getUrlEncoder().withoutPadding().encodeToString(raw);
    }

    /** What a nonce presented by a client is worth. */
    public enum Check { VALID, STALE, INVALID }

    public Check check(String nonce, InetAddress client, Mac mac) {
        if (nonce.length() != LENGTH) {
            return Check.INVALID;
        }
        byte[] raw;
        try {
            raw = Base64.getUrlDecoder().decode(nonce.getBytes(StandardCharsets.US_ASCII));
        } catch (IllegalArgumentException e) {
            return Check.INVALID;
        }
        if (raw.length != RAW) {
            return Check.INVALID;
        }
        long expiry = ByteBuffer.wrap(raw).getLong();
        byte[] tag = tag(mac, expiry, client);
        byte[] given = new byte[MAC_BYTES];
        System.arraycopy(raw, 8, given, 0, MAC_BYTES);
        byte[] expected = new byte[MAC_BYTES];
        System.arraycopy(tag, 0, expected, 0, MAC_BYTES);
        if (!MessageDigest.isEqual(given, expected)) {
            // Not ours, or from another address: a stale answer gives the client a nonce it can use.
            return Check.STALE;
        }
        return clock.millis() < expiry ? Check.VALID : Check.STALE;
    }

    private byte[] tag(Mac mac, long expiry, InetAddress client) {
        Crypto.init(mac, key);
        mac.update(ByteBuffer.allocate(8).putLong(0, expiry));
        mac.update(client.getAddress());
        return mac.doFinal();
    }
}

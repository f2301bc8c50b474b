package dev.gt.p2p.internal;

import dev.gt.p2p.TurnRestCredentials;
import java.nio.ByteBuffer;
import java.security.MessageDigest;
import java.time.Clock;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import javax.crypto.Mac;

/**
 * The long-term credentials TURN accepts: fixed users ({@code -turnUser}), whose keys are computed
 * once, and TURN REST usernames ({@code -turnSecret}), whose passwords are derived from a secret
 * and which are refused once their expiry has passed. Immutable and thread-safe.
 */
public final class TurnAuth {
    private final String realm;
    private final Map<String, byte[]> userKeys;
    private final List<String> secrets;
    private final Clock clock;

    public TurnAuth(String realm, Map<String, String> users, List<String> secrets, Clock clock) {
        this.realm = realm;
        Map<String, byte[]> keys = new HashMap<>();
        users.forEach((name, password) -> keys.put(name, Crypto.longTermKey(name, realm, SaslPrep.prepare(password))));
        this.userKeys = Map.copyOf(keys);
        this.secrets = List.copyOf(secrets);
        this.clock = clock;
    }

    public String realm() {
        return realm;
    }

    public boolean enabled() {
        return !userKeys.isEmpty() || !secrets.isEmpty();
    }

    /**
     * The keys that may have signed a request from {@code username}: one for a fixed user, one per
     * secret for a REST username that has not expired, none otherwise.
     */
    public List<byte[]> candidateKeys(String username) {
        byte[] k = userKeys.get(username);
        if (k != null) {
            return List.of(k);
        }
        if (secrets.isEmpty()) {
            return List.of();
        }
        long expiry = restExpiry(username);
        if (expiry < 0 || expiry <= clock.instant().getEpochSecond()) {
            return List.of();
        }
        List<byte[]> out = new ArrayList<>(secrets.size());
        for (String secret : secrets) {
            out.add(Crypto.longTermKey(username, realm, TurnRestCredentials.password(secret, username)));
        }
        return out;
    }

    /**
     * The expiry (Unix seconds) in a REST username, {@code "<expiry>:<name>"} or just
     * {@code "<expiry>"}, or -1 when it has none.
     */
    public static long restExpiry(String username) {
        int colon = username.indexOf(':');
        int end = colon < 0 ? username.length() : colon;
        if (end == 0 || end > 18) {
            return -1;
        }
        long v = 0;
        for (int i = 0; i < end; i++) {
            char c = username.charAt(i);
            if (c < '0' || c > '9') {
                return -1;
            }
            v = v * 10 + (c - '0');
        }
        return v;
    }

    /**
     * Checks the MESSAGE-INTEGRITY of the parsed request with each candidate key, in constant time
     * per key; returns the key that matches or {@code null}.
     */
    public static byte[] verify(StunParser m, List<byte[]> keys, Mac mac) {
        int mi = m.integrityOffset();
        int start = m.start();
        byte[] given = new byte[20];
        m.buffer().getBytes(mi + 4, given);
        byte[] matched = null;
        for (byte[] key : keys) {
            Crypto.init(mac, key);
            // The header as it was when the sender computed the HMAC: length ending after MESSAGE-INTEGRITY.
            mac.update(m.buffer().nioBuffer(start, 2));
            mac.update(ByteBuffer.allocate(2).putShort(0, (short) (mi + 24 - start - Stun.HEADER)));
            mac.update(m.buffer().nioBuffer(start + 4, mi - start - 4));
            byte[] h = mac.doFinal();
            if (MessageDigest.isEqual(h, given) && matched == null) {
                matched = key;
            }
        }
        return matched;
    }
}

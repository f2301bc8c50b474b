package dev.gt.p2p.internal;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/** The hashes STUN and TURN need, by name; every JDK has them, so their absence is an error. */
public final class Crypto {
    private Crypto() {
    }

    public static Mac hmacSha1() {
        try {
            return Mac.getInstance("HmacSHA1");
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA1 is missing from this JDK", e);
        }
    }

    public static Mac hmacSha256() {
        try {
            return Mac.getInstance("HmacSHA256");
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA256 is missing from this JDK", e);
        }
    }

    public static MessageDigest md5() {
        try {
            return MessageDigest.getInstance("MD5");
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("MD5 is missing from this JDK", e);
        }
    }

    /** Initialises {@code mac} with a raw key. */
    public static Mac init(Mac mac, byte[] key) {
        try {
            mac.init(new SecretKeySpec(key, mac.getAlgorithm()));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("cannot key " + mac.getAlgorithm(), e);
        }
        return mac;
    }

    /** RFC 5389 §15.4 long-term key: MD5(username ":" realm ":" SASLprep(password)). */
    public static byte[] longTermKey(String username, String realm, String preparedPassword) {
        return md5().digest((username + ":" + realm + ":" + preparedPassword).getBytes(StandardCharsets.UTF_8));
    }
}

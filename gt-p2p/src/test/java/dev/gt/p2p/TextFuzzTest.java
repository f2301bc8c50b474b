package dev.gt.p2p;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Timeout;
import dev.gt.p2p.internal.Cidr;
import dev.gt.p2p.internal.Crypto;
import dev.gt.p2p.internal.Nonces;
import dev.gt.p2p.internal.SaslPrep;
import dev.gt.p2p.internal.TurnAuth;
import java.net.InetAddress;
import java.security.SecureRandom;
import java.time.Clock;

/**
 * The text decoders: stun: URIs, address ranges, passwords, REST usernames and nonces from
 * peers. Each accepts, or refuses with IllegalArgumentException; nothing else may escape.
 */
@Timeout(value = 10, unit = TimeUnit.MINUTES) // a fuzzing run (JAZZER_FUZZ=1) lasts maxDuration
class TextFuzzTest {
    private static final Nonces NONCES = new Nonces(60_000, Clock.systemUTC(), new SecureRandom());

    @FuzzTest(maxDuration = "3m")
    void text(FuzzedDataProvider data) throws Exception {
        String s = data.consumeRemainingAsString();
        try {
            StunUri u = StunUri.parse(s);
            if (!StunUri.parse(u.toString()).equals(u)) {
                throw new AssertionError("stun: URI does not survive its own toString: " + s);
            }
        } catch (IllegalArgumentException expected) {
            // refused with a message
        }
        try {
            Cidr c = Cidr.parse(s);
            if (!Cidr.parse(c.toString()).equals(c)) {
                throw new AssertionError("range does not survive its own toString: " + s);
            }
        } catch (IllegalArgumentException expected) {
            // refused
        }
        try {
            SaslPrep.prepare(s);
        } catch (IllegalArgumentException expected) {
            // prohibited character
        }
        TurnAuth.restExpiry(s);
        NONCES.check(s, InetAddress.getLoopbackAddress(), Crypto.hmacSha256());
    }
}

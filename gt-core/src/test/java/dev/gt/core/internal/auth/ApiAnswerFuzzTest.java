package dev.gt.core.internal.auth;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.gt.core.internal.client.RemoteApiAccess;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Seeded mutation fuzzing of the two JSON answers GT for Java reads from outside: the auth API's
 * ({@code result}, {@code appletTokens}) and the remote API's ({@code serverAddress}). Whatever
 * the bytes, a parser either returns a well-formed answer or fails with an IOException (which the
 * callers turn into "unavailable"); nothing else escapes, nothing hangs.
 */
@Timeout(60)
class ApiAnswerFuzzTest {
    private static final long SEED = 0x6774_6170_69L;
    private static final int ITERATIONS = 100_000;
    private static final String[] SEEDS = {
            "{\"result\":true}",
            "{\"result\":false}",
            "{\"result\":true,\"appletTokens\":[\"a\",\"b-c\"]}",
            "{\"appletTokens\":null,\"result\":true,\"extra\":{\"x\":[1,2,{\"y\":null}]}}",
            "{\"serverAddress\":\"tcp://127.0.0.1:8080\",\"stunAddress\":\"stun:1.2.3.4:3478\"}",
            "{\"serverAddress\":\"tls://gt.example.com\"}",
            "[true]", "true", "", "{}", "{\"result\":\"true\"}", "{\"result\":1}",
    };
    private static final String[] INSERTS = {"{", "}", "[", "]", "\"", ":", ",", "\\", "\\u0000", "true", "null",
            "1e999", "-", "\u00e9", "\uD83D\uDE00", "/*", "\n", " "};

    @Test
    void parsersReturnAnAnswerOrAnIoException() {
        SplittableRandom rnd = new SplittableRandom(SEED);
        RemoteApiAccess remote = new RemoteApiAccess();
        int accepted = 0;
        int addresses = 0;
        for (int i = 0; i < ITERATIONS; i++) {
            byte[] input = mutate(SEEDS[rnd.nextInt(SEEDS.length)], rnd);
            try {
                HttpAuthenticator.Parsed p = HttpAuthenticator.parse(input);
                if (p.problem == null) {
                    assertNotNull(p.resultField);
                    if (p.tokens != null) {
                        p.tokens.forEach(t -> assertNotNull(t));
                    }
                    accepted++;
                }
            } catch (IOException expected) {
                // invalid JSON: the caller answers "unavailable"
            } catch (RuntimeException e) {
                fail("auth answer parser threw " + e + " on iteration " + i + ": " + show(input), e);
            }
            try {
                String address = remote.parse(input);
                assertFalse(address.isBlank());
                addresses++;
            } catch (IOException expected) {
                // the caller retries after -reconnectDelay
            } catch (RuntimeException e) {
                fail("remote API answer parser threw " + e + " on iteration " + i + ": " + show(input), e);
            }
        }
        // The mutations must leave many inputs valid, or the fuzzing only tests the error path.
        assertTrue(accepted > ITERATIONS / 20, "valid auth answers: " + accepted);
        assertTrue(addresses > ITERATIONS / 50, "valid remote answers: " + addresses);
    }

    private static byte[] mutate(String seed, SplittableRandom rnd) {
        StringBuilder sb = new StringBuilder(seed);
        int edits = rnd.nextInt(4);
        for (int e = 0; e < edits; e++) {
            int at = sb.length() == 0 ? 0 : rnd.nextInt(sb.length() + 1);
            switch (rnd.nextInt(3)) {
                case 0 -> sb.insert(at, INSERTS[rnd.nextInt(INSERTS.length)]);
                case 1 -> {
                    if (sb.length() > 0) {
                        sb.deleteCharAt(Math.min(at, sb.length() - 1));
                    }
                }
                default -> {
                    if (sb.length() > 0) {
                        sb.setCharAt(Math.min(at, sb.length() - 1), (char) rnd.nextInt(0x80));
                    }
                }
            }
        }
        byte[] b = sb.toString().getBytes(StandardCharsets.UTF_8);
        if (rnd.nextInt(20) == 0 && b.length > 0) {
            b[rnd.nextInt(b.length)] = (byte) rnd.nextInt(256); // invalid UTF-8 too
        }
        return b;
    }

    private static String show(byte[] b) {
        return new String(b, StandardCharsets.ISO_8859_1).replace("\n", "\\n");
    }
}

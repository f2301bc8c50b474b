package dev.gt.p2p;

import dev.gt.p2p.internal.Crypto;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.Objects;
import javax.crypto.Mac;

/**
 * Short-lived TURN credentials in the "TURN REST API" scheme that coturn calls
 * {@code use-auth-secret}: a server that shares a secret with a TURN server hands its clients
 * {@code username = "<expiry unix seconds>:<name>"} and
 * {@code password = base64(HMAC-SHA1(secret, username))}; the TURN server checks the password
 * with the same secret and refuses the username once the expiry has passed. No user list is
 * needed on the TURN server.
 *
 * <pre>{@code
 * TurnRestCredentials c = TurnRestCredentials.issue(secret, "client-7", Duration.ofHours(1), Clock.systemUTC());
 * // give c.username() and c.password() to the client, with the server's turn: URI
 * }</pre>
 *
 * Immutable. {@link #toString()} does not show the password.
 */
public final class TurnRestCredentials {
    private final String username;
    private final String password;
    private final Instant expiresAt;

    private TurnRestCredentials(String username, String password, Instant expiresAt) {
        this.username = username;
        this.password = password;
        this.expiresAt = expiresAt;
    }

    /**
     * Issues credentials for {@code name} valid for {@code ttl} from the clock's now.
     *
     * @param secret the secret shared with the TURN server ({@code -turnSecret})
     * @param name who they are for; shown in the TURN server's log, may be empty
     * @param ttl how long they are accepted, at least one second
     * @param clock the time source
     */
    public static TurnRestCredentials issue(String secret, String name, Duration ttl, Clock clock) {
        Objects.requireNonNull(secret, "secret");
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(ttl, "ttl");
        Objects.requireNonNull(clock, "clock");
        if (secret.isEmpty()) {
            throw new IllegalArgumentException("secret: empty (expected the shared TURN secret)");
        }
        if (ttl.getSeconds() < 1) {
            throw new IllegalArgumentException("ttl: " + ttl + " (expected at least 1 second)");
        }
        Instant expiry = Instant.ofEpochSecond(clock.instant().getEpochSecond()).plusSeconds(ttl.getSeconds());
        String username = expiry.getEpochSecond() + ":" + name;
        return new TurnRestCredentials(username, password(secret, username), expiry);
    }

    /** The password that {@code secret} gives {@code username}: base64(HMAC-SHA1(secret, username)). */
    public static String password(String secret, String username) {
        Mac mac = Crypto.init(Crypto.hmacSha1(), secret.getBytes(StandardCharsets.UTF_8));
        return Base64.getEncoder().encodeToString(mac.doFinal(username.getBytes(StandardCharsets.UTF_8)));
    }

    /** {@code "<expiry unix seconds>:<name>"}. */
    public String username() {
        return username;
    }

    /** The password for {@link #username()}; keep it secret. */
    public String password() {
        return password;
    }

    /** When the TURN server stops accepting them. */
    public Instant expiresAt() {
        return expiresAt;
    }

    @Override
    public String toString() {
        return "TurnRestCredentials{username=" + username + ", password=***, expiresAt=" + expiresAt + "}";
    }
}

package dev.gt.api.spi;

import java.util.Collection;
import java.util.Objects;
import java.util.Set;

/**
 * An {@link Authenticator}'s answer: accept (optionally restricting the host prefixes the client
 * may register) or reject with a reason. Immutable.
 */
public final class AuthResult {
    private static final AuthResult ACCEPT_ALL = new AuthResult(true, null, null, null);

    private final boolean accepted;
    private final Set<String> allowedHostPrefixes;
    private final String reason;
    private final UserLimits limits;

    private AuthResult(boolean accepted, Set<String> allowedHostPrefixes, String reason, UserLimits limits) {
        this.accepted = accepted;
        this.allowedHostPrefixes = allowedHostPrefixes;
        this.reason = reason;
        this.limits = limits;
    }

    /** Accepts the client with every host prefix it asked for (still subject to the server's rules). */
    public static AuthResult accept() {
        return ACCEPT_ALL;
    }

    /**
     * Accepts the client, keeping only the host prefixes in {@code allowed} plus the client id
     * itself (GT's {@code appletTokens}); requested prefixes outside that set are dropped without
     * an error, as in GT. Prefixes are compared case-insensitively.
     */
    public static AuthResult accept(Collection<String> allowed) {
        return new AuthResult(true, Set.copyOf(allowed), null, null);
    }

    /**
     * Rejects the client; {@code reason} goes to the server's log and events (the client is told
     * only that its id or secret is invalid, like for any failed login).
     */
    public static AuthResult reject(String reason) {
        return new AuthResult(false, null, Objects.requireNonNull(reason, "reason"), null);
    }

    /** This acceptance with limits of the id's own instead of the server's global ones. */
    public AuthResult withLimits(UserLimits limits) {
        if (!accepted) {
            throw new IllegalStateException("limits belong to an accepted client");
        }
        return new AuthResult(true, allowedHostPrefixes, null, Objects.requireNonNull(limits, "limits"));
    }

    /** The id's own limits, or {@code null} for the server's. */
    public UserLimits limits() {
        return limits;
    }

    /** Whether the client may open the tunnel. */
    public boolean accepted() {
        return accepted;
    }

    /** The host prefixes the client may register besides its id, or {@code null} for no restriction. */
    public Set<String> allowedHostPrefixes() {
        return allowedHostPrefixes;
    }

    /** Why the client was rejected, or {@code null} when accepted. */
    public String reason() {
        return reason;
    }

    @Override
    public String toString() {
        return accepted ? "AuthResult{accepted" + (allowedHostPrefixes == null ? "" : ", allowed=" + allowedHostPrefixes)
                + (limits == null ? "" : ", " + limits) + "}" : "AuthResult{rejected: " + reason + "}";
    }
}

package dev.gt.api.spi;

import java.util.concurrent.CompletionStage;

/**
 * Decides whether a client may open a tunnel, for a host application that keeps its users in its
 * own store. It replaces the server's configured users ({@code -id}/{@code -secret}, users files)
 * the way GT's {@code -authAPI} does; the server's global limits apply to the ids it accepts.
 *
 * <p>It is called once per tunnel hello, on an event-loop thread: return at once with a stage that
 * completes later; never block. A stage that fails, or does not complete within the server's
 * {@code -timeout}, refuses the tunnel as "authentication unavailable" (the client retries; it does
 * not count as a failed login).
 */
@FunctionalInterface
public interface Authenticator {
    /** Checks one hello. */
    CompletionStage<AuthResult> authenticate(AuthRequest request);
}

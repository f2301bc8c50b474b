package dev.gt.api;

import java.time.Instant;
import java.util.List;
import java.util.Objects;

/**
 * A STUN or TURN server a GT server offers its clients for peer-to-peer connections, in the shape
 * of WebRTC's {@code RTCIceServer}; TURN credentials are short-lived (the TURN REST scheme).
 *
 * @param urls {@code stun:host:port}, {@code turn:host:port?transport=udp} ...
 * @param username the TURN user name, or empty for STUN
 * @param credential the TURN password, or empty for STUN; never logged
 * @param expiresAt when the credentials stop working ({@link Instant#MAX} for none)
 */
public record IceServer(List<String> urls, String username, String credential, Instant expiresAt) {
    /** Checks and copies the arguments. */
    public IceServer {
        urls = List.copyOf(urls);
        Objects.requireNonNull(username, "username");
        Objects.requireNonNull(credential, "credential");
        Objects.requireNonNull(expiresAt, "expiresAt");
        if (urls.isEmpty()) {
            throw new IllegalArgumentException("an ICE server needs at least one URL");
        }
    }

    @Override
    public String toString() {
        // The credential is a secret.
        return "IceServer{urls=" + urls + ", username=" + username + ", expiresAt=" + expiresAt + "}";
    }
}

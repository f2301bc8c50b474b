package dev.gt.api.spi;

import java.net.SocketAddress;
import java.util.List;
import java.util.Objects;

/**
 * What an {@link Authenticator} decides on.
 *
 * @param id the client id (1 to 200 bytes of UTF-8)
 * @param secret the client's secret; never log it ({@link #toString()} masks it)
 * @param remoteAddress where the tunnel comes from
 * @param hostPrefixes the host prefixes the client asks for, after {@code -hostWithID} is applied
 *     (GT's {@code appletTokens}), in service order
 */
public record AuthRequest(String id, String secret, SocketAddress remoteAddress, List<String> hostPrefixes) {
    /** Compact constructor: checks for nulls and copies the list. */
    public AuthRequest {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(secret, "secret");
        hostPrefixes = List.copyOf(hostPrefixes);
    }

    @Override
    public String toString() {
        return "AuthRequest{id=" + id + ", secret=***, remoteAddress=" + remoteAddress + ", hostPrefixes="
                + hostPrefixes + "}";
    }
}

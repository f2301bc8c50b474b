package dev.gt.p2p;

import java.util.Map;

/**
 * A snapshot of a {@link StunServer}'s counters since it started (gauges: at the time of the
 * snapshot). Immutable; read it with {@link StunServer#counters()}.
 *
 * @param bindingRequests Binding requests answered (success or error), UDP and TCP
 * @param turnRequests TURN requests (Allocate, Refresh, CreatePermission, ChannelBind) received
 * @param indications Send and Binding indications received
 * @param dropped messages silently dropped: malformed, bad FINGERPRINT, unsupported method or class
 * @param successResponses success responses sent
 * @param errorResponses error responses sent, by error code (400, 401, 420, 437, 438, ...)
 * @param allocations TURN allocations now (gauge)
 * @param allocationsCreated TURN allocations made
 * @param relayedPacketsToPeers datagrams relayed from clients to peers
 * @param relayedBytesToPeers application bytes relayed from clients to peers
 * @param relayedPacketsToClients datagrams relayed from peers to clients
 * @param relayedBytesToClients application bytes relayed from peers to clients
 * @param relayDropped datagrams not relayed: no permission or channel, bandwidth limit, full TCP
 *     connection, refused peer
 * @param tcpConnections TCP connections now (gauge)
 */
public record StunCounters(long bindingRequests, long turnRequests, long indications, long dropped,
        long successResponses, Map<Integer, Long> errorResponses, long allocations, long allocationsCreated,
        long relayedPacketsToPeers, long relayedBytesToPeers, long relayedPacketsToClients,
        long relayedBytesToClients, long relayDropped, long tcpConnections) {
    /** Compact constructor: copies the map. */
    public StunCounters {
        errorResponses = Map.copyOf(errorResponses);
    }

    /** Error responses sent with this code. */
    public long errors(int code) {
        return errorResponses.getOrDefault(code, 0L);
    }
}

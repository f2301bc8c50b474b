package dev.gt.api.spi;

import dev.gt.api.IceServer;
import java.net.InetSocketAddress;
import java.util.List;

/**
 * What STUN and TURN servers (with fresh TURN credentials) a GT server hands each client for
 * peer-to-peer connections. The server sends them to the client when its tunnel is ready and again
 * before the earliest credential expires. Called off the event loops; must not block for long.
 */
@FunctionalInterface
public interface IceServerProvider {
    /**
     * @param clientId the authenticated client
     * @param serverAddress the server's address as the client reached it (the host to put in
     *     {@code stun:}/{@code turn:} URLs when the server has no public name of its own)
     */
    List<IceServer> iceServersFor(String clientId, InetSocketAddress serverAddress);
}

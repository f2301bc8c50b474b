package dev.gt.api;

import java.util.List;

/**
 * A snapshot of a GT client.
 *
 * @param running whether the client was started and not closed
 * @param tunnels the ready tunnels
 * @param services what the server registered for each service, in service order
 * @param bytesFromVisitors bytes visitors sent toward the services so far
 * @param bytesToVisitors bytes the services sent toward visitors so far
 * @param droppedEvents events the event listener did not get because it did not keep up
 * @param publicAddress this client's address as the Internet sees it (its server-reflexive
 *     address, from the public-address probe such as a STUN query), or {@code null} when unknown
 * @param iceServers the STUN/TURN servers (with short-lived credentials) the server offers for
 *     peer-to-peer connections; empty when it offers none
 */
public record ClientState(boolean running, List<TunnelInfo> tunnels, List<RegisteredService> services,
        long bytesFromVisitors, long bytesToVisitors, long droppedEvents, java.net.InetSocketAddress publicAddress,
        List<IceServer> iceServers) {
    /** Compact constructor: copies the lists. */
    public ClientState {
        iceServers = List.copyOf(iceServers);
        tunnels = List.copyOf(tunnels);
        services = List.copyOf(services);
    }

    /**
     * What the server said about one service.
     *
     * @param index the service's index
     * @param service the spec
     * @param host the routing prefix (HTTP, HTTPS), or {@code null}
     * @param tcpPort the opened server port (TCP), or 0
     */
    public record RegisteredService(int index, ServiceSpec service, String host, int tcpPort) { }
}

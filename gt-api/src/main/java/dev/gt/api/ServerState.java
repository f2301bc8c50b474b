package dev.gt.api;

import java.net.InetSocketAddress;
import java.util.List;
import java.util.Map;

/**
 * A snapshot of a GT server.
 *
 * @param running whether the server was started and not closed
 * @param listeners bound listener addresses by name ({@code addr}, and per-client TCP ports as
 *     {@code tcp:<id>:<serviceIndex>})
 * @param clients connected clients
 * @param droppedEvents events the event listener did not get because it did not keep up
 */
public record ServerState(boolean running, Map<String, InetSocketAddress> listeners, List<ClientInfo> clients,
        long droppedEvents) {
    /** Compact constructor: copies the collections. */
    public ServerState {
        listeners = Map.copyOf(listeners);
        clients = List.copyOf(clients);
    }

    /**
     * One connected client id.
     *
     * @param id the client id
     * @param tunnels its tunnels
     * @param hosts the host prefixes it holds
     * @param tcpPorts the server ports opened for it
     * @param bytesFromVisitors bytes its visitors sent toward its services, over all its tunnels so far
     * @param bytesToVisitors bytes its services sent toward its visitors, over all its tunnels so far
     */
    public record ClientInfo(String id, List<TunnelInfo> tunnels, List<String> hosts, List<Integer> tcpPorts,
            long bytesFromVisitors, long bytesToVisitors) {
        /** Compact constructor: copies the lists. */
        public ClientInfo {
            tunnels = List.copyOf(tunnels);
            hosts = List.copyOf(hosts);
            tcpPorts = List.copyOf(tcpPorts);
        }
    }
}

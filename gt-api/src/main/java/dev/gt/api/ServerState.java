package dev.gt.api;

import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * A snapshot of a GT server: what the status API, the metrics and a dashboard read.
 *
 * @param running whether the server was started and not closed
 * @param listeners bound listener addresses by name ({@code addr}, and per-client TCP ports as
 *     {@code tcp:<id>:<serviceIndex>})
 * @param clients connected clients
 * @param droppedEvents events the event listener did not get because it did not keep up
 * @param limits the global limits in force (what an id that is not a configured user gets)
 * @param bans the failed-login bans in force
 * @param counters totals since the server started
 */
public record ServerState(boolean running, Map<String, InetSocketAddress> listeners, List<ClientInfo> clients,
        long droppedEvents, Limits limits, Bans bans, Counters counters) {
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
     * @param limits the limits in force for it (its own, else the global ones)
     */
    public record ClientInfo(String id, List<TunnelInfo> tunnels, List<String> hosts, List<Integer> tcpPorts,
            long bytesFromVisitors, long bytesToVisitors, Limits limits) {
        /** Compact constructor: copies the lists. */
        public ClientInfo {
            tunnels = List.copyOf(tunnels);
            hosts = List.copyOf(hosts);
            tcpPorts = List.copyOf(tcpPorts);
        }
    }

    /**
     * Limits one client id is admitted under; 0 means no limit where GT says so.
     *
     * @param maxTunnels tunnels it may hold ({@code -connections})
     * @param maxTcpPorts TCP ports it may hold; 0 = no limit ({@code -tcpNumber})
     * @param maxHostPrefixes host prefixes it may register; 0 = no limit ({@code -hostNumber})
     * @param hostPrefixPatterns patterns an explicit prefix must match one of ({@code -hostRegex})
     * @param prependIdToHostPrefixes whether prefixes are registered as {@code <id>-<prefix>} ({@code -hostWithID})
     * @param speedLimit bytes per second in each direction; 0 = no limit ({@code -speed})
     * @param tcpPortRanges the ports its TCP services may take ({@code -tcpRange} or its own {@code tcp:})
     */
    public record Limits(int maxTunnels, int maxTcpPorts, int maxHostPrefixes, List<String> hostPrefixPatterns,
            boolean prependIdToHostPrefixes, long speedLimit, List<PortRange> tcpPortRanges) {
        /** Compact constructor: copies the lists. */
        public Limits {
            hostPrefixPatterns = List.copyOf(hostPrefixPatterns);
            tcpPortRanges = List.copyOf(tcpPortRanges);
        }
    }

    /**
     * The failed-login bans.
     *
     * @param bannedAddresses addresses (IPv4, or IPv6 /64) refused now
     * @param bannedPrefixes whole prefixes (IPv4 /24, IPv6 /48) refused now, because the table of
     *     single addresses was full
     * @param bansImposed bans imposed since the server started
     * @param banned the bans in force, most recent first, at most 100
     */
    public record Bans(int bannedAddresses, int bannedPrefixes, long bansImposed, List<Ban> banned) {
        /** Compact constructor: copies the list. */
        public Bans {
            banned = List.copyOf(banned);
        }
    }

    /**
     * One ban in force.
     *
     * @param address the address or prefix ({@code 192.0.2.7}, {@code 2001:db8:0:1::/64}, {@code 192.0.2.0/24})
     * @param remaining how long it still lasts
     */
    public record Ban(String address, Duration remaining) { }

    /**
     * Totals since the server started.
     *
     * @param tunnelsAccepted tunnels admitted
     * @param tunnelsRejected tunnel hellos refused (wrong secret, limits, bans ...)
     * @param failedLogins hellos refused for a wrong id or secret
     * @param streamsOpened visitor streams opened
     * @param openStreams visitor streams open now
     * @param bytesFromVisitors bytes visitors sent toward services, over every client, including those gone
     * @param bytesToVisitors bytes services sent toward visitors, over every client, including those gone
     */
    public record Counters(long tunnelsAccepted, long tunnelsRejected, long failedLogins, long streamsOpened,
            int openStreams, long bytesFromVisitors, long bytesToVisitors) { }
}

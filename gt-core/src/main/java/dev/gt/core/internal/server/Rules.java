package dev.gt.core.internal.server;

import dev.gt.core.GtServerConfig;
import dev.gt.core.User;
import java.util.List;
import java.util.regex.Pattern;

/**
 * The rules one client id is admitted under: its own ({@code users:} entry) where set, the
 * server's global ones otherwise. Resolved once per configured user, and once for everyone else
 * (allow-any clients and ids accepted by an auth API).
 *
 * @param connections tunnels the id may hold
 * @param tcpNumber TCP services per hello; 0 = no limit
 * @param hostNumber host prefixes per hello; 0 = no limit
 * @param hostRegex patterns an explicit prefix must match one of; empty = any
 * @param withId whether explicit prefixes are registered as {@code <id>-<prefix>}
 * @param speed bytes per second in each direction; 0 = no limit
 * @param pool the ports the id's TCP services may take
 */
record Rules(int connections, int tcpNumber, int hostNumber, List<Pattern> hostRegex, boolean withId, long speed,
        PortPool pool) {

    static Rules global(GtServerConfig c, PortPool pool) {
        return new Rules(c.maxTunnelsPerClient(), c.maxTcpPortsPerClient(), c.maxHostPrefixesPerClient(), compile(c.hostPrefixPatterns()), c.prependIdToHostPrefixes(),
                c.speedLimitPerClient(), pool);
    }

    static Rules of(User u, GtServerConfig c, PortPool globalPool) {
        return of(u, c, globalPool, u.tcpPortRanges().isEmpty() ? null : new PortPool(u.tcpPortRanges()));
    }

    /** A user's rules with its own pool given ({@code null} when it has no ranges of its own). */
    static Rules of(User u, GtServerConfig c, PortPool globalPool, PortPool ownPool) {
        return new Rules(u.maxTunnels() != 0 ? u.maxTunnels() : c.maxTunnelsPerClient(),
                u.maxTcpPorts() != null ? u.maxTcpPorts() : c.maxTcpPortsPerClient(),
                u.maxHostPrefixes() != null ? u.maxHostPrefixes() : c.maxHostPrefixesPerClient(),
                u.hostPrefixPatterns() != null ? compile(u.hostPrefixPatterns()) : compile(c.hostPrefixPatterns()),
                u.prependIdToHostPrefixes() != null ? u.prependIdToHostPrefixes() : c.prependIdToHostPrefixes(),
                u.speedLimit() != 0 ? u.speedLimit() : c.speedLimitPerClient(),
                ownPool == null ? globalPool : ownPool);
    }

    /** The public view of these rules, for snapshots. */
    dev.gt.api.ServerState.Limits view() {
        return new dev.gt.api.ServerState.Limits(connections, tcpNumber, hostNumber,
                hostRegex.stream().map(Pattern::pattern).toList(), withId, speed, pool.ranges());
    }

    /** These rules with the limits an authenticator set for an id ({@code null} fields keep ours). */
    Rules with(dev.gt.api.spi.UserLimits l) {
        return new Rules(l.tunnels() != null ? l.tunnels() : connections,
                l.tcpPorts() != null ? l.tcpPorts() : tcpNumber,
                l.hostPrefixes() != null ? l.hostPrefixes() : hostNumber,
                hostRegex, withId,
                l.bytesPerSecond() != null ? l.bytesPerSecond() : speed,
                pool);
    }

    private static List<Pattern> compile(List<String> patterns) {
        return patterns.stream().map(Pattern::compile).toList();
    }

    /** Whether an explicit prefix passes the regex rule (unanchored search, as GT's RE2 MatchString). */
    boolean prefixAllowed(String prefix) {
        if (hostRegex.isEmpty()) {
            return true;
        }
        for (Pattern p : hostRegex) {
            if (p.matcher(prefix).find()) {
                return true;
            }
        }
        return false;
    }
}

package dev.gt.p2p;

import dev.gt.api.PortRange;
import dev.gt.api.spi.IoEngine;
import dev.gt.api.spi.IoEngineProvider;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The immutable configuration of a {@link StunServer}, made by {@link StunServer.Builder}. Flag
 * names in the descriptions are the {@code gt stun} runner's.
 */
public final class StunServerConfig {
    final InetSocketAddress stunAddr;
    final boolean udp;
    final boolean tcp;
    final String software;
    final Map<String, String> turnUsers;
    final List<String> turnSecrets;
    final String turnRealm;
    final PortRange turnRelayPorts;
    final InetAddress turnRelayAddress;
    final List<String> turnAllowPeers;
    final List<String> turnDenyPeers;
    final int maxAllocations;
    final int maxAllocationsPerUser;
    final long allocationBandwidth;
    final Duration defaultLifetime;
    final Duration maxLifetime;
    final Duration permissionLifetime;
    final Duration channelLifetime;
    final Duration nonceLifetime;
    final Duration tcpIdleTimeout;
    final int maxTcpConnections;
    final Duration maintenanceInterval;
    final Clock clock;
    final IoEngineProvider transport;
    final IoEngine ioTransport;
    final int threads;
    final StunServerListener listener;

    StunServerConfig(StunServer.Builder b) {
        this.stunAddr = b.stunAddr;
        this.udp = b.udp;
        this.tcp = b.tcp;
        this.software = b.software;
        this.turnUsers = Map.copyOf(b.turnUsers);
        this.turnSecrets = List.copyOf(b.turnSecrets);
        this.turnRealm = b.turnRealm;
        this.turnRelayPorts = b.turnRelayPorts;
        this.turnRelayAddress = b.turnRelayAddress;
        this.turnAllowPeers = List.copyOf(b.turnAllowPeers);
        this.turnDenyPeers = List.copyOf(b.turnDenyPeers);
        this.maxAllocations = b.maxAllocations;
        this.maxAllocationsPerUser = b.maxAllocationsPerUser;
        this.allocationBandwidth = b.allocationBandwidth;
        this.defaultLifetime = b.defaultLifetime;
        this.maxLifetime = b.maxLifetime;
        this.permissionLifetime = b.permissionLifetime;
        this.channelLifetime = b.channelLifetime;
        this.nonceLifetime = b.nonceLifetime;
        this.tcpIdleTimeout = b.tcpIdleTimeout;
        this.maxTcpConnections = b.maxTcpConnections;
        this.maintenanceInterval = b.maintenanceInterval;
        this.clock = b.clock;
        this.transport = b.transport;
        this.ioTransport = b.ioTransport;
        this.threads = b.threads;
        this.listener = b.listener;
    }

    /** {@code -stunAddr}: where STUN (and TURN) listens on UDP and TCP, or {@code null} for no listener. */
    public InetSocketAddress listenAddress() {
        return stunAddr;
    }

    /** Whether a UDP listener is opened on {@link #listenAddress()}. */
    public boolean udp() {
        return udp;
    }

    /** Whether a TCP listener is opened on {@link #listenAddress()}. */
    public boolean tcp() {
        return tcp;
    }

    /** The SOFTWARE attribute of responses, or {@code null} for none. */
    public String software() {
        return software;
    }

    /** {@code -turnUser}: the names of the fixed TURN users (passwords are not exposed). */
    public Set<String> turnUserNames() {
        return turnUsers.keySet();
    }

    /** Whether {@code -turnSecret} (TURN REST credentials) is configured. */
    public boolean turnRestEnabled() {
        return !turnSecrets.isEmpty();
    }

    /** Whether TURN is served: some users or a REST secret are configured. */
    public boolean turnEnabled() {
        return !turnUsers.isEmpty() || !turnSecrets.isEmpty();
    }

    /** {@code -turnRealm}. */
    public String turnRealm() {
        return turnRealm;
    }

    /** {@code -turnRelayPorts}: the ports relay addresses are taken from. */
    public PortRange turnRelayPorts() {
        return turnRelayPorts;
    }

    /**
     * {@code -turnRelayAddr}: the address relays are bound to and advertised with, or {@code null}
     * to use the server address the allocation request arrived at.
     */
    public InetAddress turnRelayAddress() {
        return turnRelayAddress;
    }

    /** {@code -turnAllowPeer}: address ranges that may be peers even though they are refused by default. */
    public List<String> turnAllowPeers() {
        return turnAllowPeers;
    }

    /** Address ranges refused as peers in addition to the default ones. */
    public List<String> turnDenyPeers() {
        return turnDenyPeers;
    }

    /** Most allocations at once, over all users. */
    public int maxAllocations() {
        return maxAllocations;
    }

    /** Most allocations at once per user name; 0 means no per-user limit. */
    public int maxAllocationsPerUser() {
        return maxAllocationsPerUser;
    }

    /** Bytes per second one allocation may relay in each direction; 0 means no limit. */
    public long allocationBandwidth() {
        return allocationBandwidth;
    }

    /** Lifetime of an allocation that asks for less (RFC 5766: 10 minutes). */
    public Duration defaultLifetime() {
        return defaultLifetime;
    }

    /** Longest lifetime granted (1 hour by default). */
    public Duration maxLifetime() {
        return maxLifetime;
    }

    /** Lifetime of a permission (RFC 5766: 5 minutes). */
    public Duration permissionLifetime() {
        return permissionLifetime;
    }

    /** Lifetime of a channel binding (RFC 5766: 10 minutes). */
    public Duration channelLifetime() {
        return channelLifetime;
    }

    /** How long a nonce is accepted before the client gets 438 (Stale Nonce) and a new one. */
    public Duration nonceLifetime() {
        return nonceLifetime;
    }

    /** A TCP connection without an allocation that stays silent this long is closed; zero: never. */
    public Duration tcpIdleTimeout() {
        return tcpIdleTimeout;
    }

    /** Most TCP connections at once; more are closed on arrival. */
    public int maxTcpConnections() {
        return maxTcpConnections;
    }

    /** How often expired allocations, permissions and channels are swept. */
    public Duration maintenanceInterval() {
        return maintenanceInterval;
    }

    /** The clock of lifetimes, nonces and REST username expiry. */
    public Clock clock() {
        return clock;
    }

    /** The engine to use, or {@code null} for the best available one. */
    public IoEngineProvider transport() {
        return transport;
    }

    /** The host's engine to share (not shut down by the server), or {@code null}. */
    public IoEngine ioEngine() {
        return ioTransport;
    }

    /** Event-loop threads of an engine the server creates itself. */
    public int threads() {
        return threads;
    }

    /** The observer. */
    public StunServerListener listener() {
        return listener;
    }

    @Override
    public String toString() {
        return "StunServerConfig{stunAddr=" + stunAddr + ", udp=" + udp + ", tcp=" + tcp
                + (turnEnabled() ? ", turn users=" + turnUsers.keySet() + ", rest=" + turnRestEnabled() + ", realm="
                        + turnRealm + ", relayPorts=" + turnRelayPorts + ", relayAddress=" + turnRelayAddress
                        + ", allowPeers=" + turnAllowPeers : ", turn off") + "}";
    }
}

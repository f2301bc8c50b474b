package dev.gt.p2p;

import dev.gt.api.PortRange;
import dev.gt.api.spi.IoEngine;
import dev.gt.api.spi.IoEngineProvider;
import dev.gt.p2p.internal.Cidr;
import dev.gt.p2p.internal.SaslPrep;
import dev.gt.p2p.internal.StunService;
import dev.gt.p2p.internal.TurnAuth;
import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandler;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;

/**
 * A STUN server (RFC 5389, with RFC 3489 clients answered) on UDP and TCP, and a TURN relay
 * server (RFC 5766, UDP relays, over UDP and TCP control connections) when users or a REST secret
 * are configured.
 *
 * <pre>{@code
 * StunServer server = StunServer.builder()
 *         .listenAddress("0.0.0.0:3478")
 *         .turnUser("alice", "wonderland")      // TURN with long-term credentials
 *         .turnSecret(sharedSecret)             // and TURN REST credentials
 *         .build();
 * server.start().join();
 * ...
 * server.close();
 * }</pre>
 *
 * Several servers may run in one JVM. Binding requests need no state; allocations live on the
 * event loop of the client's connection, so the relay path takes no lock.
 */
public final class StunServer implements AutoCloseable {
    private final StunServerConfig config;
    private final StunService service;

    private StunServer(StunServerConfig config) {
        this.config = config;
        this.service = new StunService(config,
                new TurnAuth(config.turnRealm, config.turnUsers, config.turnSecrets, config.clock));
    }

    /** Starts a builder with the defaults: no listener, TURN off. */
    public static Builder builder() {
        return new Builder();
    }

    /** Creates a server from a configuration. */
    public static StunServer create(StunServerConfig config) {
        return new StunServer(Objects.requireNonNull(config, "config"));
    }

    /** The configuration. */
    public StunServerConfig config() {
        return config;
    }

    /**
     * Binds the listeners (UDP and TCP on the same port; with port 0 a port free for both is
     * picked). The future completes with this server when it is serving, or fails with the bind
     * error, the server then being stopped. Calling it again returns the same future.
     */
    public CompletableFuture<StunServer> start() {
        return service.start().thenApply(v -> this);
    }

    /**
     * Closes the listeners, every allocation and relay, and the event loops the server created.
     * Idempotent: every call returns the same future.
     */
    public CompletableFuture<Void> stop() {
        return service.stop();
    }

    /** {@link #stop()} and wait. */
    @Override
    public void close() {
        stop().join();
    }

    /**
     * The bound UDP addresses: one per local address when {@code -stunAddr} is a wildcard (so
     * that every answer leaves from the address its request reached), else one. Empty before
     * start.
     */
    public List<InetSocketAddress> udpAddresses() {
        return service.udpAddresses();
    }

    /** The bound TCP listener address, or {@code null}. */
    public InetSocketAddress tcpAddress() {
        return service.tcpAddress();
    }

    /** The port UDP and TCP listen on, or 0 before start or without listeners. */
    public int port() {
        return service.port();
    }

    /** A snapshot of the counters. */
    public StunCounters counters() {
        return service.counters();
    }

    /**
     * A handler that serves STUN and TURN on a TCP connection another server accepted, such as
     * the GT server's main port after its sniffer recognised STUN
     * ({@link StunMessages#looksLikeStun(ByteBuf)}). Add it after the sniffer, give it the bytes
     * already read from the sniffer's own context, then remove the sniffer:
     *
     * <pre>{@code
     * ctx.pipeline().addAfter(ctx.name(), "stun", stunServer.tcpHandler());
     * ctx.fireChannelRead(bytesReadSoFar);
     * ctx.pipeline().remove(this);
     * }</pre>
     *
     * It turns {@code AUTO_READ} on. TURN relays of such a connection are bound on the connection's
     * event loop, so give the server the host's engine with {@link Builder#ioTransport} for TURN.
     * The server must be started (it may have no listener of its own).
     */
    public ChannelHandler tcpHandler() {
        return service.newTcpHandler();
    }

    @Override
    public String toString() {
        return "StunServer{" + config + "}";
    }

    /** Builds a {@link StunServer}; setters validate at once and name the option in their errors. */
    public static final class Builder {
        InetSocketAddress stunAddr;
        boolean udp = true;
        boolean tcp = true;
        String software = "GT";
        final Map<String, String> turnUsers = new LinkedHashMap<>();
        final List<String> turnSecrets = new ArrayList<>();
        String turnRealm = "gt";
        PortRange turnRelayPorts = new PortRange(49152, 65535);
        InetAddress turnRelayAddress;
        final List<String> turnAllowPeers = new ArrayList<>();
        final List<String> turnDenyPeers = new ArrayList<>();
        int maxAllocations = 10_000;
        int maxAllocationsPerUser;
        long allocationBandwidth;
        Duration defaultLifetime = Duration.ofMinutes(10);
        Duration maxLifetime = Duration.ofHours(1);
        Duration permissionLifetime = Duration.ofMinutes(5);
        Duration channelLifetime = Duration.ofMinutes(10);
        Duration nonceLifetime = Duration.ofMinutes(10);
        Duration tcpIdleTimeout = Duration.ofMinutes(1);
        int maxTcpConnections = 10_000;
        Duration maintenanceInterval = Duration.ofSeconds(1);
        Clock clock = Clock.systemUTC();
        IoEngineProvider transport;
        IoEngine ioTransport;
        int threads = Runtime.getRuntime().availableProcessors();
        StunServerListener listener = StunServerListener.NONE;

        Builder() {
        }

        /**
         * {@code -stunAddr}: listen on UDP and TCP here ({@code 3478}, {@code :3478},
         * {@code 127.0.0.1:0}, {@code [::]:3478}); {@code null} or blank for no listener of its own.
         */
        public Builder listenAddress(String addr) {
            this.stunAddr = addr == null || addr.isBlank() ? null : Listen.parse("listenAddress", addr);
            return this;
        }

        /** {@code -stunAddr} as an address; port 0 picks a port free for both UDP and TCP. */
        public Builder listenAddress(InetSocketAddress addr) {
            this.stunAddr = addr;
            return this;
        }

        /** Whether to listen on UDP (default true). */
        public Builder udp(boolean on) {
            this.udp = on;
            return this;
        }

        /** Whether to listen on TCP (default true). */
        public Builder tcp(boolean on) {
            this.tcp = on;
            return this;
        }

        /**
         * The SOFTWARE attribute sent in responses (RFC 5389 §15.10), {@code "GT"} by default;
         * {@code null} or empty sends none. At most 127 characters.
         */
        public Builder software(String software) {
            if (software != null && software.length() > 127) {
                throw new IllegalArgumentException("software: " + software.length()
                        + " characters (expected at most 127)");
            }
            this.software = software == null || software.isEmpty() ? null : software;
            return this;
        }

        /**
         * {@code -turnUser NAME:PASSWORD}: adds a TURN user with long-term credentials; a later
         * call for the same name replaces it.
         */
        public Builder turnUser(String nameColonPassword) {
            Objects.requireNonNull(nameColonPassword, "turnUser");
            int colon = nameColonPassword.indexOf(':');
            if (colon <= 0 || colon == nameColonPassword.length() - 1) {
                throw new IllegalArgumentException("turnUser: expected NAME:PASSWORD with a non-empty name and "
                        + "password");
            }
            return turnUser(nameColonPassword.substring(0, colon), nameColonPassword.substring(colon + 1));
        }

        /** Adds a TURN user; a later call for the same name replaces it. */
        public Builder turnUser(String name, String password) {
            Objects.requireNonNull(name, "name");
            Objects.requireNonNull(password, "password");
            if (name.isEmpty() || name.getBytes(java.nio.charset.StandardCharsets.UTF_8).length > 512) {
                throw new IllegalArgumentException("turnUser: a name of 1 to 512 bytes is expected, got "
                        + name.length() + " characters");
            }
            if (password.isEmpty()) {
                throw new IllegalArgumentException("turnUser " + name + ": the password is empty");
            }
            try {
                SaslPrep.prepare(password);
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("turnUser " + name + ": " + e.getMessage(), e);
            }
            turnUsers.put(name, password);
            return this;
        }

        /**
         * {@code -turnSecret}: accepts TURN REST credentials made with this secret (see
         * {@link TurnRestCredentials}); may be given several times while a secret is being rotated.
         */
        public Builder turnSecret(String secret) {
            Objects.requireNonNull(secret, "turnSecret");
            if (secret.isEmpty()) {
                throw new IllegalArgumentException("turnSecret: the secret is empty");
            }
            turnSecrets.add(secret);
            return this;
        }

        /** {@code -turnRealm}: the realm of long-term credentials, {@code gt} by default. */
        public Builder turnRealm(String realm) {
            Objects.requireNonNull(realm, "turnRealm");
            if (realm.isEmpty() || realm.length() > 127 || realm.indexOf('"') >= 0) {
                throw new IllegalArgumentException("turnRealm '" + realm
                        + "': expected 1 to 127 characters without double quotes");
            }
            this.turnRealm = realm;
            return this;
        }

        /** {@code -turnRelayPorts LOW-HIGH}: the ports relays use, 49152-65535 by default. */
        public Builder turnRelayPorts(String range) {
            try {
                return turnRelayPorts(PortRange.parse(range));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("turnRelayPorts '" + range
                        + "': expected LOW-HIGH with 1 <= LOW <= HIGH <= 65535", e);
            }
        }

        /** {@code -turnRelayPorts} as a range; it must not include port 0. */
        public Builder turnRelayPorts(PortRange range) {
            Objects.requireNonNull(range, "turnRelayPorts");
            if (range.min() < 1) {
                throw new IllegalArgumentException("turnRelayPorts " + range + ": expected ports from 1 to 65535");
            }
            this.turnRelayPorts = range;
            return this;
        }

        /**
         * {@code -turnRelayAddr}: bind relays to this literal address and give it to clients;
         * by default the server address the Allocate request reached is used.
         */
        public Builder turnRelayAddress(String address) {
            if (address == null || address.isBlank()) {
                this.turnRelayAddress = null;
                return this;
            }
            Cidr.parse(address); // literal check, with a clear message
            try {
                return turnRelayAddress(InetAddress.getByName(address.trim()));
            } catch (UnknownHostException e) {
                throw new IllegalArgumentException("turnRelayAddress '" + address + "': not an IP address", e);
            }
        }

        /** {@code -turnRelayAddr} as an address; it must not be a wildcard. */
        public Builder turnRelayAddress(InetAddress address) {
            if (address != null && address.isAnyLocalAddress()) {
                throw new IllegalArgumentException("turnRelayAddress " + address.getHostAddress()
                        + ": a wildcard cannot be given to clients (expected one of this host's addresses)");
            }
            this.turnRelayAddress = address;
            return this;
        }

        /**
         * {@code -turnAllowPeer CIDR}: lets TURN relay to this range although it is refused by
         * default (loopback, private ranges, this server's addresses...). Tests on one machine use
         * {@code 127.0.0.0/8}.
         */
        public Builder turnAllowPeer(String cidr) {
            turnAllowPeers.add(Cidr.parse(Objects.requireNonNull(cidr, "turnAllowPeer")).toString());
            return this;
        }

        /** Refuses this range as TURN peers, in addition to the default ones. */
        public Builder turnDenyPeer(String cidr) {
            turnDenyPeers.add(Cidr.parse(Objects.requireNonNull(cidr, "turnDenyPeer")).toString());
            return this;
        }

        /** Most TURN allocations at once (10 000 by default); more get 508 (Insufficient Capacity). */
        public Builder maxAllocations(int n) {
            if (n < 1) {
                throw new IllegalArgumentException("maxAllocations: " + n + " (expected >= 1)");
            }
            this.maxAllocations = n;
            return this;
        }

        /** Most allocations per user name (486 Allocation Quota Reached beyond); 0 (default): no limit. */
        public Builder maxAllocationsPerUser(int n) {
            if (n < 0) {
                throw new IllegalArgumentException("maxAllocationsPerUser: " + n + " (expected >= 0)");
            }
            this.maxAllocationsPerUser = n;
            return this;
        }

        /**
         * Bytes per second one allocation may relay in each direction; datagrams beyond are dropped
         * (a token bucket with an eighth of a second of burst, at least 64 KiB). 0 (default): no limit.
         */
        public Builder allocationBandwidth(long bytesPerSecond) {
            if (bytesPerSecond < 0) {
                throw new IllegalArgumentException("allocationBandwidth: " + bytesPerSecond + " (expected >= 0)");
            }
            this.allocationBandwidth = bytesPerSecond;
            return this;
        }

        /** Lifetime given to an allocation asking for less or nothing (RFC 5766: 10 minutes). */
        public Builder defaultLifetime(Duration d) {
            this.defaultLifetime = positive("defaultLifetime", d);
            return this;
        }

        /** Longest allocation lifetime granted (1 hour by default). */
        public Builder maxLifetime(Duration d) {
            this.maxLifetime = positive("maxLifetime", d);
            return this;
        }

        /** Lifetime of a permission (RFC 5766 fixes 5 minutes; change it only for tests). */
        public Builder permissionLifetime(Duration d) {
            this.permissionLifetime = positive("permissionLifetime", d);
            return this;
        }

        /** Lifetime of a channel binding (RFC 5766 fixes 10 minutes; change it only for tests). */
        public Builder channelLifetime(Duration d) {
            this.channelLifetime = positive("channelLifetime", d);
            return this;
        }

        /** How long a nonce is valid (10 minutes by default). */
        public Builder nonceLifetime(Duration d) {
            this.nonceLifetime = positive("nonceLifetime", d);
            return this;
        }

        /** Closes a TCP connection without allocation after this much silence (1 minute); zero: never. */
        public Builder tcpIdleTimeout(Duration d) {
            Objects.requireNonNull(d, "tcpIdleTimeout");
            if (d.isNegative()) {
                throw new IllegalArgumentException("tcpIdleTimeout: " + d + " (expected >= 0)");
            }
            this.tcpIdleTimeout = d;
            return this;
        }

        /** Most TCP connections at once (10 000 by default). */
        public Builder maxTcpConnections(int n) {
            if (n < 1) {
                throw new IllegalArgumentException("maxTcpConnections: " + n + " (expected >= 1)");
            }
            this.maxTcpConnections = n;
            return this;
        }

        /** How often expired state is swept (1 second by default). */
        public Builder maintenanceInterval(Duration d) {
            this.maintenanceInterval = positive("maintenanceInterval", d);
            return this;
        }

        /** The clock of lifetimes, nonces and REST expiry; tests pass one they can move. */
        public Builder clock(Clock clock) {
            this.clock = Objects.requireNonNull(clock, "clock");
            return this;
        }

        /** The engine to create event loops with; by default the best available one (io_uring, epoll, NIO). */
        public Builder ioEngine(IoEngineProvider provider) {
            this.transport = provider;
            return this;
        }

        /**
         * Runs on the host's event loops instead of creating its own; {@link StunServer#stop()}
         * does not shut them down. Needed for TURN over {@link StunServer#tcpHandler()}.
         */
        public Builder ioEngine(IoEngine shared) {
            this.ioTransport = shared;
            return this;
        }

        /**
         * Event-loop threads of the engine the server creates (the number of processors by
         * default). With io_uring or epoll, each thread gets its own UDP socket on the port.
         */
        public Builder threads(int n) {
            if (n < 1 || n > 1024) {
                throw new IllegalArgumentException("threads: " + n + " (expected 1 to 1024)");
            }
            this.threads = n;
            return this;
        }

        /** The observer of allocations and refused credentials. */
        public Builder listener(StunServerListener listener) {
            this.listener = Objects.requireNonNull(listener, "listener");
            return this;
        }

        /** Checks the combination and builds the server (not started). */
        public StunServer build() {
            if (maxLifetime.compareTo(defaultLifetime) < 0) {
                throw new IllegalArgumentException("maxLifetime " + maxLifetime + " is shorter than defaultLifetime "
                        + defaultLifetime);
            }
            return new StunServer(new StunServerConfig(this));
        }

        private static Duration positive(String name, Duration d) {
            Objects.requireNonNull(d, name);
            if (d.isNegative() || d.isZero()) {
                throw new IllegalArgumentException(name + ": " + d + " (expected > 0)");
            }
            return d;
        }
    }

    /** Listen-address notation shared with GT's flags: PORT, :PORT, HOST:PORT, [IPv6]:PORT. */
    static final class Listen {
        private Listen() {
        }

        static InetSocketAddress parse(String option, String value) {
            String v = value.trim();
            String host = null;
            String port = v;
            int colon = v.lastIndexOf(':');
            if (colon >= 0) {
                host = v.substring(0, colon);
                port = v.substring(colon + 1);
                if (host.startsWith("[") && host.endsWith("]")) {
                    host = host.substring(1, host.length() - 1);
                } else if (host.indexOf(':') >= 0) {
                    throw bad(option, value);
                }
            }
            int p;
            try {
                p = Integer.parseInt(port);
            } catch (NumberFormatException e) {
                throw bad(option, value);
            }
            if (p < 0 || p > 65535) {
                throw bad(option, value);
            }
            if (host == null || host.isEmpty()) {
                return new InetSocketAddress(p);
            }
            return new InetSocketAddress(host, p);
        }

        private static IllegalArgumentException bad(String option, String value) {
            return new IllegalArgumentException(option + " '" + value
                    + "' is not a listen address (expected PORT, :PORT or HOST:PORT with PORT 0 to 65535)");
        }
    }
}

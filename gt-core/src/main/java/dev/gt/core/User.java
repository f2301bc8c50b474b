package dev.gt.core;

import dev.gt.api.PortRange;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/**
 * One configured user of a {@link GtServer}: a secret and, optionally, rules of its own that
 * replace the server's global ones (GT's {@code users:} entries). A rule left unset falls back to
 * the global value; immutable and built with {@link #builder(String)}.
 *
 * <pre>{@code
 * User id3 = User.builder("secret3").tcpPortRange("30000-39999").maxTcpPorts(4).maxHostPrefixes(4)
 *         .prependIdToHostPrefixes(true).build();
 * GtServer.builder().listenAddress(":8080").user("id3", id3);
 * }</pre>
 */
public final class User {
    private final String secret;
    private final List<PortRange> tcpPortRanges;
    private final Integer maxTcpPorts;
    private final long speedLimit;
    private final int maxTunnels;
    private final Integer maxHostPrefixes;
    private final List<String> hostPrefixPatterns;
    private final Boolean prependIdToHostPrefixes;

    private User(Builder b) {
        this.secret = b.secret;
        this.tcpPortRanges = List.copyOf(b.tcpPortRanges);
        this.maxTcpPorts = b.maxTcpPorts;
        this.speedLimit = b.speedLimit;
        this.maxTunnels = b.maxTunnels;
        this.maxHostPrefixes = b.maxHostPrefixes;
        this.hostPrefixPatterns = b.hostPrefixPatterns == null ? null : List.copyOf(b.hostPrefixPatterns);
        this.prependIdToHostPrefixes = b.prependIdToHostPrefixes;
    }

    /** A user with only a secret: every rule is the server's global one. */
    public static User of(String secret) {
        return builder(secret).build();
    }

    /** Starts a user with its secret (1 to 200 bytes). */
    public static Builder builder(String secret) {
        return new Builder(secret);
    }

    /** The secret. Never log it. */
    public String secret() {
        return secret;
    }

    /**
     * The user's own TCP port ranges; empty means the user shares the server's global pool
     * ({@link GtServer.Builder#tcpPortRange}). Own ranges replace the global pool for this user.
     * GT's {@code tcp:} of a user.
     */
    public List<PortRange> tcpPortRanges() {
        return tcpPortRanges;
    }

    /** TCP ports the user may hold (0 = no limit), or {@code null} for the global value. GT's {@code tcpNumber}. */
    public Integer maxTcpPorts() {
        return maxTcpPorts;
    }

    /** Bytes per second in each direction; 0 means the global value. GT's {@code speed} of a user. */
    public long speedLimit() {
        return speedLimit;
    }

    /** Tunnels the user may hold; 0 means the global value. GT's {@code connections} of a user. */
    public int maxTunnels() {
        return maxTunnels;
    }

    /** Host prefixes the user may register (0 = no limit), or {@code null} for global. GT's {@code host.number}. */
    public Integer maxHostPrefixes() {
        return maxHostPrefixes;
    }

    /**
     * Patterns a host prefix must match one of, or {@code null} for the global list; an empty list
     * means no restriction. GT's {@code host.regex}.
     */
    public List<String> hostPrefixPatterns() {
        return hostPrefixPatterns;
    }

    /** Whether prefixes become {@code <id>-<prefix>}, or {@code null} for global. GT's {@code host.withID}. */
    public Boolean prependIdToHostPrefixes() {
        return prependIdToHostPrefixes;
    }

    @Override
    public boolean equals(Object o) {
        if (!(o instanceof User)) {
            return false;
        }
        User u = (User) o;
        return secret.equals(u.secret) && tcpPortRanges.equals(u.tcpPortRanges)
                && Objects.equals(maxTcpPorts, u.maxTcpPorts) && speedLimit == u.speedLimit
                && maxTunnels == u.maxTunnels && Objects.equals(maxHostPrefixes, u.maxHostPrefixes)
                && Objects.equals(hostPrefixPatterns, u.hostPrefixPatterns)
                && Objects.equals(prependIdToHostPrefixes, u.prependIdToHostPrefixes);
    }

    @Override
    public int hashCode() {
        return Objects.hash(secret, tcpPortRanges, maxTcpPorts, speedLimit, maxTunnels, maxHostPrefixes,
                hostPrefixPatterns, prependIdToHostPrefixes);
    }

    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder("User{secret=***");
        if (!tcpPortRanges.isEmpty()) {
            sb.append(", tcpPortRanges=").append(tcpPortRanges);
        }
        if (maxTcpPorts != null) {
            sb.append(", maxTcpPorts=").append(maxTcpPorts);
        }
        if (speedLimit != 0) {
            sb.append(", speedLimit=").append(speedLimit);
        }
        if (maxTunnels != 0) {
            sb.append(", maxTunnels=").append(maxTunnels);
        }
        if (maxHostPrefixes != null) {
            sb.append(", maxHostPrefixes=").append(maxHostPrefixes);
        }
        if (hostPrefixPatterns != null) {
            sb.append(", hostPrefixPatterns=").append(hostPrefixPatterns);
        }
        if (prependIdToHostPrefixes != null) {
            sb.append(", prependIdToHostPrefixes=").append(prependIdToHostPrefixes);
        }
        return sb.append('}').toString();
    }

    /** Builds a {@link User}; setters validate at once and name the setting in their errors. */
    public static final class Builder {
        private final String secret;
        private final List<PortRange> tcpPortRanges = new ArrayList<>();
        private Integer maxTcpPorts;
        private long speedLimit;
        private int maxTunnels;
        private Integer maxHostPrefixes;
        private List<String> hostPrefixPatterns;
        private Boolean prependIdToHostPrefixes;

        private Builder(String secret) {
            Checks.secret("secret", secret);
            this.secret = secret;
        }

        /** Adds a port range of the user's own. GT's {@code tcp: - range: a-b} of a user. */
        public Builder tcpPortRange(PortRange range) {
            tcpPortRanges.add(Objects.requireNonNull(range, "tcpPortRange"));
            return this;
        }

        /** Adds a port range in GT's notation ({@code 30000-39999}). */
        public Builder tcpPortRange(String range) {
            return tcpPortRange(PortRange.parse(range));
        }

        /** TCP ports the user may hold; 0 means no limit. GT's {@code tcpNumber} of a user. */
        public Builder maxTcpPorts(int n) {
            this.maxTcpPorts = Checks.range("maxTcpPorts", n, 0, 65535);
            return this;
        }

        /** Bytes per second in each direction; 0 means the global value. GT's {@code speed} of a user. */
        public Builder speedLimit(long bytesPerSecond) {
            this.speedLimit = Checks.speed("speedLimit", bytesPerSecond);
            return this;
        }

        /** Tunnels the user may hold; 0 means the global value. GT's {@code connections} of a user. */
        public Builder maxTunnels(int n) {
            this.maxTunnels = Checks.range("maxTunnels", n, 0, Integer.MAX_VALUE);
            return this;
        }

        /** Host prefixes the user may register; 0 means no limit. GT's {@code host.number}. */
        public Builder maxHostPrefixes(int n) {
            this.maxHostPrefixes = Checks.range("maxHostPrefixes", n, 0, 65535);
            return this;
        }

        /**
         * Adds a pattern a host prefix must match one of (Java regex, unanchored unless it anchors
         * itself, as GT's RE2 {@code MatchString}); once called, the global patterns no longer apply
         * to this user. GT's {@code host.regex}.
         */
        public Builder hostPrefixPattern(String regex) {
            Checks.regex("hostPrefixPattern", regex);
            if (hostPrefixPatterns == null) {
                hostPrefixPatterns = new ArrayList<>();
            }
            hostPrefixPatterns.add(regex);
            return this;
        }

        /** No pattern restriction for this user, whatever the global patterns say. GT's {@code host.regex: []}. */
        public Builder noHostPrefixPatterns() {
            hostPrefixPatterns = new ArrayList<>();
            return this;
        }

        /** Whether the user's prefixes become {@code <id>-<prefix>}. GT's {@code host.withID}. */
        public Builder prependIdToHostPrefixes(boolean prepend) {
            this.prependIdToHostPrefixes = prepend;
            return this;
        }

        /** The user. */
        public User build() {
            return new User(this);
        }
    }

    static Pattern compile(String setting, String regex) {
        try {
            return Pattern.compile(regex);
        } catch (PatternSyntaxException e) {
            throw new IllegalArgumentException(setting + " '" + regex + "' is not a valid regular expression: "
                    + e.getDescription(), e);
        }
    }
}

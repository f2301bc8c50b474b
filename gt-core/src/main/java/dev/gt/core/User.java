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
 * User id3 = User.builder("secret3").tcpRange("30000-39999").tcpNumber(4).hostNumber(4).hostWithId(true).build();
 * GtServer.builder().addr(":8080").user("id3", id3);
 * }</pre>
 */
public final class User {
    private final String secret;
    private final List<PortRange> tcpRanges;
    private final Integer tcpNumber;
    private final long speed;
    private final int connections;
    private final Integer hostNumber;
    private final List<String> hostRegex;
    private final Boolean hostWithId;

    private User(Builder b) {
        this.secret = b.secret;
        this.tcpRanges = List.copyOf(b.tcpRanges);
        this.tcpNumber = b.tcpNumber;
        this.speed = b.speed;
        this.connections = b.connections;
        this.hostNumber = b.hostNumber;
        this.hostRegex = b.hostRegex == null ? null : List.copyOf(b.hostRegex);
        this.hostWithId = b.hostWithId;
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
     * The user's own TCP port ranges ({@code tcp:}); empty means the user shares the global
     * {@code -tcpRange} pool. Own ranges replace the global pool for this user.
     */
    public List<PortRange> tcpRanges() {
        return tcpRanges;
    }

    /** {@code tcpNumber}: TCP ports the user may hold (0 = no limit), or {@code null} for the global value. */
    public Integer tcpNumber() {
        return tcpNumber;
    }

    /** {@code speed}: bytes per second in each direction; 0 means the global {@code -speed}. */
    public long speed() {
        return speed;
    }

    /** {@code connections}: tunnels the user may hold; 0 means the global {@code -connections}. */
    public int connections() {
        return connections;
    }

    /** {@code host.number}: host prefixes the user may register (0 = no limit), or {@code null} for global. */
    public Integer hostNumber() {
        return hostNumber;
    }

    /**
     * {@code host.regex}: patterns a host prefix must match one of, or {@code null} for the global
     * list; an empty list means no restriction.
     */
    public List<String> hostRegex() {
        return hostRegex;
    }

    /** {@code host.withID}: whether prefixes become {@code <id>-<prefix>}, or {@code null} for global. */
    public Boolean hostWithId() {
        return hostWithId;
    }

    @Override
    public boolean equals(Object o) {
        if (!(o instanceof User)) {
            return false;
        }
        User u = (User) o;
        return secret.equals(u.secret) && tcpRanges.equals(u.tcpRanges) && Objects.equals(tcpNumber, u.tcpNumber)
                && speed == u.speed && connections == u.connections && Objects.equals(hostNumber, u.hostNumber)
                && Objects.equals(hostRegex, u.hostRegex) && Objects.equals(hostWithId, u.hostWithId);
    }

    @Override
    public int hashCode() {
        return Objects.hash(secret, tcpRanges, tcpNumber, speed, connections, hostNumber, hostRegex, hostWithId);
    }

    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder("User{secret=***");
        if (!tcpRanges.isEmpty()) {
            sb.append(", tcp=").append(tcpRanges);
        }
        if (tcpNumber != null) {
            sb.append(", tcpNumber=").append(tcpNumber);
        }
        if (speed != 0) {
            sb.append(", speed=").append(speed);
        }
        if (connections != 0) {
            sb.append(", connections=").append(connections);
        }
        if (hostNumber != null) {
            sb.append(", host.number=").append(hostNumber);
        }
        if (hostRegex != null) {
            sb.append(", host.regex=").append(hostRegex);
        }
        if (hostWithId != null) {
            sb.append(", host.withID=").append(hostWithId);
        }
        return sb.append('}').toString();
    }

    /** Builds a {@link User}; setters validate at once and name the field in their errors. */
    public static final class Builder {
        private final String secret;
        private final List<PortRange> tcpRanges = new ArrayList<>();
        private Integer tcpNumber;
        private long speed;
        private int connections;
        private Integer hostNumber;
        private List<String> hostRegex;
        private Boolean hostWithId;

        private Builder(String secret) {
            Checks.secret("secret", secret);
            this.secret = secret;
        }

        /** Adds a port range of the user's own ({@code tcp: - range: a-b}). */
        public Builder tcpRange(PortRange range) {
            tcpRanges.add(Objects.requireNonNull(range, "tcp range"));
            return this;
        }

        /** Adds a port range in GT's notation ({@code 30000-39999}). */
        public Builder tcpRange(String range) {
            return tcpRange(PortRange.parse(range));
        }

        /** {@code tcpNumber}: TCP ports the user may hold; 0 means no limit. */
        public Builder tcpNumber(int n) {
            this.tcpNumber = Checks.range("tcpNumber", n, 0, 65535);
            return this;
        }

        /** {@code speed}: bytes per second in each direction; 0 means the global value. */
        public Builder speed(long bytesPerSecond) {
            this.speed = Checks.speed("speed", bytesPerSecond);
            return this;
        }

        /** {@code connections}: tunnels the user may hold; 0 means the global value. */
        public Builder connections(int n) {
            this.connections = Checks.range("connections", n, 0, Integer.MAX_VALUE);
            return this;
        }

        /** {@code host.number}: host prefixes the user may register; 0 means no limit. */
        public Builder hostNumber(int n) {
            this.hostNumber = Checks.range("hostNumber", n, 0, 65535);
            return this;
        }

        /**
         * {@code host.regex}: adds a pattern (Java regex, unanchored unless it anchors itself, as
         * GT's RE2 {@code MatchString}); once called, the global list no longer applies to this user.
         */
        public Builder hostRegex(String regex) {
            Checks.regex("hostRegex", regex);
            if (hostRegex == null) {
                hostRegex = new ArrayList<>();
            }
            hostRegex.add(regex);
            return this;
        }

        /** {@code host.regex: []}: no pattern restriction for this user, whatever the global list says. */
        public Builder noHostRegex() {
            hostRegex = new ArrayList<>();
            return this;
        }

        /** {@code host.withID}: prefixes become {@code <id>-<prefix>}. */
        public Builder hostWithId(boolean withId) {
            this.hostWithId = withId;
            return this;
        }

        /** The user. */
        public User build() {
            return new User(this);
        }
    }

    static Pattern compile(String option, String regex) {
        try {
            return Pattern.compile(regex);
        } catch (PatternSyntaxException e) {
            throw new IllegalArgumentException("-" + option + " '" + regex + "' is not a valid regular expression: "
                    + e.getDescription(), e);
        }
    }
}

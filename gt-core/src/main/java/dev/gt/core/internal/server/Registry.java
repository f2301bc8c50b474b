package dev.gt.core.internal.server;

import dev.gt.api.GtErrorCode;
import dev.gt.api.GtException;
import dev.gt.core.GtServerConfig;
import dev.gt.core.internal.proto.Hello;
import dev.gt.core.internal.proto.Protocol;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import dev.gt.api.spi.AuthRequest;
import dev.gt.api.spi.AuthResult;
import dev.gt.api.spi.Authenticator;
import dev.gt.core.User;
import dev.gt.core.internal.auth.HttpAuthenticator;
import dev.gt.core.internal.Durations;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.time.Duration;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Set;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.stream.Collectors;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.IntFunction;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Client ids, their routes and TCP ports. Admission (authentication, limits, registration) runs
 * under this object's lock; lookups by visitors use the concurrent maps without locking.
 */
final class Registry {
    private static final Logger log = LoggerFactory.getLogger(Registry.class);
    private static final int RANDOM_PORT_ATTEMPTS = 5;
    /** Deadline of an auth API or authenticator answer when {@code -timeout} is 0 (off). */
    private static final Duration DEFAULT_AUTH_TIMEOUT = Duration.ofSeconds(30);

    /** The configuration in force; replaced, with the fields below, by {@link #reconfigure} under the lock. */
    private volatile GtServerConfig config;
    private final IntFunction<ChannelFuture> tcpBinder;
    private volatile Rules globalRules;
    private volatile Map<String, Rules> userRules = new HashMap<>();
    /** Configured ids by their lower-case form: nobody else may take them as a host prefix. */
    private volatile Map<String, String> reservedIds = new HashMap<>();
    private volatile Authenticator authenticator;
    private volatile Duration authTimeout;
    final BanTable bans;
    /**
     * Allow-any ids whose last tunnel closed, with their secret, until the hold ends (oldest
     * first; bounded). GT forgets at once, so anyone could take an id during its client's reconnect.
     */
    private final LinkedHashMap<String, Held> held = new LinkedHashMap<>();
    private static final int MAX_HELD = 65536;

    private record Held(String secret, long until) { }
    final Map<String, ClientSession> sessions = new ConcurrentHashMap<>();
    /** Sessions that left, for one last report of their bytes to the metrics recorder. */
    final java.util.Queue<ClientSession> retired = new java.util.concurrent.ConcurrentLinkedQueue<>();
    /** Sessions taken out of the tables whose tunnels are still finishing their streams. */
    final Set<ClientSession> draining = ConcurrentHashMap.newKeySet();
    /** Bytes of the sessions that are gone, for the server's totals. */
    final java.util.concurrent.atomic.AtomicLong goneFromVisitors = new java.util.concurrent.atomic.AtomicLong();
    final java.util.concurrent.atomic.AtomicLong goneToVisitors = new java.util.concurrent.atomic.AtomicLong();
    final Map<String, Route> httpRoutes = new ConcurrentHashMap<>();
    final Map<String, Route> tlsRoutes = new ConcurrentHashMap<>();

    /**
     * @param tcpBinder binds a TCP service listener on a port; the listener's channel carries
     *     the {@link Route} in an attribute set by the caller after success
     */
    Registry(GtServerConfig config, IntFunction<ChannelFuture> tcpBinder) {
        this.config = config;
        this.tcpBinder = tcpBinder;
        PortPool global = new PortPool(config.tcpPortRanges());
        this.globalRules = Rules.global(config, global);
        for (Map.Entry<String, User> e : config.users().entrySet()) {
            userRules.put(e.getKey(), Rules.of(e.getValue(), config, global));
            reservedIds.put(e.getKey().toLowerCase(Locale.ROOT), e.getKey());
        }
        this.authTimeout = authTimeout(config);
        this.authenticator = authenticator(config, authTimeout);
        this.bans = new BanTable(config.failedLoginsBeforeBan(), config.banDuration(), config.banTableCapacity(),
                System::nanoTime);
    }

    private static Duration authTimeout(GtServerConfig config) {
        return config.idleTimeout().isZero() ? DEFAULT_AUTH_TIMEOUT : config.idleTimeout();
    }

    private static Authenticator authenticator(GtServerConfig config, Duration timeout) {
        if (config.authenticator() != null) {
            return config.authenticator();
        }
        return config.authUrl() != null ? new HttpAuthenticator(config.authUrl(), timeout) : null;
    }

    /** The global rules in force (for snapshots). */
    Rules globalRules() {
        return globalRules;
    }

    /** Whether the configured user with this lower-case id has a session (a tunnel, or one being admitted). */
    boolean isConnected(String lowerId) {
        String id = reservedIds.get(lowerId);
        return id != null && sessions.containsKey(id);
    }

    /**
     * What a reconfiguration did: per client id whose session was taken out (its tunnels, which
     * the caller drains, and why), and tunnels beyond a lowered {@code connections} limit.
     */
    record Outcome(Map<String, String> drainedClients, List<ServerTunnel> drain, List<ServerTunnel> surplus) { }

    /**
     * Puts {@code next} in force by difference: users added, removed or changed, global limits,
     * host rules, port ranges, the ban thresholds and the authentication. A session whose id may
     * no longer log in, or whose registered services do not fit its new rules, is taken out (its
     * tunnels are returned for draining); every other session gets its new rules in place, its
     * tunnels and streams untouched. The caller checked that nothing that cannot change did.
     */
    synchronized Outcome reconfigure(GtServerConfig next) {
        GtServerConfig prev = config;
        PortPool global = globalRules.pool();
        if (!prev.tcpPortRanges().equals(next.tcpPortRanges())) {
            global = new PortPool(next.tcpPortRanges());
        }
        Rules nextGlobal = Rules.global(next, global);
        Map<String, Rules> nextUserRules = new HashMap<>();
        Map<String, String> nextReserved = new HashMap<>();
        for (Map.Entry<String, User> e : next.users().entrySet()) {
            User before = prev.users().get(e.getKey());
            Rules old = userRules.get(e.getKey());
            PortPool own = null;
            if (!e.getValue().tcpPortRanges().isEmpty()) {
                // Keep the pool (and the ports it marks taken) when the user's ranges did not change.
                own = before != null && old != null && before.tcpPortRanges().equals(e.getValue().tcpPortRanges())
                        && old.pool() != globalRules.pool() ? old.pool() : new PortPool(e.getValue().tcpPortRanges());
            }
            nextUserRules.put(e.getKey(), Rules.of(e.getValue(), next, global, own));
            nextReserved.put(e.getKey().toLowerCase(Locale.ROOT), e.getKey());
        }
        boolean authChanged = !java.util.Objects.equals(prev.authUrl(), next.authUrl())
                || prev.authenticator() != next.authenticator() || !prev.idleTimeout().equals(next.idleTimeout());
        boolean authBefore = authenticator != null;
        boolean authAfter = next.authenticator() != null || next.authUrl() != null;

        Map<String, String> drained = new LinkedHashMap<>();
        List<ServerTunnel> drain = new ArrayList<>();
        List<ServerTunnel> surplus = new ArrayList<>();
        // Ports kept sessions hold, taken in the pools that replace their old ones.
        for (ClientSession session : new ArrayList<>(sessions.values())) {
            String why;
            Rules rules = null;
            User user = next.users().get(session.id);
            switch (session.origin) {
                case CONFIGURED:
                    if (authAfter) {
                        why = "tunnels are now authenticated by " + (next.authUrl() != null ? "the auth API"
                                : "the authenticator");
                    } else if (user == null) {
                        why = "user removed";
                    } else if (!secretEquals(user.secret(), prev.users().get(session.id).secret())) {
                        why = "secret changed";
                    } else {
                        why = null;
                        rules = nextUserRules.get(session.id);
                    }
                    break;
                case ALLOW_ANY:
                    if (user != null) {
                        why = "the id is now a configured user";
                    } else if (!next.allowAnyClient() || authAfter) {
                        why = "ids that are not configured users are no longer accepted";
                    } else {
                        why = null;
                        rules = nextGlobal;
                    }
                    break;
                default:
                    if (!authAfter) {
                        why = "the authenticator or auth API was removed";
                    } else {
                        why = null;
                        rules = session.authLimits == null ? nextGlobal : nextGlobal.with(session.authLimits);
                    }
                    break;
            }
            if (why == null) {
                why = misfit(session, rules, nextReserved);
            }
            if (why != null) {
                drained.put(session.id, why);
                drain.addAll(session.tunnels);
                retire(session);
                continue;
            }
            session.applyRules(rules);
            int extra = session.tunnels.size() - rules.connections();
            for (int i = session.tunnels.size() - 1; i >= 0 && extra > 0; i--, extra--) {
                surplus.add(session.tunnels.get(i));
            }
        }
        // A held allow-any id that became a configured user, or allow-any turned off: forget the hold.
        if (!next.allowAnyClient()) {
            held.clear();
        } else {
            held.keySet().removeIf(next.users()::containsKey);
        }
        config = next;
        globalRules = nextGlobal;
        userRules = nextUserRules;
        reservedIds = nextReserved;
        if (authChanged || authBefore != authAfter) {
            authTimeout = authTimeout(next);
            authenticator = authenticator(next, authTimeout);
        }
        bans.configure(next.failedLoginsBeforeBan(), next.banDuration());
        return new Outcome(drained, drain, surplus);
    }

    /**
     * Why a session's registered services break {@code rules} (and the host prefixes reserved
     * for configured ids), or {@code null} when they fit. A fitting session whose TCP ports move to
     * another pool takes them there.
     */
    private String misfit(ClientSession session, Rules rules, Map<String, String> reserved) {
        List<Hello.Service> services = session.services;
        if (services == null) {
            return null;
        }
        int tcp = 0;
        int hosts = 0;
        for (Hello.Service s : services) {
            if (s.kind() == Protocol.KIND_TCP) {
                tcp++;
            } else {
                hosts++;
            }
        }
        if (rules.hostNumber() > 0 && hosts > rules.hostNumber()) {
            return hosts + " host prefixes, above the new limit of " + rules.hostNumber();
        }
        if (rules.tcpNumber() > 0 && tcp > rules.tcpNumber()) {
            return tcp + " tcp services, above the new limit of " + rules.tcpNumber();
        }
        for (Map.Entry<Integer, String> e : session.hosts.entrySet()) {
            Hello.Service s = services.get(e.getKey());
            if (s.prefix() != null && !rules.prefixAllowed(s.prefix())) {
                return "host prefix '" + s.prefix() + "' matches none of the new patterns " + rules.hostRegex();
            }
            if (!hostKey(session.id, s, rules).equals(e.getValue())) {
                return "host prefix '" + e.getValue() + "' is now registered as '" + hostKey(session.id, s, rules)
                        + "' (host.withID changed)";
            }
            String holder = reserved.get(e.getValue().toLowerCase(Locale.ROOT));
            if (holder != null && !holder.equals(session.id)) {
                return "host prefix '" + e.getValue() + "' is now the id of a configured user";
            }
        }
        PortPool from = session.rules.pool();
        PortPool to = rules.pool();
        if (from != to && !session.ports.isEmpty()) {
            List<Integer> taken = new ArrayList<>();
            for (int port : session.ports.values()) {
                if (!to.take(port)) {
                    taken.forEach(to::release);
                    return "tcp port " + port + " is outside the new ranges " + to;
                }
                taken.add(port);
            }
            taken.forEach(from::release);
        }
        return null;
    }

    /** Admission result: the session with one tunnel slot reserved. */
    record Admission(ClientSession session) { }

    /**
     * Authenticates and admits a tunnel. The returned future fails with a {@link GtException}
     * (and {@link ServiceError} for a code that names a service); on success one slot is reserved
     * in the session, to be turned into a tunnel with {@link #attach} or given back with
     * {@link #unreserve}.
     */
    CompletableFuture<Admission> admit(Hello hello, SocketAddress from) {
        Authenticator auth = authenticator;
        if (auth != null) {
            return authenticateThenAdmit(auth, hello, from);
        }
        synchronized (this) {
            GtServerConfig config = this.config;
            if (authenticator != null) {
                // Reconfigured to an authenticator since the check above.
                return failed(GtErrorCode.AUTH_UNAVAILABLE, "the server is switching to another authentication");
            }
            User user = config.users().get(hello.id());
            if (user != null) {
                if (!secretEquals(user.secret(), hello.secret())) {
                    return failed(GtErrorCode.INVALID_ID_OR_SECRET, "wrong secret for id '" + hello.id() + "'");
                }
                return admitLocked(hello, userRules.get(hello.id()), null, null, ClientSession.Origin.CONFIGURED, null);
            }
            if (!config.allowAnyClient()) {
                return failed(GtErrorCode.INVALID_ID_OR_SECRET, "unknown id '" + hello.id() + "'");
            }
            if (hello.services().size() > config.allowAnyClientServices()) {
                // Anyone may register in allow-any mode: one peer must not take every port or prefix.
                return failed(GtErrorCode.MAX_HANDSHAKE_OPTIONS, hello.services().size() + " services (expected at "
                        + "most " + config.allowAnyClientServices() + " for an id that is not a configured user)");
            }
            ClientSession existing = sessions.get(hello.id());
            if (existing != null && existing.boundSecret != null
                    && !secretEquals(existing.boundSecret, hello.secret())) {
                return failed(GtErrorCode.INVALID_ID_OR_SECRET, "id '" + hello.id()
                        + "' is connected with another secret");
            }
            if (existing == null) {
                Held h = held.get(hello.id());
                if (h != null && h.until - System.nanoTime() > 0) {
                    if (!secretEquals(h.secret, hello.secret())) {
                        return failed(GtErrorCode.INVALID_ID_OR_SECRET, "id '" + hello.id() + "' is held for the "
                                + "client that just left (another secret)");
                    }
                }
                held.remove(hello.id());
            }
            return admitLocked(hello, globalRules, hello.secret(), null, ClientSession.Origin.ALLOW_ANY, null);
        }
    }

    private CompletableFuture<Admission> authenticateThenAdmit(Authenticator authenticator, Hello hello,
            SocketAddress from) {
        Duration authTimeout = this.authTimeout;
        GtServerConfig config = this.config;
        List<String> asked = new ArrayList<>();
        for (Hello.Service s : hello.services()) {
            if (s.kind() != Protocol.KIND_TCP) {
                asked.add(hostKey(hello.id(), s, globalRules));
            }
        }
        CompletableFuture<AuthResult> answer = new CompletableFuture<>();
        try {
            authenticator.authenticate(new AuthRequest(hello.id(), hello.secret(), from, asked))
                    .whenComplete((r, e) -> {
                        if (e != null) {
                            answer.completeExceptionally(e);
                        } else if (r == null) {
                            answer.completeExceptionally(new IllegalStateException("the authenticator answered null"));
                        } else {
                            answer.complete(r);
                        }
                    });
        } catch (RuntimeException e) {
            answer.completeExceptionally(e);
        }
        answer.orTimeout(authTimeout.toNanos(), TimeUnit.NANOSECONDS);
        return answer.handle((result, failure) -> {
            if (failure != null) {
                Throwable e = unwrap(failure);
                if (e instanceof GtException && ((GtException) e).code() == GtErrorCode.AUTH_UNAVAILABLE) {
                    throw (GtException) e;
                }
                String why = e instanceof TimeoutException ? "no answer within " + Durations.format(authTimeout)
                        : e.toString();
                throw new GtException(GtErrorCode.AUTH_UNAVAILABLE, "cannot authenticate id '" + hello.id() + "': "
                        + (config.authUrl() != null ? "the auth API " : "the authenticator ") + why);
            }
            if (!result.accepted()) {
                throw new GtException(GtErrorCode.INVALID_ID_OR_SECRET, result.reason());
            }
            return result;
        }).thenCompose(result -> {
            // null: the authenticator restricts no prefix.
            Set<String> allowed = result.allowedHostPrefixes() == null ? null : result.allowedHostPrefixes().stream()
                    .map(p -> p.toLowerCase(Locale.ROOT)).collect(Collectors.toUnmodifiableSet());
            synchronized (this) {
                Rules rules = result.limits() == null ? globalRules : globalRules.with(result.limits());
                return admitLocked(hello, rules, null, allowed, ClientSession.Origin.AUTHENTICATED, result.limits());
            }
        });
    }

    /** Limits, routes and ports for an authenticated hello; the caller holds the lock. */
    private CompletableFuture<Admission> admitLocked(Hello hello, Rules rules, String boundSecret, Set<String> allowed,
            ClientSession.Origin origin, dev.gt.api.spi.UserLimits authLimits) {
        ClientSession session = sessions.get(hello.id());
        CompletableFuture<Void> registration;
        if (session != null && session.services != null && !session.services.equals(hello.services())
                && session.reserved == 0 && allGoingAway(session)) {
            // Every tunnel of the old list said GOAWAY: its client was reconfigured and is
            // coming back with the new list. The old tunnels finish their streams on their own.
            log.info("client '{}' comes back with a new service list; its previous registration is released",
                    hello.id());
            retire(session);
            session = null;
        }
        if (session == null) {
            session = new ClientSession(hello.id(), boundSecret, rules, origin, authLimits);
        }
        int max = session.rules.connections();
        if (session.tunnels.size() + session.reserved >= max) {
            return failed(GtErrorCode.MAX_CONNECTIONS, "id '" + hello.id() + "' already has " + max
                    + " tunnel" + (max == 1 ? "" : "s") + " (-connections)");
        }
        if (session.services != null) {
            if (!session.services.equals(hello.services())) {
                return failed(GtErrorCode.DIFFERENT_CONFIG, "id '" + hello.id()
                        + "' is connected with a different service list");
            }
            registration = session.registration;
        } else {
            GtException e = registerRoutes(session, hello, allowed);
            if (e != null) {
                return CompletableFuture.failedFuture(e);
            }
            session.services = hello.services();
            sessions.put(session.id, session);
            session.registration = openTcpPorts(session, hello.services());
            registration = session.registration;
        }
        session.reserved++;
        ClientSession s = session;
        return registration.handle((v, failure) -> {
            if (failure != null) {
                Throwable err = unwrap(failure);
                unreserve(s);
                throw err instanceof GtException ? (GtException) err
                        : new GtException(GtErrorCode.INTERNAL_ERROR, err.toString(), err);
            }
            return new Admission(s);
        });
    }

    private static boolean allGoingAway(ClientSession session) {
        for (ServerTunnel t : session.tunnels) {
            if (!t.isGoingAway() && t.channel().isActive()) {
                return false;
            }
        }
        return true;
    }

    private static Throwable unwrap(Throwable t) {
        return t instanceof CompletionException && t.getCause() != null ? t.getCause() : t;
    }

    /** The routing key a service asks for: the id, the prefix, or {@code <id>-<prefix>} with host.withID. */
    private static String hostKey(String id, Hello.Service s, Rules rules) {
        if (s.prefix() == null) {
            return id;
        }
        return rules.withId() ? id + "-" + s.prefix() : s.prefix();
    }

    private static <T> CompletableFuture<T> failed(GtErrorCode code, String detail) {
        return CompletableFuture.failedFuture(new GtException(code, detail));
    }

    private static boolean secretEquals(String expected, String given) {
        return MessageDigest.isEqual(expected.getBytes(StandardCharsets.UTF_8), given.getBytes(StandardCharsets.UTF_8));
    }

    private GtException registerRoutes(ClientSession session, Hello hello, Set<String> allowed) {
        Rules rules = session.rules;
        List<Hello.Service> services = hello.services();
        int tcpCount = 0;
        int hostCount = 0;
        for (Hello.Service s : services) {
            if (s.kind() == Protocol.KIND_TCP) {
                tcpCount++;
            } else {
                hostCount++;
            }
        }
        if (rules.hostNumber() > 0 && hostCount > rules.hostNumber()) {
            return new GtException(GtErrorCode.HOST_NUMBER_LIMITED, hostCount + " host prefixes (the server allows "
                    + rules.hostNumber() + " for id '" + hello.id() + "')");
        }
        if (rules.tcpNumber() > 0 && tcpCount > rules.tcpNumber()) {
            return new GtException(GtErrorCode.TCP_NUMBER_LIMITED, tcpCount + " tcp services (the server allows "
                    + rules.tcpNumber() + " for id '" + hello.id() + "')");
        }
        String ownId = hello.id();
        String[] keys = new String[services.size()];
        List<String> seen = new ArrayList<>();
        for (int i = 0; i < services.size(); i++) {
            Hello.Service s = services.get(i);
            if (s.kind() == Protocol.KIND_TCP) {
                continue;
            }
            if (s.prefix() != null && !rules.prefixAllowed(s.prefix())) {
                return new ServiceError(GtErrorCode.HOST_REGEX_MISMATCH, i, "host prefix '" + s.prefix()
                        + "' matches none of " + rules.hostRegex() + " (-hostRegex / host.regex)");
            }
            String key = hostKey(ownId, s, rules);
            String lower = key.toLowerCase(Locale.ROOT);
            if (allowed != null && s.prefix() != null && !lower.equals(ownId.toLowerCase(Locale.ROOT))
                    && !allowed.contains(lower)) {
                // GT drops prefixes the auth API did not grant, without failing the tunnel.
                log.info("client '{}': host prefix '{}' of service {} is not granted by the auth API; not routed",
                        ownId, key, i);
                continue;
            }
            String holder = reservedIds.get(lower);
            if (holder != null && !holder.equals(ownId)) {
                return new ServiceError(GtErrorCode.HOST_CONFLICT, i, "host prefix '" + key
                        + "' is the id of another user");
            }
            Map<String, Route> table = s.kind() == Protocol.KIND_HTTP ? httpRoutes : tlsRoutes;
            Route owner = table.get(lower);
            if (owner != null && owner.session() != session) {
                return new ServiceError(GtErrorCode.HOST_CONFLICT, i, "host prefix '" + key
                        + "' is held by client '" + owner.session().id + "'");
            }
            String tableKey = (s.kind() == Protocol.KIND_HTTP ? "h:" : "t:") + lower;
            if (seen.contains(tableKey)) {
                return new ServiceError(GtErrorCode.HOST_CONFLICT, i, "host prefix '" + key + "' is listed twice");
            }
            seen.add(tableKey);
            keys[i] = key;
        }
        for (int i = 0; i < services.size(); i++) {
            if (keys[i] == null) {
                continue;
            }
            String lower = keys[i].toLowerCase(Locale.ROOT);
            if (services.get(i).kind() == Protocol.KIND_HTTP) {
                httpRoutes.put(lower, new Route(session, i));
                session.httpKeys.add(lower);
            } else {
                tlsRoutes.put(lower, new Route(session, i));
                session.tlsKeys.add(lower);
            }
            session.hosts.put(i, keys[i]);
            session.routeLabels.put(i, (services.get(i).kind() == Protocol.KIND_HTTP ? "http:" : "https:") + keys[i]);
        }
        return null;
    }

    /** Opens the TCP services' ports one after another; completes when all are listening. */
    private CompletableFuture<Void> openTcpPorts(ClientSession session, List<Hello.Service> services) {
        CompletableFuture<Void> chain = CompletableFuture.completedFuture(null);
        for (int i = 0; i < services.size(); i++) {
            Hello.Service s = services.get(i);
            if (s.kind() != Protocol.KIND_TCP) {
                continue;
            }
            int index = i;
            chain = chain.thenCompose(v -> openTcpPort(session, index, s, 0, null));
        }
        return chain;
    }

    private CompletableFuture<Void> openTcpPort(ClientSession session, int index, Hello.Service s, int attempt,
            String lastProblem) {
        PortPool pool = session.rules.pool();
        if (pool.isEmpty()) {
            return CompletableFuture.failedFuture(new ServiceError(GtErrorCode.FAILED_TO_OPEN_TCP_PORT, index,
                    "no tcp port range is open to id '" + session.id + "' (-tcpRange or the user's tcp:), so TCP "
                    + "forwarding is off for it"));
        }
        int port;
        if (attempt == 0 && s.remotePort() != 0) {
            port = pool.take(s.remotePort()) ? s.remotePort() : -1;
            if (port < 0) {
                String why = pool.contains(s.remotePort()) ? "port " + s.remotePort() + " is taken by another client"
                        : "port " + s.remotePort() + " is outside the ports open to id '" + session.id + "' " + pool;
                if (!s.random()) {
                    return CompletableFuture.failedFuture(
                            new ServiceError(GtErrorCode.FAILED_TO_OPEN_TCP_PORT, index, why));
                }
                return openTcpPort(session, index, s, 1, why);
            }
        } else {
            if (attempt > RANDOM_PORT_ATTEMPTS) {
                return CompletableFuture.failedFuture(new ServiceError(GtErrorCode.FAILED_TO_OPEN_TCP_PORT, index,
                        "no free port found in " + pool + (lastProblem == null ? "" : " (" + lastProblem + ")")));
            }
            port = pool.takeRandom();
            if (port < 0) {
                return CompletableFuture.failedFuture(new ServiceError(GtErrorCode.FAILED_TO_OPEN_TCP_PORT, index,
                        "every port of " + pool + " is taken"));
            }
        }
        CompletableFuture<Void> done = new CompletableFuture<>();
        int p = port;
        tcpBinder.apply(p).addListener(f -> {
            ChannelFuture cf = (ChannelFuture) f;
            if (cf.isSuccess()) {
                boolean keep;
                synchronized (this) {
                    keep = !session.removed;
                    if (keep) {
                        cf.channel().attr(ServerRuntime.ROUTE).set(new Route(session, index));
                        int bound = ((InetSocketAddress) cf.channel().localAddress()).getPort();
                        session.ports.put(index, bound);
                        session.routeLabels.put(index, "tcp:" + bound);
                        session.listeners.put(index, cf.channel());
                    }
                }
                if (!keep) {
                    cf.channel().close();
                    pool.release(p);
                    done.completeExceptionally(new GtException(GtErrorCode.GOING_AWAY, "client left"));
                    return;
                }
                log.info("client '{}': tcp port {} opened for service {}", session.id, p, index);
                done.complete(null);
                return;
            }
            pool.release(p);
            String why = "port " + p + ": " + cf.cause().getMessage();
            if (s.random()) {
                openTcpPort(session, index, s, attempt + 1, why).whenComplete((v, e) -> {
                    if (e != null) {
                        done.completeExceptionally(e);
                    } else {
                        done.complete(null);
                    }
                });
            } else {
                done.completeExceptionally(new ServiceError(GtErrorCode.FAILED_TO_OPEN_TCP_PORT, index, why));
            }
        });
        return done;
    }

    /** Turns the reserved slot into a live tunnel. Returns false if the session went away meanwhile. */
    synchronized boolean attach(ClientSession session, ServerTunnel tunnel) {
        session.reserved--;
        if (session.removed) {
            return false;
        }
        session.tunnels.add(tunnel);
        session.attachedOnce = true;
        return true;
    }

    void unreserve(ClientSession session) {
        synchronized (this) {
            session.reserved--;
            maybeRemove(session);
        }
    }

    /** A tunnel ended; when it was the last one the client's routes and ports are released. */
    synchronized int detach(ClientSession session, ServerTunnel tunnel) {
        session.tunnels.remove(tunnel);
        if (session.removed && session.tunnels.isEmpty() && draining.remove(session)) {
            countGone(session);
        }
        maybeRemove(session);
        return session.tunnels.size();
    }

    private void maybeRemove(ClientSession session) {
        if (!session.tunnels.isEmpty() || session.reserved > 0 || session.removed) {
            return;
        }
        retire(session);
        hold(session);
    }

    /**
     * Takes a session out of the tables: its id, routes and ports are free from now on. Its
     * tunnels, if any are left, are the caller's to drain. The caller holds the lock.
     */
    private void retire(ClientSession session) {
        session.removed = true;
        sessions.remove(session.id, session);
        if (session.attachedOnce && config.metricsRecorder() != dev.gt.api.MetricsRecorder.NONE) {
            retired.add(session);
        }
        if (session.tunnels.isEmpty()) {
            countGone(session);
        } else {
            draining.add(session);
        }
        removeRoutes(httpRoutes, session.httpKeys, session);
        removeRoutes(tlsRoutes, session.tlsKeys, session);
        for (Map.Entry<Integer, Channel> e : session.listeners.entrySet()) {
            Channel ch = e.getValue();
            int port = session.ports.get(e.getKey());
            PortPool pool = session.rules.pool();
            ch.close().addListener(f -> pool.release(port));
            log.info("client '{}': tcp port {} closed", session.id, port);
        }
        session.listeners.clear();
    }

    private void countGone(ClientSession session) {
        goneFromVisitors.addAndGet(session.traffic.fromVisitorsTotal());
        goneToVisitors.addAndGet(session.traffic.toVisitorsTotal());
    }

    /** Keeps an allow-any id bound to its secret for a while after its client left. */
    private void hold(ClientSession session) {
        long hold = config.allowAnyClientHold().toNanos();
        if (session.boundSecret == null || hold <= 0 || !session.attachedOnce) {
            return;
        }
        long now = System.nanoTime();
        held.remove(session.id);
        held.put(session.id, new Held(session.boundSecret, now + hold));
        // Insertion order is expiry order (one hold for all): drop expired ones from the head.
        var it = held.values().iterator();
        while (it.hasNext()) {
            Held h = it.next();
            if (h.until - now > 0 && held.size() <= MAX_HELD) {
                break;
            }
            it.remove();
        }
    }

    private static void removeRoutes(Map<String, Route> table, List<String> keys, ClientSession session) {
        for (String k : keys) {
            table.computeIfPresent(k, (key, r) -> r.session() == session ? null : r);
        }
    }

    /** A rejection that names the service it is about. */
    static final class ServiceError extends GtException {
        private static final long serialVersionUID = 1L;
        final int serviceIndex;

        ServiceError(GtErrorCode code, int serviceIndex, String detail) {
            super(code, "service " + serviceIndex + ": " + detail);
            this.serviceIndex = serviceIndex;
        }
    }
}

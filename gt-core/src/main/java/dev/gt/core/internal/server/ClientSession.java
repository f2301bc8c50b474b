package dev.gt.core.internal.server;

import dev.gt.core.internal.mux.RateLimiter;
import dev.gt.core.internal.proto.Hello;
import io.netty.channel.Channel;
import io.netty.channel.EventLoop;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * Everything the server holds for one client id: its tunnels, the services registered by the
 * first tunnel, and their routes and TCP listeners. Mutated under the {@link Registry} lock;
 * {@link #pickTunnel} is lock-free.
 */
final class ClientSession {
    final String id;
    /** The secret the id was bound to in allow-any mode, or {@code null} for a configured user. */
    final String boundSecret;
    final CopyOnWriteArrayList<ServerTunnel> tunnels = new CopyOnWriteArrayList<>();
    int reserved;
    List<Hello.Service> services;
    CompletableFuture<Void> registration;
    final List<String> httpKeys = new ArrayList<>();
    final List<String> tlsKeys = new ArrayList<>();
    /** Per service index: the host announced to the client. */
    final Map<Integer, String> hosts = new TreeMap<>();
    /** Per service index: the opened port and its listener. */
    final Map<Integer, Integer> ports = new TreeMap<>();
    final Map<Integer, Channel> listeners = new TreeMap<>();
    boolean removed;
    /** Whether a tunnel of the session was ever live (only then is an allow-any id held after it). */
    boolean attachedOnce;
    /** How the id got in, which decides what a reconfiguration does to it. */
    final Origin origin;
    /** The limits an authenticator set for the id ({@code null}: none, or not authenticated that way). */
    final dev.gt.api.spi.UserLimits authLimits;
    /**
     * The rules in force: those the id was admitted under, or the ones a reconfiguration put in
     * their place (changed under the registry lock; read by admission under it too).
     */
    volatile Rules rules;
    /**
     * Speed limits shared by every stream of the id ({@code null} without {@code speed}): bytes
     * from visitors to the client, and from the client to visitors, each with its own bucket.
     * A stream takes the ones in force when it opens.
     */
    volatile RateLimiter toClient;
    volatile RateLimiter toVisitors;

    /** How a session's id was admitted. */
    enum Origin {
        /** A configured user, by its secret. */
        CONFIGURED,
        /** Allow-any mode: the id is bound to the first secret seen ({@link #boundSecret}). */
        ALLOW_ANY,
        /** Accepted by the authenticator or the auth API. */
        AUTHENTICATED
    }
    /** Bytes of every stream of the id, for snapshots and the metrics recorder. */
    final dev.gt.core.internal.events.Traffic traffic = new dev.gt.core.internal.events.Traffic();
    /** Per service index: what visitors reach ({@code http:prefix}, {@code tcp:port}), for snapshots. */
    final Map<Integer, String> routeLabels = new java.util.concurrent.ConcurrentHashMap<>();

    ClientSession(String id, String boundSecret, Rules rules, Origin origin, dev.gt.api.spi.UserLimits authLimits) {
        this.id = id;
        this.boundSecret = boundSecret;
        this.rules = rules;
        this.origin = origin;
        this.authLimits = authLimits;
        this.toClient = rules.speed() > 0 ? RateLimiter.of(rules.speed()) : null;
        this.toVisitors = rules.speed() > 0 ? RateLimiter.of(rules.speed()) : null;
    }

    /**
     * Puts new rules in force; the caller holds the registry lock. The speed limit changes for
     * open streams when the id had one before and has one now; a limit where there was none
     * applies to streams opened from now on, and a limit lifted frees the open streams at once.
     */
    void applyRules(Rules next) {
        long before = rules.speed();
        rules = next;
        long after = next.speed();
        if (before == after) {
            return;
        }
        if (before > 0 && after > 0) {
            toClient.setRate(after);
            toVisitors.setRate(after);
        } else if (after > 0) {
            toClient = RateLimiter.of(after);
            toVisitors = RateLimiter.of(after);
        } else {
            // Open streams hold these buckets: make them endless rather than leave them throttled.
            toClient.setRate(Long.MAX_VALUE);
            toVisitors.setRate(Long.MAX_VALUE);
            toClient = null;
            toVisitors = null;
        }
    }

    /** What a stream of service {@code index} routes to, for snapshots and events. */
    String routeLabel(int index) {
        String label = routeLabels.get(index);
        return label != null ? label : "service " + index;
    }

    /**
     * A tunnel for a new stream: one on {@code preferred} (so that visitor and tunnel share a
     * thread: a stream that changes loops costs a task hand-off per chunk each way) unless it
     * carries more than twice the streams of the least loaded one; otherwise the least loaded.
     * Tunnels are spread over the loops as they are accepted, so under load one loop's tunnel
     * often carries twice another's streams; a tighter balance made half the visitors hop.
     * Among tunnels the client ranked (PRIORITY), only those of the lowest rank are considered.
     * A tunnel whose client has not answered a PING for seconds is passed over while another can
     * take the stream: a client killed and restarted leaves its old tunnel open until the idle
     * timeout (over QUIC, or when its host vanished), and least-loaded picking would send new
     * visitors into it, since its streams fail and leave it empty. {@code null} when no tunnel can
     * take streams.
     */
    ServerTunnel pickTunnel(EventLoop preferred) {
        ServerTunnel t = pickTunnel(preferred, false);
        return t != null ? t : pickTunnel(preferred, true);
    }

    private ServerTunnel pickTunnel(EventLoop preferred, boolean evenUnresponsive) {
        ServerTunnel best = null;
        ServerTunnel sameLoop = null;
        // Only tunnels of the lowest rank the client gave (PRIORITY: its choice of transport) count.
        int rank = Integer.MAX_VALUE;
        for (ServerTunnel t : tunnels) {
            if (t.isGoingAway() || !t.channel().isActive() || !evenUnresponsive && t.isUnresponsive()) {
                continue;
            }
            int r = t.rank;
            if (r > rank) {
                continue;
            }
            if (r < rank) {
                rank = r;
                best = null;
                sameLoop = null;
            }
            if (best == null || t.streamCount() < best.streamCount()) {
                best = t;
            }
            if (t.loop() == preferred && (sameLoop == null || t.streamCount() < sameLoop.streamCount())) {
                sameLoop = t;
            }
        }
        if (sameLoop != null && sameLoop.streamCount() <= 2 * best.streamCount() + 32) {
            return sameLoop;
        }
        return best;
    }
}

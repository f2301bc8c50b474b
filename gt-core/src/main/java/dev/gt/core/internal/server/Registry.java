package dev.gt.core.internal.server;

import dev.gt.api.GtErrorCode;
import dev.gt.api.GtException;
import dev.gt.core.GtServerConfig;
import dev.gt.core.internal.proto.Hello;
import dev.gt.core.internal.proto.Protocol;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import java.net.InetSocketAddress;
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

    private final GtServerConfig config;
    private final PortPool pool;
    private final IntFunction<ChannelFuture> tcpBinder;
    final Map<String, ClientSession> sessions = new ConcurrentHashMap<>();
    final Map<String, Route> httpRoutes = new ConcurrentHashMap<>();
    final Map<String, Route> tlsRoutes = new ConcurrentHashMap<>();

    /**
     * @param tcpBinder binds a TCP service listener on a port; the listener's channel carries
     *     the {@link Route} in an attribute set by the caller after success
     */
    Registry(GtServerConfig config, PortPool pool, IntFunction<ChannelFuture> tcpBinder) {
        this.config = config;
        this.pool = pool;
        this.tcpBinder = tcpBinder;
    }

    /** Admission result: the session with one tunnel slot reserved. */
    record Admission(ClientSession session) { }

    /**
     * Authenticates and admits a tunnel. The returned future fails with a {@link GtException}
     * (and {@link ServiceError} for a code that names a service); on success one slot is reserved
     * in the session, to be turned into a tunnel with {@link #attach} or given back with
     * {@link #unreserve}.
     */
    CompletableFuture<Admission> admit(Hello hello) {
        ClientSession session;
        CompletableFuture<Void> registration;
        synchronized (this) {
            String configured = config.users().get(hello.id());
            session = sessions.get(hello.id());
            if (configured != null) {
                if (!secretEquals(configured, hello.secret())) {
                    return failed(GtErrorCode.INVALID_ID_OR_SECRET, "wrong secret for id '" + hello.id() + "'");
                }
            } else if (!config.allowAnyClient()) {
                return failed(GtErrorCode.INVALID_ID_OR_SECRET, "unknown id '" + hello.id() + "'");
            } else if (session != null && !secretEquals(session.boundSecret, hello.secret())) {
                return failed(GtErrorCode.INVALID_ID_OR_SECRET, "id '" + hello.id()
                        + "' is connected with another secret");
            }
            if (session == null) {
                session = new ClientSession(hello.id(), configured != null ? null : hello.secret());
            }
            if (session.tunnels.size() + session.reserved >= config.connections()) {
                return failed(GtErrorCode.MAX_CONNECTIONS, "id '" + hello.id() + "' already has "
                        + config.connections() + " tunnels (-connections)");
            }
            if (session.services != null) {
                if (!session.services.equals(hello.services())) {
                    return failed(GtErrorCode.DIFFERENT_CONFIG, "id '" + hello.id()
                            + "' is connected with a different service list");
                }
                registration = session.registration;
            } else {
                GtException e = registerRoutes(session, hello);
                if (e != null) {
                    return CompletableFuture.failedFuture(e);
                }
                session.services = hello.services();
                sessions.put(session.id, session);
                session.registration = openTcpPorts(session, hello.services());
                registration = session.registration;
            }
            session.reserved++;
        }
        ClientSession s = session;
        return registration.handle((v, failure) -> {
            if (failure != null) {
                Throwable err = failure instanceof java.util.concurrent.CompletionException && failure.getCause() != null
                        ? failure.getCause() : failure;
                unreserve(s);
                throw err instanceof GtException ? (GtException) err
                        : new GtException(GtErrorCode.INTERNAL_ERROR, err.toString(), err);
            }
            return new Admission(s);
        });
    }

    private static <T> CompletableFuture<T> failed(GtErrorCode code, String detail) {
        return CompletableFuture.failedFuture(new GtException(code, detail));
    }

    private static boolean secretEquals(String expected, String given) {
        return MessageDigest.isEqual(expected.getBytes(StandardCharsets.UTF_8), given.getBytes(StandardCharsets.UTF_8));
    }

    private GtException registerRoutes(ClientSession session, Hello hello) {
        List<Hello.Service> services = hello.services();
        int tcpCount = 0;
        List<String> keys = new ArrayList<>();
        for (int i = 0; i < services.size(); i++) {
            Hello.Service s = services.get(i);
            if (s.kind() == Protocol.KIND_TCP) {
                tcpCount++;
                continue;
            }
            String prefix = s.prefix() != null ? s.prefix() : hello.id();
            String key = prefix.toLowerCase(Locale.ROOT);
            Map<String, Route> table = s.kind() == Protocol.KIND_HTTP ? httpRoutes : tlsRoutes;
            Route owner = table.get(key);
            if (owner != null && owner.session() != session) {
                return new ServiceError(GtErrorCode.HOST_CONFLICT, i, "host prefix '" + prefix
                        + "' is held by another client");
            }
            String tableKey = (s.kind() == Protocol.KIND_HTTP ? "h:" : "t:") + key;
            if (keys.contains(tableKey)) {
                return new ServiceError(GtErrorCode.HOST_CONFLICT, i, "host prefix '" + prefix + "' is listed twice");
            }
            keys.add(tableKey);
        }
        if (config.tcpNumber() > 0 && tcpCount > config.tcpNumber()) {
            return new GtException(GtErrorCode.TCP_NUMBER_LIMITED, tcpCount + " tcp services (the server allows "
                    + config.tcpNumber() + " per client, -tcpNumber)");
        }
        for (int i = 0; i < services.size(); i++) {
            Hello.Service s = services.get(i);
            if (s.kind() == Protocol.KIND_TCP) {
                continue;
            }
            String prefix = s.prefix() != null ? s.prefix() : hello.id();
            String key = prefix.toLowerCase(Locale.ROOT);
            if (s.kind() == Protocol.KIND_HTTP) {
                httpRoutes.put(key, new Route(session, i));
                session.httpKeys.add(key);
            } else {
                tlsRoutes.put(key, new Route(session, i));
                session.tlsKeys.add(key);
            }
            session.hosts.put(i, prefix);
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
        if (pool.isEmpty()) {
            return CompletableFuture.failedFuture(new ServiceError(GtErrorCode.FAILED_TO_OPEN_TCP_PORT, index,
                    "the server has no -tcpRange, so TCP forwarding is off"));
        }
        int port;
        if (attempt == 0 && s.remotePort() != 0) {
            port = pool.take(s.remotePort()) ? s.remotePort() : -1;
            if (port < 0) {
                String why = pool.contains(s.remotePort()) ? "port " + s.remotePort() + " is taken by another client"
                        : "port " + s.remotePort() + " is outside the server's -tcpRange " + pool;
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
                        session.ports.put(index, ((InetSocketAddress) cf.channel().localAddress()).getPort());
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
        maybeRemove(session);
        return session.tunnels.size();
    }

    private void maybeRemove(ClientSession session) {
        if (!session.tunnels.isEmpty() || session.reserved > 0 || session.removed) {
            return;
        }
        session.removed = true;
        sessions.remove(session.id, session);
        removeRoutes(httpRoutes, session.httpKeys, session);
        removeRoutes(tlsRoutes, session.tlsKeys, session);
        for (Map.Entry<Integer, Channel> e : session.listeners.entrySet()) {
            Channel ch = e.getValue();
            int port = session.ports.get(e.getKey());
            ch.close().addListener(f -> pool.release(port));
            log.info("client '{}': tcp port {} closed", session.id, port);
        }
        session.listeners.clear();
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

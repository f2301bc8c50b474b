package dev.gt.core.it;

import dev.gt.api.ClientState;
import dev.gt.api.ServerState;
import dev.gt.core.GtClient;
import dev.gt.core.GtServer;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * A started server (127.0.0.1, port 0, user {@code id1}/{@code secret1}, TCP services bound to
 * 127.0.0.1) and a started client for it, both recording their events; {@link #close()} closes
 * every client made here, then the server.
 */
final class GtPair implements AutoCloseable {
    static final String ID = "id1";
    static final String SECRET = "secret1";

    final GtServer server;
    final GtClient client;
    final Events serverEvents = new Events();
    final Events clientEvents = new Events();
    private final List<GtClient> clients = new ArrayList<>();

    private GtPair(Consumer<GtServer.Builder> serverConfig, Consumer<GtClient.Builder> clientConfig)
            throws Exception {
        GtServer.Builder sb = GtServer.builder().listenAddress("127.0.0.1:0").user(ID, SECRET).tcpBindAddress("127.0.0.1")
                .eventListener(serverEvents);
        serverConfig.accept(sb);
        server = sb.build();
        try {
            server.start().get(10, TimeUnit.SECONDS);
            client = addClient(b -> {
                b.eventListener(clientEvents);
                clientConfig.accept(b);
            });
        } catch (Exception | Error e) {
            server.close();
            throw e;
        }
    }

    /**
     * Starts a server configured by the defaults then {@code serverConfig}, and a client
     * ({@code id1}, reconnect delay 200 ms) configured by the defaults then {@code clientConfig},
     * which must add the services. Waits until the client's first tunnel is ready.
     */
    static GtPair start(Consumer<GtServer.Builder> serverConfig, Consumer<GtClient.Builder> clientConfig)
            throws Exception {
        GtPair pair = new GtPair(serverConfig, clientConfig);
        try {
            pair.client.start().get(10, TimeUnit.SECONDS);
        } catch (Exception | Error e) {
            pair.close();
            throw e;
        }
        return pair;
    }

    /** A client of {@code server} with id1/secret1 and a 200 ms reconnect delay, then {@code config}; not started. */
    static GtClient newClient(GtServer server, Consumer<GtClient.Builder> config) {
        GtClient.Builder b = GtClient.builder().id(ID).secret(SECRET)
                .server("tcp://127.0.0.1:" + server.listenAddress().getPort())
                .reconnectDelay(Duration.ofMillis(200));
        config.accept(b);
        return b.build();
    }

    /** Another client of this server, closed with the pair; not started. */
    GtClient addClient(Consumer<GtClient.Builder> config) {
        GtClient c = newClient(server, config);
        synchronized (clients) {
            clients.add(c);
        }
        return c;
    }

    InetSocketAddress addr() {
        return server.listenAddress();
    }

    /** The server port opened for TCP service {@code index} of the main client. */
    int tcpPort(int index) {
        for (ClientState.RegisteredService s : client.state().services()) {
            if (s.index() == index) {
                if (s.tcpPort() == 0) {
                    throw new AssertionError("service " + index + " has no tcp port: " + s);
                }
                return s.tcpPort();
            }
        }
        throw new AssertionError("service " + index + " is not registered: " + client.state());
    }

    /** The server's view of client {@code id}, or null. */
    ServerState.ClientInfo serverClient(String id) {
        for (ServerState.ClientInfo c : server.state().clients()) {
            if (c.id().equals(id)) {
                return c;
            }
        }
        return null;
    }

    /** Streams open on the server side of {@code id}'s tunnels. */
    int serverStreams(String id) {
        ServerState.ClientInfo c = serverClient(id);
        return c == null ? 0 : c.tunnels().stream().mapToInt(t -> t.streams()).sum();
    }

    @Override
    public void close() {
        List<GtClient> all;
        synchronized (clients) {
            all = new ArrayList<>(clients);
        }
        for (GtClient c : all) {
            c.close();
        }
        server.close();
    }
}

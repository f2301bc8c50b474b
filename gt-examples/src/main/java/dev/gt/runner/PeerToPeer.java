package dev.gt.runner;

import dev.gt.api.IceServer;
import dev.gt.api.spi.IceServerProvider;
import dev.gt.api.spi.SharedPortProtocol;
import dev.gt.core.GtClient;
import dev.gt.core.GtServer;
import dev.gt.p2p.StunClient;
import dev.gt.p2p.StunMessages;
import dev.gt.p2p.StunServer;
import dev.gt.p2p.TurnRestCredentials;
import dev.gt.runner.options.OptionValues;
import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandler;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * The runner's peer-to-peer wiring: {@code gt server -stunAddr} runs a STUN/TURN server beside the
 * GT server, optionally on {@code -addr} too ({@code -stunOnAddr}), and hands every client its
 * {@code stun:}/{@code turn:} URLs with fresh TURN credentials; {@code gt client -remoteSTUN} asks
 * a STUN server for the client's public address.
 */
final class PeerToPeer {
    private PeerToPeer() {
    }

    /**
     * Builds the STUN server {@code -stunAddr} asks for and hooks it into {@code server}, or returns
     * {@code null} without {@code -stunAddr}. Start the STUN server before the GT server: the
     * shared-port handler needs it running.
     *
     * @throws IllegalArgumentException for a bad STUN/TURN option (its message names the option)
     */
    static StunServer configureServer(OptionValues v, GtServer.Builder server) {
        String addr = v.string("stunAddr");
        if (addr == null || addr.isEmpty()) {
            if (v.bool("stunOnAddr")) {
                throw new IllegalArgumentException("-stunOnAddr needs -stunAddr (the STUN server's own UDP and TCP "
                        + "port)");
            }
            return null;
        }
        StunServer stun = StunCommand.configure(v).build();
        if (v.bool("stunOnAddr")) {
            server.sharedPortProtocol(sharedPort(stun));
        }
        List<String> secrets = v.strings("turnSecret");
        server.iceServers(iceServers(stun, secrets.isEmpty() ? null : secrets.get(0),
                v.duration("turnCredentialsTTL"), Clock.systemUTC()));
        return stun;
    }

    /** STUN and TURN over TCP on the GT server's main port, told apart by STUN's magic cookie. */
    static SharedPortProtocol sharedPort(StunServer stun) {
        return new SharedPortProtocol() {
            @Override
            public String name() {
                return "STUN";
            }

            @Override
            public int bytesNeeded() {
                return StunMessages.bytesNeeded();
            }

            @Override
            public boolean matches(ByteBuf firstBytes) {
                return StunMessages.looksLikeStun(firstBytes);
            }

            @Override
            public ChannelHandler newHandler() {
                return stun.tcpHandler();
            }
        };
    }

    /**
     * What each client is told: the STUN server, and, when TURN takes REST credentials, TURN over
     * UDP and TCP with credentials made for that client. Static {@code -turnUser} passwords are
     * never handed out. The host is the STUN server's own when it listens on one address, and
     * otherwise the address the client reached the GT server on.
     */
    static IceServerProvider iceServers(StunServer stun, String restSecret, Duration ttl, Clock clock) {
        return (clientId, serverAddress) -> {
            InetAddress bound = stun.config().listenAddress().getAddress();
            String host = bound != null && !bound.isAnyLocalAddress() ? bound.getHostAddress()
                    : serverAddress.getAddress() != null ? serverAddress.getAddress().getHostAddress()
                    : serverAddress.getHostString();
            String hostPort = (host.indexOf(':') >= 0 ? "[" + host + "]" : host) + ":" + stun.port();
            List<IceServer> servers = new ArrayList<>();
            servers.add(new IceServer(List.of("stun:" + hostPort), "", "", java.time.Instant.MAX));
            if (restSecret != null) {
                TurnRestCredentials c = TurnRestCredentials.issue(restSecret, clientId, ttl, clock);
                servers.add(new IceServer(List.of("turn:" + hostPort + "?transport=udp",
                        "turn:" + hostPort + "?transport=tcp"), c.username(), c.password(), c.expiresAt()));
            }
            return servers;
        };
    }

    /**
     * Makes the client ask the {@code -remoteSTUN} servers, in order, for its public address, or
     * returns {@code null} without {@code -remoteSTUN}. Close the returned client with the GT
     * client.
     */
    static StunClient configureClient(OptionValues v, GtClient.Builder client) {
        List<String> uris = v.strings("remoteSTUN");
        if (uris.isEmpty()) {
            return null;
        }
        for (String uri : uris) {
            try {
                dev.gt.p2p.StunUri.parse(uri);
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("-remoteSTUN: " + e.getMessage(), e);
            }
        }
        // RFC 5389's 39.5 s is for one server; the next -remoteSTUN should be asked well before that.
        StunClient stun = StunClient.builder().timeout(Duration.ofSeconds(5)).build();
        client.publicAddressProbe(() -> firstAnswer(stun, uris, 0));
        return stun;
    }

    private static CompletableFuture<InetSocketAddress> firstAnswer(StunClient stun, List<String> uris, int i) {
        CompletableFuture<InetSocketAddress> q = stun.query(uris.get(i));
        if (i == uris.size() - 1) {
            return q;
        }
        return q.handle((a, e) -> e == null ? CompletableFuture.completedFuture(a) : firstAnswer(stun, uris, i + 1))
                .thenCompose(f -> f);
    }
}

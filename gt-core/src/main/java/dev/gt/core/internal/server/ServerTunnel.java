package dev.gt.core.internal.server;

import dev.gt.api.GtErrorCode;
import dev.gt.api.GtEvent;
import dev.gt.api.TunnelInfo;
import dev.gt.core.internal.mux.MuxTunnel;
import dev.gt.core.internal.relay.RelayHandler;
import dev.gt.core.internal.relay.StreamRelay;
import dev.gt.core.internal.proto.Protocol;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandler;
import java.net.InetSocketAddress;
import java.time.Duration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The server end of a tunnel: opens a stream per visitor. */
final class ServerTunnel extends MuxTunnel {
    private static final Logger log = LoggerFactory.getLogger(ServerTunnel.class);

    private final ServerRuntime server;
    final ClientSession session;
    final int tunnelId;
    private int nextStreamId = 1;

    ServerTunnel(ServerRuntime server, Channel channel, ClientSession session, int tunnelId, int clientWindow) {
        super(channel, clientWindow, Protocol.DEFAULT_WINDOW, server.ticker());
        this.server = server;
        this.session = session;
        this.tunnelId = tunnelId;
    }

    void start() {
        // The server pings too: it measures the round trip (server.state()) and notices a frozen
        // client within -timeout even when the client sends nothing.
        startKeepalive(server.pingInterval(), server.config.timeout());
        Duration open = server.config.streamOpenTimeout();
        Duration idle = server.config.timeout();
        startIdleSweeper(idle.isZero() || !open.isZero() && open.compareTo(idle) < 0 ? open : idle);
    }

    /**
     * Opens a stream for {@code visitor}; must be called on the visitor's event loop. The relay
     * handler takes {@code replacing}'s place in the visitor's pipeline at once, on that loop, so
     * no event of the visitor (bytes, EOF, close) can pass before the stream is there to see it;
     * the stream is then registered, announced with OPEN, given {@code initial} (ownership passes)
     * and attached on the tunnel's loop, before any of those events reach it.
     */
    void openStream(Channel visitor, ChannelHandler replacing, int serviceIndex, ByteBuf initial,
            StreamRelay.EarlyEndHandler onEarlyEnd) {
        assert visitor.eventLoop().inEventLoop();
        StreamRelay relay = new StreamRelay(loop);
        relay.earlyEndHandler(onEarlyEnd);
        relay.rateLimits(session.toClient, session.toVisitors);
        RelayHandler handler = new RelayHandler(relay);
        if (replacing != null) {
            visitor.pipeline().replace(replacing, "gt-relay", handler);
        } else {
            visitor.pipeline().addLast("gt-relay", handler);
        }
        runOnLoop(() -> {
            if (!channel.isActive()) {
                if (initial != null) {
                    initial.release();
                }
                visitor.close();
                return;
            }
            int id = nextId();
            newStream(id, relay);
            relay.idleLimitTicks(ticks(server.config.timeout()));
            relay.openDeadlineTicks(ticks(server.config.streamOpenTimeout()));
            byte[] ip = null;
            int port = 0;
            if (visitor.remoteAddress() instanceof InetSocketAddress) {
                InetSocketAddress a = (InetSocketAddress) visitor.remoteAddress();
                if (a.getAddress() != null) {
                    ip = a.getAddress().getAddress();
                    port = a.getPort();
                }
            }
            writeControl(Protocol.open(alloc, id, serviceIndex, ip, port));
            if (initial != null) {
                relay.sendInitial(initial);
            }
            relay.attach(visitor);
        });
    }

    private int nextId() {
        int id;
        do {
            id = nextStreamId;
            nextStreamId += 2;
            if (nextStreamId < 0) {
                nextStreamId = 1;
            }
        } while (hasStream(id));
        return id;
    }

    @Override
    protected String peerSideName() {
        return "visitor";
    }

    @Override
    protected String otherSideName() {
        return "client";
    }

    @Override
    protected void onPeerGoAway(GtErrorCode code, String message) {
        log.debug("client '{}' tunnel {} going away: {}", session.id, tunnelId, message);
    }

    @Override
    protected void onTunnelClosed(Throwable cause) {
        int left = server.registry.detach(session, this);
        log.info("client '{}' tunnel {} from {} closed ({} left): {}", session.id, tunnelId,
                channel.remoteAddress(), left, cause.getMessage());
        server.fire(new GtEvent.ClientDisconnected(session.id, channel.remoteAddress(), left, cause));
    }

    TunnelInfo info() {
        return new TunnelInfo(session.id, tunnelId, channel.remoteAddress(), streamCount(), rtt(), server.transportName());
    }
}

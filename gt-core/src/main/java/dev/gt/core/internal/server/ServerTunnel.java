package dev.gt.core.internal.server;

import dev.gt.api.GtErrorCode;
import dev.gt.api.GtEvent;
import dev.gt.api.TunnelInfo;
import dev.gt.api.spi.TunnelConnection;
import dev.gt.core.internal.mux.CarriedStream;
import dev.gt.core.internal.mux.MuxTunnel;
import dev.gt.core.internal.mux.NativeStream;
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

/**
 * The server end of a tunnel: the client's session bookkeeping around a {@link MuxTunnel}, which
 * carries the streams; opens a stream per visitor.
 */
final class ServerTunnel implements MuxTunnel.Owner {
    private static final Logger log = LoggerFactory.getLogger(ServerTunnel.class);

    private final ServerRuntime server;
    final ClientSession session;
    final int tunnelId;
    final MuxTunnel mux;
    private final Channel channel;
    private final String transport;
    /** The connection of a transport with native streams (QUIC), or {@code null}: streams are multiplexed. */
    private final TunnelConnection connection;
    private int nextStreamId = 1;
    /**
     * The client's rank for this tunnel (PRIORITY): new streams go to the tunnels of the lowest
     * rank; 0 until the client says otherwise.
     */
    volatile int rank;
    /** Bytes of the probe being received and the last count acknowledged (on the tunnel's loop). */
    private long probeBytes;
    private long probeAcked;
    private int probeId = -1;

    /**
     * @param transport the tunnel transport's name for snapshots ({@code tcp}, {@code tls}, {@code quic})
     * @param connection the connection when its transport carries the streams itself, else {@code null}
     */
    ServerTunnel(ServerRuntime server, Channel channel, String transport, TunnelConnection connection,
            ClientSession session, int tunnelId, int clientWindow) {
        this.mux = new MuxTunnel(channel, clientWindow, Protocol.DEFAULT_WINDOW, server.ticker(), this);
        this.channel = channel;
        this.transport = transport;
        this.connection = connection != null && connection.hasNativeStreams() ? connection : null;
        this.server = server;
        this.session = session;
        this.tunnelId = tunnelId;
    }

    void start() {
        // The server pings too: it measures the round trip (server.state()) and notices a frozen
        // client within -timeout even when the client sends nothing.
        mux.startKeepalive(server.pingInterval(), server.config.idleTimeout());
        Duration open = server.config.streamOpenTimeout();
        Duration idle = server.config.idleTimeout();
        mux.startIdleSweeper(idle.isZero() || !open.isZero() && open.compareTo(idle) < 0 ? open : idle);
        mux.startLossWatch(connection);
    }

    Channel channel() {
        return channel;
    }

    /** The client's address: for a transport that follows a migrating client (QUIC), the current one. */
    java.net.SocketAddress peer() {
        return connection != null ? connection.remoteAddress() : channel.remoteAddress();
    }

    /**
     * Sends the STUN/TURN servers for this client (when the server offers any), now and again at
     * half the lifetime of the earliest credential, so the client always holds valid ones.
     */
    void sendIceServers() {
        dev.gt.api.spi.IceServerProvider provider = server.config.iceServers();
        if (provider == null || !channel.isActive()) {
            return;
        }
        java.net.SocketAddress at = connection != null ? connection.localAddress() : channel.localAddress();
        if (!(at instanceof java.net.InetSocketAddress)) {
            return;
        }
        java.net.InetSocketAddress local = (java.net.InetSocketAddress) at;
        java.util.concurrent.CompletableFuture.supplyAsync(() -> provider.iceServersFor(session.id, local))
                .whenComplete((servers, failure) -> mux.runOnLoop(() -> {
                    if (failure != null || servers == null || servers.isEmpty() || !channel.isActive()) {
                        if (failure != null) {
                            log.warn("cannot make the ICE servers of client '{}': {}", session.id, failure.toString());
                        }
                        return;
                    }
                    mux.writeControl(Protocol.iceServers(mux.alloc(), servers));
                    java.time.Instant earliest = java.time.Instant.MAX;
                    for (dev.gt.api.IceServer s : servers) {
                        if (s.expiresAt().isBefore(earliest)) {
                            earliest = s.expiresAt();
                        }
                    }
                    if (earliest.equals(java.time.Instant.MAX)) {
                        return;
                    }
                    long half = Math.max(30, java.time.Duration.between(java.time.Instant.now(), earliest).getSeconds() / 2);
                    mux.loop().schedule(this::sendIceServers, half, java.util.concurrent.TimeUnit.SECONDS);
                }));
    }

    io.netty.channel.EventLoop loop() {
        return mux.loop();
    }

    int streamCount() {
        return mux.streamCount();
    }

    /** A PING to the client went unanswered for long: it may be gone ({@link MuxTunnel#isUnresponsive()}). */
    boolean isUnresponsive() {
        return mux.isUnresponsive();
    }

    boolean isGoingAway() {
        return mux.isGoingAway();
    }

    void goAway(GtErrorCode code, String message) {
        mux.goAway(code, message);
    }

    void close(GtErrorCode code, String message, Throwable cause) {
        mux.close(code, message, cause);
    }

    void resetStreams(GtErrorCode code, String message) {
        mux.resetStreams(code, message);
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
        StreamRelay relay = new StreamRelay(mux.loop());
        relay.earlyEndHandler(onEarlyEnd);
        relay.rateLimits(session.toClient, session.toVisitors);
        relay.describe(session.routeLabel(serviceIndex), visitor.remoteAddress());
        relay.countInto(session.traffic, true);
        RelayHandler handler = new RelayHandler(relay);
        if (replacing != null) {
            visitor.pipeline().replace(replacing, "gt-relay", handler);
        } else {
            visitor.pipeline().addLast("gt-relay", handler);
        }
        mux.runOnLoop(() -> {
            if (!channel.isActive()) {
                if (initial != null) {
                    initial.release();
                }
                visitor.close();
                return;
            }
            mux.probeIfQuiet();
            int id = nextId();
            byte[] ip = null;
            int port = 0;
            if (visitor.remoteAddress() instanceof InetSocketAddress) {
                InetSocketAddress a = (InetSocketAddress) visitor.remoteAddress();
                if (a.getAddress() != null) {
                    ip = a.getAddress().getAddress();
                    port = a.getPort();
                }
            }
            if (connection != null) {
                // The OPEN frame starts the transport's own stream; the relay holds what the visitor
                // sends until that stream exists.
                NativeStream.open(mux, connection, id, relay, Protocol.open(mux.alloc(), id, serviceIndex, ip, port));
            } else {
                mux.newStream(id, relay);
                mux.writeControl(Protocol.open(mux.alloc(), id, serviceIndex, ip, port));
            }
            relay.idleLimitTicks(mux.ticks(server.config.idleTimeout()));
            relay.openDeadlineTicks(mux.ticks(server.config.streamOpenTimeout()));
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
        } while (mux.hasStream(id));
        return id;
    }

    @Override
    public String peerSideName() {
        return "visitor";
    }

    @Override
    public String otherSideName() {
        return "client";
    }

    @Override
    public void onPriority(int r) {
        if (r != rank) {
            log.debug("client '{}' tunnel {} ({}): rank {} for new streams", session.id, tunnelId, transport, r);
            rank = r;
        }
    }

    /**
     * A probe's bytes arrive: acknowledged as a stream's credit would be returned (a quarter of
     * our window at a time), so the client's probe runs under the same flow control as a visitor
     * stream of this tunnel, and once more when its last frame is in.
     */
    @Override
    public void onProbe(int id, int length, boolean fin) {
        if (id != probeId) {
            probeId = id;
            probeBytes = 0;
            probeAcked = 0;
        }
        probeBytes += length;
        if (fin || probeBytes - probeAcked >= Protocol.DEFAULT_WINDOW / 4) {
            probeAcked = probeBytes;
            mux.writeControl(Protocol.probeAck(mux.alloc(), id, probeBytes, fin));
        }
    }

    @Override
    public void onPeerGoAway(GtErrorCode code, String message) {
        log.debug("client '{}' tunnel {} going away: {}", session.id, tunnelId, message);
    }

    @Override
    public void onTunnelClosed(Throwable cause) {
        int left = server.registry.detach(session, this);
        java.net.SocketAddress from = peer();
        log.info("client '{}' tunnel {} from {} closed ({} left): {}", session.id, tunnelId, from, left,
                cause.getMessage());
        server.events.dispatch(l -> l.clientDisconnected(session.id, from, left, cause));
        server.events.tunnelEnded(session.id, tunnelId);
    }

    @Override
    public void onStreamOpened(CarriedStream s) {
        server.streamsOpened.increment();
        if (server.events.enabled()) {
            dev.gt.api.StreamInfo info = streamInfo(s);
            server.events.dispatchStream(session.id, tunnelId, l -> l.streamOpened(info));
        }
    }

    @Override
    public void onStreamClosed(CarriedStream s, Throwable cause) {
        if (server.events.enabled()) {
            dev.gt.api.StreamInfo info = streamInfo(s);
            server.events.dispatchStream(session.id, tunnelId, l -> l.streamClosed(info, cause));
        }
    }

    private dev.gt.api.StreamInfo streamInfo(CarriedStream s) {
        StreamRelay r = s.relay();
        return new dev.gt.api.StreamInfo(session.id, tunnelId, s.id(), r.route(), r.peerAddress(), r.sentBytes(),
                r.deliveredBytes(), r.age());
    }

    TunnelInfo info() {
        java.util.List<dev.gt.api.StreamInfo> open = new java.util.ArrayList<>();
        for (CarriedStream s : mux.liveStreams()) {
            open.add(streamInfo(s));
        }
        return new TunnelInfo(session.id, tunnelId, peer(), mux.streamCount(), mux.rtt(),
                transport, server.transportName(), mux.age(), mux.bytesSent(), mux.bytesReceived(), open);
    }
}

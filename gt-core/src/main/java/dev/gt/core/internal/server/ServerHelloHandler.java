package dev.gt.core.internal.server;

import dev.gt.api.GtErrorCode;
import dev.gt.api.GtEvent;
import dev.gt.api.GtException;
import dev.gt.api.spi.TunnelConnection;
import dev.gt.core.internal.proto.FrameDecoder;
import dev.gt.core.internal.proto.Hello;
import dev.gt.core.internal.proto.Protocol;
import dev.gt.core.internal.proto.ProtocolException;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelOption;
import io.netty.channel.socket.ChannelInputShutdownEvent;
import io.netty.handler.codec.ByteToMessageDecoder;
import io.netty.util.concurrent.ScheduledFuture;
import dev.gt.core.internal.Durations;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reads a tunnel's hello (the connection was sniffed as starting with {@code F0}), admits it,
 * answers with SERVICE frames and READY, and turns the pipeline into a tunnel.
 *
 * <p>The peer is not authenticated yet, so what it can cost is bounded: the hello must arrive
 * whole before the handshake deadline and within {@link Protocol#MAX_HELLO_LENGTH}, an EOF ends
 * the connection at once, and what it is told on refusal says nothing it could not know (an
 * unknown id and a wrong secret read the same); the details go to the server's log and events.
 */
final class ServerHelloHandler extends ByteToMessageDecoder {
    private static final Logger log = LoggerFactory.getLogger(ServerHelloHandler.class);
    static final String INVALID_LOGIN = "invalid id or secret";
    static final String AUTH_UNAVAILABLE = "the server cannot check logins right now; try again later";

    private final ServerRuntime server;
    /** The connection of a transport with a listener of its own (QUIC), or {@code null} for a sniffed one. */
    private final TunnelConnection connection;
    private final long deadlineNanos;
    private ScheduledFuture<?> deadline;
    private boolean done;
    private boolean banChecked;
    /** Bytes of the hello being read, taken from the server's handshake budget. */
    private long budgeted;

    /** @param deadlineNanos time left for the whole hello to arrive */
    ServerHelloHandler(ServerRuntime server, long deadlineNanos) {
        this(server, null, deadlineNanos);
    }

    /**
     * @param connection the connection whose control channel this handler reads, when its transport
     *     has a listener of its own (its address is the client's, the channel's is a stream's)
     * @param deadlineNanos time left for the whole hello to arrive
     */
    ServerHelloHandler(ServerRuntime server, TunnelConnection connection, long deadlineNanos) {
        this.server = server;
        this.connection = connection;
        this.deadlineNanos = deadlineNanos;
    }

    /** Where the tunnel comes from. */
    private SocketAddress peer(Channel ch) {
        return connection != null ? connection.remoteAddress() : ch.remoteAddress();
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        Channel ch = ctx.channel();
        if (deadlineNanos <= 0) {
            log.debug("tunnel from {}: no hello within the handshake timeout", peer(ch));
            ch.close();
            return;
        }
        deadline = ch.eventLoop().schedule(() -> {
            if (!done) {
                log.debug("tunnel from {}: no complete hello within the handshake timeout {}", peer(ch),
                        Durations.format(server.config.handshakeTimeout()));
                ch.close();
            }
        }, deadlineNanos, TimeUnit.NANOSECONDS);
    }

    @Override
    protected void handlerRemoved0(ChannelHandlerContext ctx) {
        cancelDeadline();
    }

    private void cancelDeadline() {
        server.handshakeBytes.giveBack(budgeted);
        budgeted = 0;
        if (deadline != null) {
            deadline.cancel(false);
            deadline = null;
        }
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) throws Exception {
        if (evt instanceof ChannelInputShutdownEvent) {
            // The peer closed its side before it was admitted: nothing more can come.
            log.debug("tunnel from {} closed before its handshake ended", peer(ctx.channel()));
            done = true;
            ctx.close();
            return;
        }
        super.userEventTriggered(ctx, evt);
    }

    @Override
    protected void decode(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) {
        if (!done && in.readableBytes() > budgeted) {
            long more = in.readableBytes() - budgeted;
            if (!server.handshakeBytes.take(more)) {
                log.debug("tunnel from {}: the server holds too many bytes of unfinished hellos; closing this one",
                        peer(ctx.channel()));
                done = true;
                in.skipBytes(in.readableBytes());
                ctx.close();
                return;
            }
            budgeted += more;
        }
        if (done || in.readableBytes() < 2) {
            if (!done) {
                ctx.read();
            }
            return;
        }
        int magic = in.getUnsignedByte(in.readerIndex());
        int version = in.getUnsignedByte(in.readerIndex() + 1);
        if (magic != Protocol.MAGIC || version != Protocol.VERSION) {
            done = true;
            in.skipBytes(in.readableBytes());
            String msg = version == Protocol.VERSION_GT1
                    ? "this is a GT for Java server; GT's own protocol version 1 is not supported"
                    : String.format("protocol version 0x%02X is not supported (expected 0x%02X)", version,
                            Protocol.VERSION);
            reject(ctx, null, GtErrorCode.UNSUPPORTED_VERSION, Protocol.NO_SERVICE, msg);
            return;
        }
        if (!banChecked) {
            banChecked = true;
            InetAddress ip = remoteIp(peer(ctx.channel()));
            long banned = ip == null ? 0 : server.registry.bans.bannedForNanos(ip);
            if (banned > 0) {
                done = true;
                in.skipBytes(in.readableBytes());
                // Checked before the hello is even read: a banned address costs almost nothing.
                reject(ctx, null, GtErrorCode.BANNED, Protocol.NO_SERVICE, "too many failed logins from "
                        + ip.getHostAddress() + "; refused for another "
                        + Durations.format(Duration.ofSeconds(Math.max(1, TimeUnit.NANOSECONDS.toSeconds(banned))))
                        + " (-reconnectTimes, -reconnectDuration)");
                return;
            }
        }
        if (in.readableBytes() < 6) {
            ctx.read();
            return;
        }
        long length = in.getUnsignedInt(in.readerIndex() + 2);
        if (length > Protocol.MAX_HELLO_LENGTH) {
            done = true;
            in.skipBytes(in.readableBytes());
            reject(ctx, null, GtErrorCode.PROTOCOL_ERROR, Protocol.NO_SERVICE,
                    "hello of " + length + " bytes (expected at most " + Protocol.MAX_HELLO_LENGTH + ")");
            return;
        }
        if (in.readableBytes() < 6 + length) {
            ctx.read();
            return;
        }
        done = true;
        cancelDeadline();
        in.skipBytes(6);
        ByteBuf body = in.readSlice((int) length);
        Hello hello;
        try {
            hello = Hello.decodeBody(body, server.config.maxServicesPerHandshake());
        } catch (ProtocolException e) {
            reject(ctx, null, GtErrorCode.PROTOCOL_ERROR, Protocol.NO_SERVICE, e.getMessage());
            return;
        } catch (Hello.TooManyServicesException e) {
            reject(ctx, null, GtErrorCode.MAX_HANDSHAKE_OPTIONS, Protocol.NO_SERVICE, e.getMessage());
            return;
        }
        if (!ctx.channel().isActive()) {
            return;
        }
        // Bytes after the hello belong to the tunnel (a client may pipeline nothing today, but
        // the decoder that follows must see them if it ever does).
        ByteBuf rest = in.isReadable() ? in.readRetainedSlice(in.readableBytes()) : Unpooled.EMPTY_BUFFER;
        Channel ch = ctx.channel();
        server.registry.admit(hello, peer(ch)).whenComplete((admission, err) -> ch.eventLoop().execute(() -> {
            if (err != null) {
                rest.release();
                Throwable e = err instanceof java.util.concurrent.CompletionException && err.getCause() != null
                        ? err.getCause() : err;
                GtErrorCode code = e instanceof GtException ? ((GtException) e).code() : GtErrorCode.INTERNAL_ERROR;
                int service = e instanceof Registry.ServiceError ? ((Registry.ServiceError) e).serviceIndex
                        : Protocol.NO_SERVICE;
                String detail = e instanceof GtException && ((GtException) e).detail() != null
                        ? ((GtException) e).detail() : e.getMessage();
                reject(ctx, hello.id(), code, service, detail);
                return;
            }
            accept(ctx, hello, admission.session(), rest);
        }));
    }

    private void accept(ChannelHandlerContext ctx, Hello hello, ClientSession session, ByteBuf rest) {
        Channel ch = ctx.channel();
        String transport = connection != null ? connection.scheme()
                : ch.pipeline().get(io.netty.handler.ssl.SslHandler.class) != null ? "tls" : "tcp";
        ServerTunnel tunnel = new ServerTunnel(server, ch, transport, connection, session, server.nextTunnelId(),
                hello.window());
        if (!ch.isActive() || !server.registry.attach(session, tunnel)) {
            rest.release();
            if (ch.isActive()) {
                server.registry.detach(session, tunnel);
            }
            ch.close();
            return;
        }
        ch.write(Unpooled.wrappedBuffer(new byte[] {(byte) Protocol.MAGIC, (byte) Protocol.VERSION}));
        for (int i = 0; i < hello.services().size(); i++) {
            Hello.Service s = hello.services().get(i);
            String host = session.hosts.get(i);
            Integer port = session.ports.get(i);
            ch.write(Protocol.service(ch.alloc(), i, s.kind(), port == null ? 0 : port, host));
        }
        ch.writeAndFlush(Protocol.ready(ch.alloc(), Protocol.DEFAULT_WINDOW, server.config.idleTimeout().toMillis(),
                tunnel.tunnelId));
        ch.pipeline().addAfter(ctx.name(), "gt-tunnel", tunnel.mux);
        ch.pipeline().replace(this, "gt-frames", new FrameDecoder(tunnel.mux, false));
        // Visitors keep half-closure; a tunnel whose client closed its side is simply gone.
        ch.config().setOption(ChannelOption.ALLOW_HALF_CLOSURE, false);
        ch.config().setAutoRead(true);
        tunnel.start();
        server.tunnelsAccepted.increment();
        tunnel.sendIceServers();
        int n = session.tunnels.size();
        SocketAddress from = peer(ch);
        log.info("client '{}' tunnel {} from {} accepted ({} tunnel{}{})", session.id, tunnel.tunnelId, from, n,
                n == 1 ? "" : "s", connection != null ? ", " + connection.description() : "");
        server.events.dispatch(l -> l.clientConnected(session.id, from, n));
        if (rest.isReadable()) {
            ctx.fireChannelRead(rest);
            ctx.fireChannelReadComplete();
        } else {
            rest.release();
        }
    }

    private static InetAddress remoteIp(SocketAddress a) {
        return a instanceof InetSocketAddress ? ((InetSocketAddress) a).getAddress() : null;
    }

    /**
     * Refuses the tunnel: the client gets {@code code} and a message fit for an unauthenticated
     * peer, the log and the event listener get {@code detail}.
     */
    private void reject(ChannelHandlerContext ctx, String id, GtErrorCode code, int service, String detail) {
        Channel ch = ctx.channel();
        SocketAddress from = peer(ch);
        done = true;
        cancelDeadline();
        String toPeer = detail;
        server.tunnelsRejected.increment();
        if (code == GtErrorCode.INVALID_ID_OR_SECRET) {
            server.failedLogins.increment();
            toPeer = INVALID_LOGIN;
            server.refusals.failedLogin(from, id, detail);
            InetAddress ip = remoteIp(from);
            if (ip != null && server.registry.bans.recordFailure(ip)) {
                long banned = server.registry.bans.bannedForNanos(ip);
                server.refusals.banned(ip.getHostAddress(),
                        Durations.format(Duration.ofSeconds((banned + 999_999_999L) / 1_000_000_000L)));
            }
        } else if (code == GtErrorCode.AUTH_UNAVAILABLE) {
            // The auth API's address and the authenticator's exception are for the operator only.
            toPeer = AUTH_UNAVAILABLE;
            log.error("tunnel from {} (id '{}') cannot be authenticated: {}", from, id, detail);
        } else if (code == GtErrorCode.BANNED) {
            // A banned address retrying in a loop must not flood the log.
            log.debug("tunnel from {} refused: {}", from, detail);
        } else if (code == GtErrorCode.INTERNAL_ERROR) {
            toPeer = "internal error";
            log.error("tunnel from {} (id '{}') failed: {}", from, id, detail);
        } else {
            server.refusals.refused(from, id, code, detail);
        }
        server.events.dispatch(l -> l.clientRejected(id, from, code, detail));
        if (code == GtErrorCode.INVALID_ID_OR_SECRET || code == GtErrorCode.AUTH_UNAVAILABLE) {
            server.events.dispatch(l -> l.authFailed(id, from, code));
        } else if (code == GtErrorCode.MAX_CONNECTIONS || code == GtErrorCode.HOST_NUMBER_LIMITED
                || code == GtErrorCode.TCP_NUMBER_LIMITED || code == GtErrorCode.MAX_HANDSHAKE_OPTIONS) {
            server.events.dispatch(l -> l.limitReached(id, code, detail));
        }
        ByteBuf magic = ch.alloc().buffer(2).writeByte(Protocol.MAGIC).writeByte(Protocol.VERSION);
        ch.write(magic);
        ch.writeAndFlush(Protocol.error(ch.alloc(), code.code(), service, toPeer))
                .addListener(ChannelFutureListener.CLOSE);
        // A client that never reads must not keep the connection open.
        ch.eventLoop().schedule(() -> ch.close(), 5, TimeUnit.SECONDS);
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        log.debug("tunnel hello from {} failed: {}", peer(ctx.channel()), cause.toString());
        ctx.close();
    }
}

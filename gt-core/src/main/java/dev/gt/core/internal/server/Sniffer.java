package dev.gt.core.internal.server;

import dev.gt.core.internal.proto.Protocol;
import dev.gt.core.internal.relay.StreamRelay;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.EventLoop;
import io.netty.channel.socket.ChannelInputShutdownEvent;
import io.netty.handler.codec.ByteToMessageDecoder;
import io.netty.handler.ssl.SslHandler;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * First handler of a connection on a listener that takes both tunnels and visitors: gathers the
 * first bytes, turns the connection into a tunnel when they start with {@code F0}, and otherwise
 * lets the subclass route the visitor. Reads only as much as it needs, within {@code -timeout}
 * for a visitor's first request head and within the handshake timeout (counted from the
 * connection's start) for a tunnel's hello. A peer that closes its side before it was routed is
 * closed at once: nothing more can come, and its descriptor is needed elsewhere.
 */
abstract class Sniffer extends ChannelInboundHandlerAdapter {
    private static final Logger log = LoggerFactory.getLogger(Sniffer.class);

    final ServerRuntime server;
    ByteBuf cumulation;
    private ScheduledFuture<?> deadline;
    private long startNanos;
    /** Bytes of {@link #cumulation} taken from the server's handshake budget. */
    private long budgeted;
    /** Routed, and on its way to the tunnel's event loop: bytes are kept, not sniffed. */
    private boolean moving;

    Sniffer(ServerRuntime server) {
        this.server = server;
    }

    /** Looks at {@link #cumulation} (at least one byte, not a tunnel) and routes or asks for more. */
    abstract void sniff(ChannelHandlerContext ctx);

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
        startNanos = System.nanoTime();
        long timeout = server.config.idleTimeout().toNanos();
        if (timeout > 0) {
            deadline = ctx.executor().schedule(() -> {
                log.debug("{} sent too little within {}", ctx.channel().remoteAddress(), server.config.idleTimeout());
                ctx.close();
            }, timeout, TimeUnit.NANOSECONDS);
        }
        ctx.read();
        ctx.fireChannelActive();
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (!(msg instanceof ByteBuf)) {
            ReferenceCountUtil.release(msg);
            return;
        }
        ByteBuf in = (ByteBuf) msg;
        if (!server.handshakeBytes.take(in.readableBytes())) {
            log.debug("{}: the server holds too many bytes of unrouted connections; closing this one",
                    ctx.channel().remoteAddress());
            in.release();
            finish();
            ctx.close();
            return;
        }
        budgeted += in.readableBytes();
        cumulation = cumulation == null ? in : ByteToMessageDecoder.MERGE_CUMULATOR.cumulate(ctx.alloc(), cumulation, in);
        if (moving) {
            return;
        }
        if (!cumulation.isReadable()) {
            ctx.read();
            return;
        }
        if (cumulation.getUnsignedByte(cumulation.readerIndex()) == Protocol.MAGIC) {
            becomeTunnel(ctx);
            return;
        }
        sniff(ctx);
    }

    /**
     * Hands the connection to {@code handler}, which replaces this sniffer and gets the bytes read
     * so far (a protocol sharing the port).
     */
    void handOff(ChannelHandlerContext ctx, String name, io.netty.channel.ChannelHandler handler) {
        ByteBuf buf = takeCumulation();
        ctx.pipeline().replace(this, name, handler);
        ctx.fireChannelRead(buf);
        ctx.fireChannelReadComplete();
    }

    private void becomeTunnel(ChannelHandlerContext ctx) {
        cancelDeadline();
        ByteBuf buf = takeCumulation();
        long left = server.config.handshakeTimeout().toNanos() - (System.nanoTime() - startNanos);
        ctx.pipeline().replace(this, "gt-hello", new ServerHelloHandler(server, left));
        // From this (now removed) context, so the bytes go to the hello handler and not again
        // through a TLS handler in front of it.
        ctx.fireChannelRead(buf);
        ctx.fireChannelReadComplete();
    }

    /**
     * Opens the routed visitor's stream on {@code tunnel}, with the bytes read so far. When the
     * visitor is on another event loop than the tunnel and the engine can move channels, the
     * visitor first moves to the tunnel's loop: then no byte of the stream crosses threads on the
     * server (a cross-thread hop costs a task and often a wake-up, each way, for every read). Not
     * for TLS-terminated visitors, whose TLS engine keeps its own state on the loop.
     */
    void openStream(ChannelHandlerContext ctx, ServerTunnel tunnel, int serviceIndex,
            StreamRelay.EarlyEndHandler onEarlyEnd) {
        Channel ch = ctx.channel();
        EventLoop target = tunnel.loop();
        if (target == ch.eventLoop() || !server.canMoveChannels()
                || ch.pipeline().get(SslHandler.class) != null) {
            tunnel.openStream(ch, this, serviceIndex, takeCumulation(), onEarlyEnd);
            return;
        }
        // Not on the way: a deadline on the old loop must not fire while the channel changes loops.
        cancelDeadline();
        moving = true;
        ch.deregister().addListener(deregistered -> {
            if (!deregistered.isSuccess() || !ch.isOpen()) {
                ch.close();
                return;
            }
            target.register(ch).addListener(registered -> {
                if (!registered.isSuccess()) {
                    log.debug("visitor {} could not move to its tunnel's loop: {}", ch.remoteAddress(),
                            registered.cause().toString());
                    finish();
                    ch.unsafe().closeForcibly();
                    return;
                }
                if (!ch.isActive() || ctx.isRemoved()) {
                    finish();
                    ch.close();
                    return;
                }
                tunnel.openStream(ch, this, serviceIndex, takeCumulation(), onEarlyEnd);
            });
        });
    }

    /** Hands the gathered bytes over (the caller owns them) and stops the deadline. */
    ByteBuf takeCumulation() {
        cancelDeadline();
        // Handed to a stream (bounded by its credit) or to the hello handler (which budgets them again).
        server.handshakeBytes.giveBack(budgeted);
        budgeted = 0;
        ByteBuf b = cumulation;
        cumulation = null;
        return b;
    }

    /** Gives up: drops the gathered bytes and the deadline. */
    void finish() {
        cancelDeadline();
        server.handshakeBytes.giveBack(budgeted);
        budgeted = 0;
        if (cumulation != null) {
            cumulation.release();
            cumulation = null;
        }
    }

    private void cancelDeadline() {
        if (deadline != null) {
            deadline.cancel(false);
            deadline = null;
        }
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        finish();
        ctx.fireChannelInactive();
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
        if (evt instanceof ChannelInputShutdownEvent) {
            log.debug("{} closed before sending a complete request", ctx.channel().remoteAddress());
            finish();
            ctx.close();
            return;
        }
        ctx.fireUserEventTriggered(evt);
    }

    @Override
    public void handlerRemoved(ChannelHandlerContext ctx) {
        // Removed on every path that hands the bytes on; what is left here belongs to no one.
        finish();
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        log.debug("connection {} failed: {}", ctx.channel().remoteAddress(), cause.toString());
        ctx.close();
    }
}

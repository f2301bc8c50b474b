package dev.gt.core.internal.relay;

import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.EventLoop;
import io.netty.channel.socket.ChannelInputShutdownEvent;
import io.netty.util.ReferenceCountUtil;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The last handler of a peer channel (visitor or local service): passes its events to the
 * {@link StreamRelay}, on the relay's event loop.
 */
public final class RelayHandler extends ChannelInboundHandlerAdapter {
    private static final Logger log = LoggerFactory.getLogger(RelayHandler.class);

    private final StreamRelay relay;
    private final EventLoop loop;

    public RelayHandler(StreamRelay relay) {
        this.relay = relay;
        this.loop = relay.loop();
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (!(msg instanceof ByteBuf)) {
            ReferenceCountUtil.release(msg);
            return;
        }
        ByteBuf buf = (ByteBuf) msg;
        if (loop.inEventLoop()) {
            relay.onPeerData(buf);
        } else {
            loop.execute(() -> relay.onPeerData(buf));
        }
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
        if (evt instanceof ChannelInputShutdownEvent) {
            relay.runOnLoop(relay::onPeerInputShutdown);
        } else {
            ctx.fireUserEventTriggered(evt);
        }
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) {
        if (ctx.channel().isWritable()) {
            relay.runOnLoop(relay::onPeerWritable);
        }
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        Channel ch = ctx.channel();
        relay.runOnLoop(() -> relay.onPeerInactive(ch));
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        if (!ctx.channel().isActive() && ctx.channel().isOpen() && relay.peer() == null) {
            // A local connection still being made: epoll may report a read error (ENOTCONN) for a
            // socket registered an instant before its connect() call. The connect's own outcome
            // decides; closing here would fail a dial that is about to succeed.
            log.debug("{}: {} reported {} while connecting; left to the connect", relay, ctx.channel(), cause.toString());
            return;
        }
        log.debug("{}: {} failed: {}", relay, ctx.channel(), cause.toString(), cause);
        relay.runOnLoop(relay::onPeerFailed);
        ctx.close();
    }
}

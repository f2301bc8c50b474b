package dev.gt.core.internal.mux;

import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.socket.ChannelInputShutdownEvent;
import io.netty.util.ReferenceCountUtil;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The last handler of a peer channel (visitor or local service): passes its events to the
 * {@link Stream}, on the tunnel's event loop.
 */
public final class StreamRelayHandler extends ChannelInboundHandlerAdapter {
    private static final Logger log = LoggerFactory.getLogger(StreamRelayHandler.class);

    private final Stream stream;
    private final MuxTunnel tunnel;

    public StreamRelayHandler(Stream stream) {
        this.stream = stream;
        this.tunnel = stream.tunnel;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (!(msg instanceof ByteBuf)) {
            ReferenceCountUtil.release(msg);
            return;
        }
        ByteBuf buf = (ByteBuf) msg;
        if (tunnel.loop.inEventLoop()) {
            stream.onPeerData(buf);
        } else {
            tunnel.loop.execute(() -> stream.onPeerData(buf));
        }
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
        if (evt instanceof ChannelInputShutdownEvent) {
            tunnel.runOnLoop(stream::onPeerInputShutdown);
        } else {
            ctx.fireUserEventTriggered(evt);
        }
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) {
        if (ctx.channel().isWritable()) {
            tunnel.runOnLoop(stream::onPeerWritable);
        }
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        Channel ch = ctx.channel();
        tunnel.runOnLoop(() -> stream.onPeerInactive(ch));
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        log.debug("{}: {} failed: {}", stream, ctx.channel(), cause.toString());
        ctx.close();
    }
}

package dev.gt.p2p.internal;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.socket.DatagramPacket;
import io.netty.util.ReferenceCountUtil;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Reads an allocation's relay socket: datagrams from peers go to the client. */
final class RelayHandler extends ChannelInboundHandlerAdapter {
    private static final Logger log = LoggerFactory.getLogger(RelayHandler.class);

    private final StunService service;
    private final Allocation allocation;
    private LoopState ls;

    RelayHandler(StunService service, Allocation allocation) {
        this.service = service;
        this.allocation = allocation;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        try {
            if (msg instanceof DatagramPacket) {
                if (ls == null) {
                    ls = service.loopState(ctx.channel().eventLoop());
                }
                service.fromPeer(allocation, (DatagramPacket) msg, ls);
            }
        } finally {
            ReferenceCountUtil.release(msg);
        }
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
        if (ls != null) {
            ls.flush();
        }
        ctx.flush();
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        log.debug("TURN relay {}: {}", ctx.channel().localAddress(), cause.toString());
    }
}

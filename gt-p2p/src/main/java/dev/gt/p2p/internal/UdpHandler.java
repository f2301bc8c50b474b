package dev.gt.p2p.internal;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.socket.DatagramPacket;
import io.netty.util.ReferenceCountUtil;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Reads one UDP listener socket; answers are flushed once per read batch. */
final class UdpHandler extends ChannelInboundHandlerAdapter {
    private static final Logger log = LoggerFactory.getLogger(UdpHandler.class);

    private final StunService service;
    /** Set right after the bind, before the socket is read. */
    volatile UdpEndpoint endpoint;
    private LoopState ls;

    UdpHandler(StunService service) {
        this.service = service;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (!(msg instanceof DatagramPacket) || endpoint == null) {
            ReferenceCountUtil.release(msg);
            return;
        }
        DatagramPacket p = (DatagramPacket) msg;
        try {
            if (ls == null) {
                ls = service.loopState(ctx.channel().eventLoop());
            }
            service.onDatagram(ctx.channel(), endpoint, p, ls);
        } finally {
            p.release();
        }
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
        ctx.flush();
        if (ls != null) {
            ls.flush();
        }
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        // ICMP errors surface here on some engines (port unreachable from a client that left): not fatal.
        log.debug("UDP socket {}: {}", ctx.channel().localAddress(), cause.toString());
    }
}

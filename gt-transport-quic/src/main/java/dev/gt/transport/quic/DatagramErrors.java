package dev.gt.transport.quic;

import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The last handler of a QUIC socket: errors of the UDP socket itself (an ICMP port unreachable
 * surfacing as a failed receive after the peer went away) concern no connection in particular;
 * QUIC's own timers end the connections they hit.
 */
@ChannelHandler.Sharable
final class DatagramErrors extends ChannelInboundHandlerAdapter {
    static final DatagramErrors INSTANCE = new DatagramErrors();
    private static final Logger log = LoggerFactory.getLogger(DatagramErrors.class);

    private DatagramErrors() {
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        log.debug("QUIC socket {}: {}", ctx.channel().localAddress(), cause.toString());
    }
}

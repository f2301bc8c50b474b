package dev.gt.core.internal.server;

import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.EventLoop;
import java.util.function.Consumer;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * In a TCP service's listener, ahead of Netty's own acceptor: registers each accepted visitor on
 * the event loop of the tunnel that will carry it, so that the visitor, its stream and the tunnel
 * share one thread and no byte crosses threads on the server. A visitor with no tunnel to go to is
 * left to Netty's acceptor (which spreads connections over the loops) and refused there.
 */
@ChannelHandler.Sharable
final class TunnelLoopAcceptor extends ChannelInboundHandlerAdapter {
    private static final Logger log = LoggerFactory.getLogger(TunnelLoopAcceptor.class);

    private final Function<Channel, EventLoop> loopOf;
    private final Consumer<Channel> initChild;

    /**
     * @param loopOf the loop for a visitor accepted by the given listener, or {@code null}
     * @param initChild sets a visitor's options and handlers as the listener's bootstrap would
     */
    TunnelLoopAcceptor(Function<Channel, EventLoop> loopOf, Consumer<Channel> initChild) {
        this.loopOf = loopOf;
        this.initChild = initChild;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        EventLoop loop = msg instanceof Channel ? loopOf.apply(ctx.channel()) : null;
        if (loop == null) {
            ctx.fireChannelRead(msg);
            return;
        }
        Channel child = (Channel) msg;
        try {
            initChild.accept(child);
            loop.register(child).addListener((ChannelFuture f) -> {
                if (!f.isSuccess()) {
                    log.debug("cannot register visitor {}: {}", child, f.cause().toString());
                    child.unsafe().closeForcibly();
                }
            });
        } catch (RuntimeException e) {
            log.debug("cannot register visitor {}: {}", child, e.toString());
            child.unsafe().closeForcibly();
        }
    }
}

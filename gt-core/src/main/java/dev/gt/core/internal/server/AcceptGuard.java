package dev.gt.core.internal.server;

import dev.gt.core.internal.LogThrottle;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The handler of every listening channel: when accepting fails (out of file descriptors, most
 * often), it pauses accepting for a while instead of retrying in a tight loop, and logs one line
 * per second with the number of failures instead of a stack trace per failure. The pause doubles
 * while accepts keep failing (up to a second) and ends as soon as one succeeds, so the listener
 * recovers by itself once descriptors are free again.
 */
@ChannelHandler.Sharable
final class AcceptGuard extends ChannelInboundHandlerAdapter {
    private static final Logger log = LoggerFactory.getLogger(AcceptGuard.class);
    static final long FIRST_PAUSE_MILLIS = 50;
    static final long MAX_PAUSE_MILLIS = 1000;

    private final LogThrottle throttle = new LogThrottle(TimeUnit.SECONDS.toNanos(1), System::nanoTime);
    /** Touched on the listener's event loop only; listeners of one server share the same value. */
    private volatile long pauseMillis;

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        // An accepted connection: the failures, if any, are over.
        pauseMillis = 0;
        ctx.fireChannelRead(msg);
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        Channel listener = ctx.channel();
        long pause = Math.min(MAX_PAUSE_MILLIS, pauseMillis == 0 ? FIRST_PAUSE_MILLIS : pauseMillis * 2);
        pauseMillis = pause;
        long held = throttle.tryAcquire();
        if (held >= 0) {
            log.warn("cannot accept connections on {}: {}{}; pausing accepts for {} ms", listener.localAddress(),
                    cause.getMessage() != null ? cause.getMessage() : cause.getClass().getSimpleName(),
                    held > 0 ? " (" + (held + 1) + " failures in the last second)" : "", pause);
        }
        // Not passed on: Netty's own acceptor would log it again and pause for a fixed second.
        if (listener.config().isAutoRead()) {
            listener.config().setAutoRead(false);
            try {
                listener.eventLoop().schedule(() -> {
                    if (listener.isOpen()) {
                        listener.config().setAutoRead(true);
                    }
                }, pause, TimeUnit.MILLISECONDS);
            } catch (RejectedExecutionException e) {
                // Shutting down: nothing to resume.
            }
        }
    }
}

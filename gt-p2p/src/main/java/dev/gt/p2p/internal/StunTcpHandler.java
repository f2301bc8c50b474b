package dev.gt.p2p.internal;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.ByteToMessageDecoder;
import io.netty.util.concurrent.ScheduledFuture;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * STUN and TURN on one TCP connection. Messages follow each other without extra framing (RFC 5389
 * §7.2.2): a STUN message is its 20-byte header plus the length it declares; TURN ChannelData is
 * 4 bytes plus its length padded to four (RFC 5766 §11.5). Anything else cannot be framed and
 * closes the connection. Messages are handled as they are cut, without copies; ChannelData goes
 * to the peer as a slice of what was read.
 *
 * <p>Reading stops while the connection cannot take more answers. A connection without an
 * allocation that stays silent for the idle timeout is closed; closing the connection ends its
 * allocation.
 */
final class StunTcpHandler extends ByteToMessageDecoder {
    private static final Logger log = LoggerFactory.getLogger(StunTcpHandler.class);

    private final StunService service;
    private ClientLink.Tcp link;
    private LoopState ls;
    private boolean counted;
    private long lastRead;
    private ScheduledFuture<?> idleCheck;

    StunTcpHandler(StunService service) {
        this.service = service;
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        link = service.tcpLink(ctx.channel());
        ls = service.loopState(ctx.channel().eventLoop());
        counted = true;
        if (service.counters.tcpConnections.incrementAndGet() > service.config.maxTcpConnections()
                || service.stopping()) {
            ctx.close();
            return;
        }
        lastRead = System.nanoTime();
        long idle = service.config.tcpIdleTimeout().toNanos();
        if (idle > 0) {
            long every = Math.max(TimeUnit.MILLISECONDS.toNanos(10), idle / 4);
            idleCheck = ctx.executor().scheduleAtFixedRate(() -> {
                if (link.allocation() == null && System.nanoTime() - lastRead >= idle) {
                    ctx.close();
                }
            }, every, every, TimeUnit.NANOSECONDS);
        }
        // A sniffer that handed over the connection may have switched reading off.
        ctx.channel().config().setAutoRead(true);
    }

    @Override
    protected void decode(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) {
        lastRead = System.nanoTime();
        while (in.readableBytes() >= 4 && ctx.channel().isActive()) {
            int r = in.readerIndex();
            int b0 = in.getUnsignedByte(r);
            int len = in.getUnsignedShort(r + 2);
            if (b0 < 0x40) {
                if ((len & 3) != 0) {
                    close(ctx, "a STUN length that is not a multiple of 4");
                    return;
                }
                int total = Stun.HEADER + len;
                if (in.readableBytes() < total) {
                    return;
                }
                stun(ctx, in.slice(r, total));
                in.skipBytes(total);
            } else if (b0 < 0x80 && service.turnEnabled()) {
                int total = 4 + ((len + 3) & ~3);
                if (in.readableBytes() < total) {
                    return;
                }
                Allocation a = link.allocation();
                if (a != null) {
                    service.channelData(a, in.getUnsignedShort(r), in, r + 4, len, ls);
                } else {
                    service.counters.relayDropped.increment();
                }
                in.skipBytes(total);
            } else {
                close(ctx, "bytes that are neither STUN nor ChannelData");
                return;
            }
        }
    }

    private void stun(ChannelHandlerContext ctx, ByteBuf frame) {
        StunParser m = ls.parser;
        if (!m.parse(frame)) {
            service.counters.dropped.increment();
            return;
        }
        if (!m.hasCookie() || m.method() == Stun.BINDING) {
            ByteBuf r = service.binding(m, link.remote(), ctx.alloc(), ls);
            if (r != null) {
                ctx.write(r, ctx.voidPromise());
            }
            return;
        }
        if (!service.turnEnabled() || !m.fingerprintValid(ls.crc)) {
            service.counters.dropped.increment();
            return;
        }
        service.turn(m, link, ls);
    }

    private void close(ChannelHandlerContext ctx, String why) {
        log.debug("closing TCP connection from {}: {}", ctx.channel().remoteAddress(), why);
        service.counters.dropped.increment();
        ctx.close();
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) throws Exception {
        ctx.flush();
        ls.flush();
        if (!ctx.channel().isWritable()) {
            ctx.channel().config().setAutoRead(false);
        }
        super.channelReadComplete(ctx);
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) throws Exception {
        if (ctx.channel().isWritable()) {
            ctx.channel().config().setAutoRead(true);
        }
        super.channelWritabilityChanged(ctx);
    }

    @Override
    protected void handlerRemoved0(ChannelHandlerContext ctx) {
        if (idleCheck != null) {
            idleCheck.cancel(false);
        }
        Allocation a = link == null ? null : link.allocation();
        if (a != null) {
            service.delete(a, ls, "connection closed");
        }
        if (counted) {
            counted = false;
            service.counters.tcpConnections.decrementAndGet();
        }
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) throws Exception {
        Allocation a = link.allocation();
        if (a != null) {
            service.delete(a, ls, "connection closed");
        }
        super.channelInactive(ctx);
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        log.debug("TCP connection from {}: {}", ctx.channel().remoteAddress(), cause.toString());
        ctx.close();
    }
}

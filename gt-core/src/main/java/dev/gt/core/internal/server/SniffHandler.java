package dev.gt.core.internal.server;

import dev.gt.api.GtErrorCode;
import dev.gt.core.internal.http.HttpHeadScanner;
import dev.gt.core.internal.proto.Protocol;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.ByteToMessageDecoder;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * First handler of every connection on the main listener: tells a tunnel ({@code F0}) from an
 * HTTP visitor, finds the visitor's routing header, and hands the connection to a tunnel stream.
 * Reads only as much as it needs; what it read is forwarded verbatim.
 */
final class SniffHandler extends ChannelInboundHandlerAdapter {
    private static final Logger log = LoggerFactory.getLogger(SniffHandler.class);

    private final ServerRuntime server;
    private ByteBuf cumulation;
    private HttpHeadScanner scanner;
    private ScheduledFuture<?> deadline;

    SniffHandler(ServerRuntime server) {
        this.server = server;
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
        long timeout = server.config.timeout().toNanos();
        if (timeout > 0) {
            deadline = ctx.executor().schedule(() -> {
                log.debug("{} sent no complete request head within {}", ctx.channel().remoteAddress(),
                        server.config.timeout());
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
        cumulation = cumulation == null ? in : ByteToMessageDecoder.MERGE_CUMULATOR.cumulate(ctx.alloc(), cumulation, in);
        if (cumulation.getUnsignedByte(cumulation.readerIndex()) == Protocol.MAGIC) {
            becomeTunnel(ctx);
            return;
        }
        if (scanner == null) {
            scanner = new HttpHeadScanner(server.config.httpMuxHeader(), server.config.maxHeadBytes());
        }
        switch (scanner.scan(cumulation)) {
            case NEED_MORE:
                ctx.read();
                return;
            case BAD_REQUEST:
                finish();
                HttpErrors.respond(ctx.channel(), 400, "Bad Request", "GT: bad request: " + scanner.error());
                return;
            case FOUND:
            default:
                route(ctx, scanner.routingKey());
        }
    }

    private void becomeTunnel(ChannelHandlerContext ctx) {
        cancelDeadline();
        ByteBuf buf = cumulation;
        cumulation = null;
        ctx.pipeline().replace(this, "gt-hello", new ServerHelloHandler(server));
        ctx.pipeline().fireChannelRead(buf);
        ctx.pipeline().fireChannelReadComplete();
    }

    private void route(ChannelHandlerContext ctx, String key) {
        Channel ch = ctx.channel();
        Route route = server.registry.httpRoutes.get(key);
        if (route == null) {
            finish();
            if (server.isConfiguredUser(key)) {
                HttpErrors.respond(ch, 503, "Service Unavailable", "GT: the client '" + key + "' is not connected");
            } else {
                HttpErrors.respond(ch, 404, "Not Found", "GT: no service is registered for host prefix '" + key + "'");
            }
            return;
        }
        ServerTunnel tunnel = route.session().pickTunnel(ch.eventLoop());
        if (tunnel == null) {
            finish();
            HttpErrors.respond(ch, 503, "Service Unavailable",
                    "GT: the client serving '" + key + "' has no tunnel connected");
            return;
        }
        cancelDeadline();
        ByteBuf head = cumulation;
        cumulation = null;
        ch.pipeline().remove(this);
        tunnel.openStream(ch, route.serviceIndex(), head, SniffHandler::badGateway);
    }

    static boolean badGateway(Channel visitor, GtErrorCode code, String message) {
        String body = code == GtErrorCode.DIAL_FAILED
                ? "GT: the client could not connect to its local service: " + message
                : "GT: the client ended the stream: " + message;
        HttpErrors.respond(visitor, 502, "Bad Gateway", body);
        return true;
    }

    private void finish() {
        cancelDeadline();
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
    public void handlerRemoved(ChannelHandlerContext ctx) {
        // Removed on every path that hands the bytes on; what is left here belongs to no one.
        if (cumulation != null) {
            cumulation.release();
            cumulation = null;
        }
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        log.debug("visitor {} failed: {}", ctx.channel().remoteAddress(), cause.toString());
        ctx.close();
    }
}

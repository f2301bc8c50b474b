package dev.gt.core.internal.server;

import dev.gt.api.GtErrorCode;
import dev.gt.core.internal.http.HttpHeadScanner;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;

/**
 * The sniffer of {@code -addr} (and of {@code -tlsAddr} after TLS termination): routes an HTTP
 * visitor by its first request's routing header and hands the connection to a tunnel stream;
 * what it read is forwarded verbatim.
 */
final class SniffHandler extends Sniffer {
    private HttpHeadScanner scanner;

    SniffHandler(ServerRuntime server) {
        super(server);
    }

    @Override
    void sniff(ChannelHandlerContext ctx) {
        if (scanner == null && offeredToSharedProtocols(ctx)) {
            return;
        }
        if (scanner == null) {
            scanner = new HttpHeadScanner(server.config.httpRoutingHeader(), server.config.maxHeadBytes());
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

    /**
     * Asks the protocols that share the plain main listener whether the first bytes are theirs; true
     * when the connection was handed over or more bytes are needed to decide. A first byte that can
     * start an HTTP method goes to the HTTP scanner at once.
     */
    private boolean offeredToSharedProtocols(ChannelHandlerContext ctx) {
        java.util.List<dev.gt.api.spi.SharedPortProtocol> protocols = server.config.sharedPortProtocols();
        if (protocols.isEmpty() || ctx.pipeline().get(io.netty.handler.ssl.SslHandler.class) != null) {
            return false;
        }
        int first = cumulation.getUnsignedByte(cumulation.readerIndex());
        if (first >= 'A' && first <= 'Z' || first >= 'a' && first <= 'z') {
            return false;
        }
        int needed = 0;
        for (dev.gt.api.spi.SharedPortProtocol p : protocols) {
            if (cumulation.readableBytes() >= p.bytesNeeded()) {
                if (p.matches(cumulation)) {
                    handOff(ctx, "gt-" + p.name(), p.newHandler());
                    return true;
                }
            } else {
                needed = Math.max(needed, p.bytesNeeded());
            }
        }
        if (needed > cumulation.readableBytes()) {
            ctx.read();
            return true;
        }
        return false;
    }

    private void route(ChannelHandlerContext ctx, String key) {
        Channel ch = ctx.channel();
        Route route = server.registry.httpRoutes.get(key);
        if (route == null) {
            finish();
            if (server.isDisconnectedUser(key)) {
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
        ByteBuf head = takeCumulation();
        tunnel.openStream(ch, this, route.serviceIndex(), head, SniffHandler::badGateway);
    }

    /**
     * The answer to an HTTP visitor whose stream ended before any byte of an answer: 504 when the
     * client did not answer in time, 502 otherwise. It says only what a visitor may know; the
     * client's local address and its error are in the server's and the client's logs and events.
     */
    static boolean badGateway(Channel visitor, GtErrorCode code, String message) {
        switch (code) {
            case TIMEOUT:
                HttpErrors.respond(visitor, 504, "Gateway Timeout", "GT: the service did not answer in time");
                break;
            case DIAL_FAILED:
                HttpErrors.respond(visitor, 502, "Bad Gateway", "GT: the service is not reachable");
                break;
            case STREAM_REFUSED:
                HttpErrors.respond(visitor, 503, "Service Unavailable", "GT: the service is not taking requests now; try again");
                break;
            default:
                HttpErrors.respond(visitor, 502, "Bad Gateway", "GT: the connection to the service was lost");
        }
        return true;
    }
}

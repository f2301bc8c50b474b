package dev.gt.core.internal.server;

import dev.gt.core.internal.tls.ClientHelloScanner;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import java.util.Locale;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The sniffer of {@code -sniAddr}: reads a TLS ClientHello (across as many segments and records as
 * it takes, within a bound), routes by the first label of its server name to a client's
 * {@code https://} service, and forwards every byte untouched: TLS stays end to end. A visitor
 * without a usable ClientHello gets a TLS alert or a clean close.
 */
final class SniSniffer extends Sniffer {
    private static final Logger log = LoggerFactory.getLogger(SniSniffer.class);
    /** TLS alert descriptions (RFC 8446 §6). */
    private static final int UNRECOGNIZED_NAME = 112;
    private static final int DECODE_ERROR = 50;
    private static final int HANDSHAKE_FAILURE = 40;

    private ClientHelloScanner scanner;

    SniSniffer(ServerRuntime server) {
        super(server);
    }

    @Override
    void sniff(ChannelHandlerContext ctx) {
        if (scanner == null) {
            scanner = new ClientHelloScanner(ClientHelloScanner.DEFAULT_MAX_HELLO_BYTES);
        }
        ClientHelloScanner.Status status = scanner.scan(cumulation);
        switch (status) {
            case NEED_MORE:
                ctx.read();
                return;
            case FOUND:
                route(ctx, scanner.serverName());
                return;
            case NOT_TLS:
                reject(ctx, -1, scanner.error());
                return;
            case NO_SNI:
                reject(ctx, UNRECOGNIZED_NAME, scanner.error());
                return;
            case MALFORMED:
                reject(ctx, DECODE_ERROR, scanner.error());
                return;
            case TOO_LARGE:
            default:
                reject(ctx, HANDSHAKE_FAILURE, scanner.error());
        }
    }

    private void route(ChannelHandlerContext ctx, String serverName) {
        int dot = serverName.indexOf('.');
        String key = (dot < 0 ? serverName : serverName.substring(0, dot)).toLowerCase(Locale.ROOT);
        Route route = server.registry.tlsRoutes.get(key);
        if (route == null) {
            reject(ctx, UNRECOGNIZED_NAME, "no https service is registered for host prefix '" + key + "'");
            return;
        }
        Channel ch = ctx.channel();
        ServerTunnel tunnel = route.session().pickTunnel(ch.eventLoop());
        if (tunnel == null) {
            reject(ctx, UNRECOGNIZED_NAME, "the client serving '" + key + "' has no tunnel connected");
            return;
        }
        openStream(ctx, tunnel, route.serviceIndex(), null);
    }

    /** Ends the connection: with a fatal TLS alert when {@code alert} >= 0, else a plain close. */
    private void reject(ChannelHandlerContext ctx, int alert, String why) {
        log.debug("TLS visitor {} refused: {}", ctx.channel().remoteAddress(), why);
        finish();
        if (alert < 0) {
            ctx.close();
            return;
        }
        byte[] record = {0x15, 0x03, 0x03, 0x00, 0x02, 0x02, (byte) alert};
        ctx.writeAndFlush(Unpooled.wrappedBuffer(record)).addListener(ChannelFutureListener.CLOSE);
    }
}

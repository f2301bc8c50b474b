package dev.gt.core.internal.server;

import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelPipeline;
import io.netty.handler.ssl.SslCloseCompletionEvent;
import io.netty.handler.ssl.SslHandler;
import io.netty.channel.socket.ChannelInputShutdownEvent;
import io.netty.channel.socket.DuplexChannel;
import io.netty.util.ReferenceCountUtil;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;

/** The short text responses the server gives visitors it cannot forward. */
final class HttpErrors {
    private HttpErrors() {
    }

    /**
     * Writes a complete {@code Connection: close} response, then ends the visitor's side of the
     * connection and discards what the visitor still sends (so that closing does not reset the
     * connection before the visitor has read the response), and closes after EOF or two seconds.
     * Over TLS the page goes through the {@link SslHandler} and the end is a close_notify; on a
     * plain connection it is a TCP half-close.
     */
    static void respond(Channel ch, int status, String reason, String body) {
        byte[] b = (body + "\n").getBytes(StandardCharsets.UTF_8);
        String head = "HTTP/1.1 " + status + " " + reason + "\r\n"
                + "Content-Type: text/plain; charset=utf-8\r\n"
                + "Content-Length: " + b.length + "\r\n"
                + "Connection: close\r\n"
                + "Server: gt\r\n\r\n";
        ByteBuf buf = ch.alloc().buffer(head.length() + b.length);
        buf.writeCharSequence(head, StandardCharsets.US_ASCII);
        buf.writeBytes(b);
        ch.eventLoop().execute(() -> {
            ChannelPipeline p = ch.pipeline();
            SslHandler tls = p.get(SslHandler.class);
            // Everything after TLS (sniffer, relay) goes: the page is the last thing said here.
            while (p.last() != null && p.last() != tls) {
                p.removeLast();
            }
            p.addLast(new Discard());
            ch.writeAndFlush(buf).addListener((ChannelFutureListener) f -> {
                if (!f.isSuccess()) {
                    ch.close();
                    return;
                }
                if (tls != null) {
                    tls.closeOutbound();
                } else if (ch instanceof DuplexChannel) {
                    ((DuplexChannel) ch).shutdownOutput();
                } else {
                    ch.close();
                    return;
                }
                ch.config().setAutoRead(true);
                ch.eventLoop().schedule(() -> ch.close(), 2, TimeUnit.SECONDS);
            });
        });
    }

    private static final class Discard extends ChannelInboundHandlerAdapter {
        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            ReferenceCountUtil.release(msg);
        }

        @Override
        public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
            if (evt instanceof ChannelInputShutdownEvent || evt instanceof SslCloseCompletionEvent) {
                ctx.close();
            }
            ReferenceCountUtil.release(evt);
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            ctx.close();
        }
    }
}

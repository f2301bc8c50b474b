package dev.gt.core.it;

import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.socket.ChannelInputShutdownEvent;
import io.netty.channel.socket.DuplexChannel;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Echoes every byte back, with back-pressure (stops reading while the reply cannot be written),
 * and echoes the half-close too: when the peer ends its output, this side ends its own after the
 * last echoed byte. With a banner it speaks first, like an SSH server.
 */
final class EchoServer extends TcpFixture {
    private final byte[] banner;
    private final AtomicInteger accepted = new AtomicInteger();

    EchoServer() {
        this(null);
    }

    /** An echo server that sends {@code banner} as soon as a connection is accepted. */
    EchoServer(String banner) {
        this.banner = banner == null ? null : banner.getBytes(StandardCharsets.US_ASCII);
        bind(new ChannelInitializer<Channel>() {
            @Override
            protected void initChannel(Channel ch) {
                accepted.incrementAndGet();
                ch.pipeline().addLast(new Handler());
            }
        });
    }

    /**
     * A visitor's round trip to an echo service behind {@code port} on 127.0.0.1: connects, sends
     * {@code text}, returns as many bytes as were sent (fewer if the connection ends first), each
     * read waiting at most {@code timeoutMillis}.
     */
    static String roundTrip(int port, String text, int timeoutMillis) throws IOException {
        try (Socket visitor = new Socket("127.0.0.1", port)) {
            visitor.setSoTimeout(timeoutMillis);
            OutputStream out = visitor.getOutputStream();
            byte[] sent = text.getBytes(StandardCharsets.US_ASCII);
            out.write(sent);
            out.flush();
            InputStream in = visitor.getInputStream();
            return new String(in.readNBytes(sent.length), StandardCharsets.US_ASCII);
        }
    }

    /**
     * Like {@link #roundTrip}, but the visitor ends its output after {@code text} and reads until
     * the end of the echo: the service's FIN must come through too.
     */
    static String roundTripToEnd(int port, String text, int timeoutMillis) throws IOException {
        try (Socket visitor = new Socket("127.0.0.1", port)) {
            visitor.setSoTimeout(timeoutMillis);
            visitor.getOutputStream().write(text.getBytes(StandardCharsets.US_ASCII));
            visitor.shutdownOutput();
            return new String(visitor.getInputStream().readAllBytes(), StandardCharsets.US_ASCII);
        }
    }

    /** Connections accepted so far. */
    int accepted() {
        return accepted.get();
    }

    private final class Handler extends ChannelInboundHandlerAdapter {
        @Override
        public void channelActive(ChannelHandlerContext ctx) {
            if (banner != null) {
                ctx.writeAndFlush(Unpooled.wrappedBuffer(banner));
            }
            ctx.fireChannelActive();
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            ctx.write(msg);
            if (!ctx.channel().isWritable()) {
                ctx.flush();
                // Flushing may have made it writable again (and fired the event already).
                if (!ctx.channel().isWritable()) {
                    ctx.channel().config().setAutoRead(false);
                }
            }
        }

        @Override
        public void channelReadComplete(ChannelHandlerContext ctx) {
            ctx.flush();
        }

        @Override
        public void channelWritabilityChanged(ChannelHandlerContext ctx) {
            if (ctx.channel().isWritable()) {
                ctx.channel().config().setAutoRead(true);
            }
        }

        @Override
        public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
            if (evt instanceof ChannelInputShutdownEvent) {
                ctx.writeAndFlush(Unpooled.EMPTY_BUFFER)
                        .addListener(f -> ((DuplexChannel) ctx.channel()).shutdownOutput());
            }
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            ctx.close();
        }
    }
}

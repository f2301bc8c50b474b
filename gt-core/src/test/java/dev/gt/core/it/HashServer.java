package dev.gt.core.it;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.socket.ChannelInputShutdownEvent;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Reads until the peer ends its output (half-close), then answers with the SHA-256 hex of
 * everything it read followed by a newline, and closes. A visitor only gets the answer if its
 * half-close travelled through the tunnel and the way back stayed open.
 */
final class HashServer extends TcpFixture {
    private final AtomicLong received = new AtomicLong();

    HashServer() {
        bind(new ChannelInitializer<Channel>() {
            @Override
            protected void initChannel(Channel ch) {
                ch.pipeline().addLast(new Handler());
            }
        });
    }

    /** Bytes read over all connections. */
    long received() {
        return received.get();
    }

    private final class Handler extends ChannelInboundHandlerAdapter {
        private final MessageDigest digest = Data.sha256();

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            ByteBuf b = (ByteBuf) msg;
            try {
                received.addAndGet(b.readableBytes());
                digest.update(b.nioBuffer());
            } finally {
                b.release();
            }
        }

        @Override
        public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
            if (evt instanceof ChannelInputShutdownEvent) {
                String hex = Data.hex(digest.digest()) + "\n";
                ctx.writeAndFlush(Unpooled.copiedBuffer(hex, StandardCharsets.US_ASCII))
                        .addListener(ChannelFutureListener.CLOSE);
            }
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            ctx.close();
        }
    }
}

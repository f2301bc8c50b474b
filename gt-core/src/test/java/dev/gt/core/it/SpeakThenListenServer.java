package dev.gt.core.it;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.socket.ChannelInputShutdownEvent;
import io.netty.channel.socket.DuplexChannel;
import java.io.ByteArrayOutputStream;
import java.security.MessageDigest;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;

/**
 * Closes its output first: sends {@code greeting}, shuts its output down, then keeps reading
 * until the peer ends too and reports what it read (count, SHA-256 and the bytes) in
 * {@link #results()}; a connection that fails instead (a reset) is reported in {@link #failures()}.
 */
final class SpeakThenListenServer extends TcpFixture {
    /** What one connection received. */
    record Result(long bytes, String sha256, byte[] data) { }

    private final byte[] greeting;
    private final BlockingQueue<Result> results = new LinkedBlockingQueue<>();
    private final BlockingQueue<Throwable> failures = new LinkedBlockingQueue<>();

    SpeakThenListenServer(byte[] greeting) {
        this.greeting = greeting.clone();
        bind(new ChannelInitializer<Channel>() {
            @Override
            protected void initChannel(Channel ch) {
                ch.pipeline().addLast(new Handler());
            }
        });
    }

    BlockingQueue<Result> results() {
        return results;
    }

    /** Connections that ended with an error (a reset) instead of the peer's end of output. */
    BlockingQueue<Throwable> failures() {
        return failures;
    }

    private final class Handler extends ChannelInboundHandlerAdapter {
        private final MessageDigest digest = Data.sha256();
        private long bytes;
        private final ByteArrayOutputStream all = new ByteArrayOutputStream();

        @Override
        public void channelActive(ChannelHandlerContext ctx) {
            ctx.writeAndFlush(Unpooled.wrappedBuffer(greeting)).addListener(f -> {
                if (f.isSuccess()) {
                    ((DuplexChannel) ctx.channel()).shutdownOutput();
                }
            });
            ctx.fireChannelActive();
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            ByteBuf b = (ByteBuf) msg;
            try {
                bytes += b.readableBytes();
                digest.update(b.nioBuffer());
                byte[] copy = new byte[b.readableBytes()];
                b.getBytes(b.readerIndex(), copy);
                all.writeBytes(copy);
            } finally {
                b.release();
            }
        }

        @Override
        public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
            if (evt instanceof ChannelInputShutdownEvent) {
                results.add(new Result(bytes, Data.hex(digest.digest()), all.toByteArray()));
                ctx.close();
            }
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) {
            ctx.fireChannelInactive();
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            failures.add(cause);
            ctx.close();
        }
    }
}

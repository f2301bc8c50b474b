package dev.gt.core.it;

import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.util.ReferenceCountUtil;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Speaks first: sends {@code size} bytes of {@link Data#pattern} to every connection (only as
 * fast as the connection takes them), then closes. Counts the bytes the kernel accepted, so a
 * test can see how far a stream got when its visitor stopped reading.
 */
final class SourceServer extends TcpFixture {
    private static final int CHUNK = 64 * 1024;

    private final long size;
    private final AtomicLong sent = new AtomicLong();
    private final AtomicLong completed = new AtomicLong();

    SourceServer(long size) {
        this.size = size;
        bind(new ChannelInitializer<Channel>() {
            @Override
            protected void initChannel(Channel ch) {
                ch.pipeline().addLast(new Pump());
            }
        });
    }

    /** Bytes written to sockets over all connections. */
    long sent() {
        return sent.get();
    }

    /** Connections that got every byte. */
    long completed() {
        return completed.get();
    }

    private final class Pump extends ChannelInboundHandlerAdapter {
        private long offset;
        private boolean done;

        @Override
        public void channelActive(ChannelHandlerContext ctx) {
            pump(ctx);
            ctx.fireChannelActive();
        }

        @Override
        public void channelWritabilityChanged(ChannelHandlerContext ctx) {
            pump(ctx);
        }

        private void pump(ChannelHandlerContext ctx) {
            Channel ch = ctx.channel();
            while (!done && ch.isActive() && ch.isWritable()) {
                if (offset == size) {
                    done = true;
                    ch.writeAndFlush(Unpooled.EMPTY_BUFFER).addListener(f -> {
                        if (f.isSuccess()) {
                            completed.incrementAndGet();
                        }
                        ch.close();
                    });
                    return;
                }
                int n = (int) Math.min(CHUNK, size - offset);
                // The pattern repeats every 64 KiB, so every chunk is a slice of one shared array.
                int start = (int) (offset % Data.PATTERN_PERIOD);
                int first = Math.min(n, Data.PATTERN_PERIOD - start);
                ch.write(Unpooled.wrappedBuffer(Data.PATTERN, start, first)).addListener(countSent(first));
                if (first < n) {
                    ch.write(Unpooled.wrappedBuffer(Data.PATTERN, 0, n - first)).addListener(countSent(n - first));
                }
                offset += n;
                ch.flush();
            }
        }

        private ChannelFutureListener countSent(int n) {
            return f -> {
                if (f.isSuccess()) {
                    sent.addAndGet(n);
                }
            };
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            ReferenceCountUtil.release(msg);
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            ctx.close();
        }
    }
}

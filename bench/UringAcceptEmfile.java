import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.uring.IoUringIoHandler;
import io.netty.channel.uring.IoUringServerSocketChannel;
import java.net.Socket;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * UringAcceptEmfile - plain Netty, no GT: an io_uring server channel out of file descriptors keeps
 * failing accepts although its handler turned autoRead off (what GT's AcceptGuard and Netty's own
 * ServerBootstrapAcceptor do to pause accepting), and no read() passes through the pipeline: the
 * accept is re-armed inside the channel. Prints the failures per second, and how many of them
 * came while autoRead was off. Epoll and NIO stop at one failure per pause.
 *
 *   bash -c 'ulimit -n 120 && exec java --enable-native-access=ALL-UNNAMED \
 *       -cp gt-examples/target/gt.jar bench/UringAcceptEmfile.java'
 */
public class UringAcceptEmfile {
    static final AtomicLong failures = new AtomicLong();
    static final AtomicLong failuresWhilePaused = new AtomicLong();
    static final AtomicLong readsThroughPipeline = new AtomicLong();

    @ChannelHandler.Sharable
    static final class PausingGuard extends ChannelDuplexHandler {
        @Override
        public void read(ChannelHandlerContext ctx) {
            readsThroughPipeline.incrementAndGet();
            if (ctx.channel().config().isAutoRead()) {
                ctx.read();
            }
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            failures.incrementAndGet();
            Channel listener = ctx.channel();
            if (!listener.config().isAutoRead()) {
                failuresWhilePaused.incrementAndGet();
                return;
            }
            listener.config().setAutoRead(false);
            listener.eventLoop().schedule(() -> listener.config().setAutoRead(true), 1, TimeUnit.SECONDS);
        }
    }

    public static void main(String[] args) throws Exception {
        EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, IoUringIoHandler.newFactory());
        Channel server = new ServerBootstrap().group(group).channel(IoUringServerSocketChannel.class)
                .handler(new PausingGuard())
                .childHandler(new ChannelInitializer<Channel>() {
                    @Override
                    protected void initChannel(Channel ch) {
                    }
                })
                .bind("127.0.0.1", 0).sync().channel();
        int port = ((java.net.InetSocketAddress) server.localAddress()).getPort();
        // The clients live in this process too: stop at the limit, the backlog holds the rest.
        List<Socket> clients = new ArrayList<>();
        try {
            for (int i = 0; i < 200; i++) {
                clients.add(new Socket("127.0.0.1", port));
            }
        } catch (java.io.IOException e) {
            System.out.println("client sockets stopped at " + clients.size() + ": " + e.getMessage());
        }
        long last = 0;
        for (int s = 1; s <= 4; s++) {
            Thread.sleep(1000);
            long now = failures.get();
            System.out.printf("second %d: %d failed accepts (%d in all, %d while autoRead was off), "
                    + "%d read() calls through the pipeline%n", s, now - last, now, failuresWhilePaused.get(),
                    readsThroughPipeline.get());
            last = now;
        }
        System.exit(0);
    }
}

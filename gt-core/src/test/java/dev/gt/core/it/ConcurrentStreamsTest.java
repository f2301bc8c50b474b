package dev.gt.core.it;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.gt.api.ServiceSpec;
import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioSocketChannel;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Many visitors at once share one tunnel, each stream keeping its own bytes. */
@Timeout(90)
class ConcurrentStreamsTest {
    private static final int VISITORS = 1000;

    @Test
    void thousandSimultaneousEchoStreamsOnOneTunnelAllSucceed() throws Exception {
        EventLoopGroup group = new MultiThreadIoEventLoopGroup(2, NioIoHandler.newFactory());
        int base = FreePorts.block(20);
        try (EchoServer echo = new EchoServer();
                GtPair gt = GtPair.start(s -> s.tcpPortRange(base + "-" + (base + 19)), c -> c
                        .maxTunnels(1).idleTunnels(1)
                        .service(ServiceSpec.local(echo.url()).build()))) {
            InetSocketAddress target = new InetSocketAddress("127.0.0.1", gt.tcpPort(0));
            List<Visitor> visitors = new ArrayList<>();
            List<ChannelFuture> connects = new ArrayList<>();
            Bootstrap b = new Bootstrap().group(group).channel(NioSocketChannel.class)
                    .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, 20_000);
            for (int i = 0; i < VISITORS; i++) {
                Visitor v = new Visitor(payload(i));
                visitors.add(v);
                connects.add(b.clone().handler(v).connect(target));
            }
            for (int i = 0; i < VISITORS; i++) {
                assertTrue(connects.get(i).await(30, TimeUnit.SECONDS), "visitor " + i + " connect timed out");
                assertTrue(connects.get(i).isSuccess(), "visitor " + i + ": " + connects.get(i).cause());
            }

            // Every visitor is connected and none has sent a byte: all streams are open at once,
            // on the client's single tunnel.
            await("1000 open streams on the server; now " + gt.serverStreams(GtPair.ID))
                    .atMost(Duration.ofSeconds(30))
                    .until(() -> gt.serverStreams(GtPair.ID) >= VISITORS);
            assertEquals(1, gt.client.state().tunnels().size(), "client tunnels: " + gt.client.state().tunnels());
            assertEquals(1, gt.serverClient(GtPair.ID).tunnels().size());
            await().atMost(Duration.ofSeconds(30)).until(() -> echo.accepted() >= VISITORS);

            for (int i = 0; i < VISITORS; i++) {
                Channel ch = connects.get(i).channel();
                ch.writeAndFlush(Unpooled.wrappedBuffer(visitors.get(i).payload));
            }
            CompletableFuture.allOf(visitors.stream().map(v -> v.done).toArray(CompletableFuture[]::new))
                    .get(60, TimeUnit.SECONDS);
            for (int i = 0; i < VISITORS; i++) {
                Visitor v = visitors.get(i);
                Data.assertSameBytes(v.payload, v.done.join(), "echo of visitor " + i);
            }

            for (ChannelFuture f : connects) {
                f.channel().close();
            }
            await("streams closed on the server; now " + gt.serverStreams(GtPair.ID))
                    .atMost(Duration.ofSeconds(30))
                    .until(() -> gt.serverStreams(GtPair.ID) == 0);
            await("streams closed on the client").atMost(Duration.ofSeconds(30))
                    .until(() -> gt.client.state().tunnels().stream().mapToInt(t -> t.streams()).sum() == 0);
        } finally {
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS).sync();
        }
    }

    private static byte[] payload(int i) {
        byte[] tag = ("visitor-" + i + ":").getBytes(StandardCharsets.US_ASCII);
        byte[] random = Data.random(200 + (i * 7919) % 3000, i);
        byte[] p = new byte[tag.length + random.length];
        System.arraycopy(tag, 0, p, 0, tag.length);
        System.arraycopy(random, 0, p, tag.length, random.length);
        return p;
    }

    /** Collects the echo until it is as long as the payload. */
    private static final class Visitor extends ChannelInboundHandlerAdapter {
        final byte[] payload;
        final CompletableFuture<byte[]> done = new CompletableFuture<>();
        private final byte[] got;
        private int n;

        Visitor(byte[] payload) {
            this.payload = payload;
            this.got = new byte[payload.length];
        }

        @Override
        public boolean isSharable() {
            return false;
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            ByteBuf b = (ByteBuf) msg;
            try {
                int k = b.readableBytes();
                if (n + k > got.length) {
                    done.completeExceptionally(new AssertionError("echo longer than the payload: "
                            + (n + k) + " > " + got.length));
                    return;
                }
                b.readBytes(got, n, k);
                n += k;
                if (n == got.length) {
                    done.complete(got);
                }
            } finally {
                b.release();
            }
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) {
            done.completeExceptionally(new AssertionError("closed after " + n + " of " + got.length + " bytes"));
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            done.completeExceptionally(cause);
            ctx.close();
        }
    }
}

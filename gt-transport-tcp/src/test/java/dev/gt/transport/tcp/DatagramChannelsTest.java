package dev.gt.transport.tcp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;

import dev.gt.api.spi.IoEngine;
import dev.gt.api.spi.IoEngineProvider;
import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.socket.DatagramPacket;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** Every engine's datagram channels send and receive, and the native ones can share a port. */
@Timeout(30)
class DatagramChannelsTest {

    static Stream<IoEngineProvider> providers() {
        return Stream.of(new IoUringEngineProvider(), new EpollEngineProvider(), new NioEngineProvider());
    }

    @ParameterizedTest
    @MethodSource("providers")
    void datagramChannelsExchangeAPacket(IoEngineProvider provider) throws Exception {
        Assumptions.assumeTrue(provider.isAvailable(), () -> provider.name() + " unavailable here: "
                + provider.unavailabilityCause());
        try (IoEngine t = provider.create(1, "test")) {
            CompletableFuture<String> received = new CompletableFuture<>();
            Channel server = new Bootstrap().group(t.group()).channelFactory(t.datagramChannelFactory())
                    .handler(new SimpleChannelInboundHandler<DatagramPacket>() {
                        @Override
                        protected void channelRead0(ChannelHandlerContext ctx, DatagramPacket p) {
                            received.complete(p.content().toString(StandardCharsets.US_ASCII));
                        }
                    })
                    .bind(new InetSocketAddress("127.0.0.1", 0)).sync().channel();
            Channel client = new Bootstrap().group(t.group()).channelFactory(t.datagramChannelFactory())
                    .handler(new SimpleChannelInboundHandler<DatagramPacket>() {
                        @Override
                        protected void channelRead0(ChannelHandlerContext ctx, DatagramPacket p) {
                        }
                    })
                    .bind(new InetSocketAddress("127.0.0.1", 0)).sync().channel();
            client.writeAndFlush(new DatagramPacket(Unpooled.copiedBuffer("ping", StandardCharsets.US_ASCII),
                    (InetSocketAddress) server.localAddress())).sync();
            assertEquals("ping", received.get(10, TimeUnit.SECONDS));
            client.close().sync();
            server.close().sync();
        }
    }

    @ParameterizedTest
    @MethodSource("providers")
    void nativeEnginesLetTwoChannelsBindOnePort(IoEngineProvider provider) throws Exception {
        Assumptions.assumeTrue(provider.isAvailable(), () -> provider.name() + " unavailable here");
        try (IoEngine t = provider.create(2, "test")) {
            if (provider instanceof NioEngineProvider) {
                assertNull(t.reusePortOption(), "NIO offers no SO_REUSEPORT option");
                return;
            }
            assertNotNull(t.reusePortOption());
            Bootstrap b = new Bootstrap().group(t.group()).channelFactory(t.datagramChannelFactory())
                    .option(t.reusePortOption(), true)
                    .handler(new Discard());
            Channel first = b.bind(new InetSocketAddress("127.0.0.1", 0)).sync().channel();
            InetSocketAddress bound = (InetSocketAddress) first.localAddress();
            Channel second = b.bind(bound).sync().channel();
            assertEquals(bound.getPort(), ((InetSocketAddress) second.localAddress()).getPort());
            first.close().sync();
            second.close().sync();
        }
    }

    @io.netty.channel.ChannelHandler.Sharable
    private static final class Discard extends ChannelInboundHandlerAdapter {
    }
}

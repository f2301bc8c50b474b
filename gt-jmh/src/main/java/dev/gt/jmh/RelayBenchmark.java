package dev.gt.jmh;

import dev.gt.api.ServiceSpec;
import dev.gt.core.GtClient;
import dev.gt.core.GtServer;
import io.netty.bootstrap.Bootstrap;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.epoll.EpollSocketChannel;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * A round trip of {@code size} bytes through a relay on loopback to an echo service: through a GT
 * tunnel (server and client in this JVM, TCP service port; {@code gt-quic}: over a quic:// tunnel, a
 * QUIC stream per visitor) and through a plain Netty relay with
 * the same hop count (two chained splice-free copy relays), and directly. The figures to compare
 * are the ratios; run with {@code -prof gc} for allocation per round trip (all threads).
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 3)
@Measurement(iterations = 5, time = 3)
@Fork(value = 1, jvmArgsAppend = {"-Dio.netty.leakDetection.level=disabled",
        "-Dorg.slf4j.simpleLogger.defaultLogLevel=warn"})
public class RelayBenchmark {
    @Param({"gt", "gt-quic", "plain", "direct"})
    String path;

    @Param({"1024", "65536"})
    int size;

    private EventLoopGroup group;
    private Channel echo;
    private final java.util.List<Channel> relays = new java.util.ArrayList<>();
    private GtServer server;
    private GtClient client;
    private Socket socket;
    private OutputStream out;
    private InputStream in;
    private byte[] message;
    private byte[] reply;

    @Setup(Level.Trial)
    public void setup() throws Exception {
        group = new MultiThreadIoEventLoopGroup(2, EpollIoHandler.newFactory());
        echo = new ServerBootstrap().group(group).channel(EpollServerSocketChannel.class)
                .childOption(ChannelOption.TCP_NODELAY, true)
                .childHandler(new ChannelInboundHandlerAdapter() {
                    @Override
                    public void channelRead(ChannelHandlerContext ctx, Object msg) {
                        ctx.writeAndFlush(msg);
                    }
                }).bind("127.0.0.1", 0).sync().channel();
        int echoPort = ((InetSocketAddress) echo.localAddress()).getPort();
        int target;
        switch (path) {
            case "gt": {
                int port = freePort();
                server = GtServer.builder().listenAddress("127.0.0.1:0").user("bench", "secret")
                        .tcpPortRange(port + "-" + port).tcpBindAddress("127.0.0.1").build();
                server.start().get();
                client = GtClient.builder().id("bench").secret("secret")
                        .server("tcp://127.0.0.1:" + server.listenAddress().getPort())
                        .service(ServiceSpec.local("tcp://127.0.0.1:" + echoPort).serverPort(port).build())
                        .build();
                client.start().get();
                target = port;
                break;
            }
            case "gt-quic": {
                // The same, over a quic:// tunnel: a QUIC stream per visitor stream.
                int port = freePort();
                server = GtServer.builder().listenAddress("127.0.0.1:0").tunnelListener("quic", "127.0.0.1:0")
                        .user("bench", "secret").tcpPortRange(port + "-" + port).tcpBindAddress("127.0.0.1").build();
                server.start().get();
                client = GtClient.builder().id("bench").secret("secret")
                        .server("quic://127.0.0.1:" + server.tunnelListenAddress("quic").getPort())
                        .trustAnyCertificate(true)
                        .service(ServiceSpec.local("tcp://127.0.0.1:" + echoPort).serverPort(port).build())
                        .build();
                client.start().get();
                target = port;
                break;
            }
            case "plain": {
                int middle = relay(echoPort);
                target = relay(middle);
                break;
            }
            default:
                target = echoPort;
        }
        socket = new Socket("127.0.0.1", target);
        socket.setTcpNoDelay(true);
        out = socket.getOutputStream();
        in = socket.getInputStream();
        message = new byte[size];
        reply = new byte[size];
    }

    /** A relay in the style of Netty's proxy example: AUTO_READ off, read after each write. */
    private int relay(int to) throws InterruptedException {
        Channel c = new ServerBootstrap().group(group).channel(EpollServerSocketChannel.class)
                .childOption(ChannelOption.AUTO_READ, false).childOption(ChannelOption.TCP_NODELAY, true)
                .childHandler(new ChannelInitializer<Channel>() {
                    @Override
                    protected void initChannel(Channel in) {
                        in.pipeline().addLast(new ChannelInboundHandlerAdapter() {
                            Channel outbound;

                            @Override
                            public void channelActive(ChannelHandlerContext ctx) {
                                new Bootstrap().group(in.eventLoop()).channel(EpollSocketChannel.class)
                                        .option(ChannelOption.AUTO_READ, false)
                                        .option(ChannelOption.TCP_NODELAY, true)
                                        .handler(new Pipe(in))
                                        .connect("127.0.0.1", to).addListener((ChannelFutureListener) f -> {
                                            outbound = f.channel();
                                            in.read();
                                            outbound.read();
                                        });
                            }

                            @Override
                            public void channelRead(ChannelHandlerContext ctx, Object msg) {
                                outbound.writeAndFlush(msg).addListener((ChannelFutureListener) f -> in.read());
                            }

                            @Override
                            public void channelInactive(ChannelHandlerContext ctx) {
                                if (outbound != null) {
                                    outbound.close();
                                }
                            }
                        });
                    }
                }).bind("127.0.0.1", 0).sync().channel();
        relays.add(c);
        return ((InetSocketAddress) c.localAddress()).getPort();
    }

    private static final class Pipe extends ChannelInboundHandlerAdapter {
        private final Channel to;

        Pipe(Channel to) {
            this.to = to;
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            to.writeAndFlush(msg).addListener((ChannelFutureListener) f -> ctx.channel().read());
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) {
            to.close();
        }
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    @TearDown(Level.Trial)
    public void tearDown() throws Exception {
        socket.close();
        if (client != null) {
            client.close();
        }
        if (server != null) {
            server.close();
        }
        for (Channel c : relays) {
            c.close().sync();
        }
        echo.close().sync();
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS).sync();
    }

    /** Writes {@code size} bytes and reads the echo back. */
    @Benchmark
    public int roundTrip() throws IOException {
        out.write(message);
        int got = 0;
        while (got < size) {
            int n = in.read(reply, got, size - got);
            if (n < 0) {
                throw new IOException("closed after " + got + " bytes");
            }
            got += n;
        }
        return got;
    }
}

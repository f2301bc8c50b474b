package dev.gt.core.it;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.gt.api.GtEvent;
import dev.gt.api.ServiceSpec;
import dev.gt.api.TunnelInfo;
import dev.gt.api.spi.IoEngineProvider;
import dev.gt.core.GtClient;
import dev.gt.core.GtServer;
import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.HttpClientCodec;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketClientHandshakerFactory;
import io.netty.handler.codec.http.websocketx.WebSocketClientProtocolHandler;
import io.netty.handler.codec.http.websocketx.WebSocketVersion;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.Timeout;

/**
 * The transport-agnostic scenarios, run once per I/O engine and tunnel transport (Netty's
 * {@code testsuite} pattern): a subclass says which engine and how the client reaches the server;
 * everything else is the same. HTTP by Host, WebSocket, transfers both ways with checksums,
 * server-speaks-first, half-close, a thousand streams, slow-reader isolation, error answers and a
 * reconnect after a server restart. A transport module (QUIC) subclasses it from gt-core's test jar.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@Timeout(120)
public abstract class TunnelConformanceTest {
    private static final long MIB = 1024 * 1024;
    private static final long TRANSFER = 16 * MIB;

    private Backend backend;
    private SourceServer source;
    private SourceServer slowSource;
    private HashServer hash;
    private SpeakThenListenServer speaker;
    private GtServer server;
    private GtClient client;
    private final Events clientEvents = new Events();

    /** The I/O engine both ends run on. */
    protected abstract IoEngineProvider ioEngine();

    /**
     * Sets the server up for this tunnel transport (for TLS: a TLS listener); {@code previous} is
     * the server this one replaces after a restart (whose ports it must take again), or null.
     */
    protected void configureServer(GtServer.Builder b, GtServer previous) {
    }

    /** Where the client finds the server, with this transport's scheme. */
    protected String remote(GtServer s) {
        return "tcp://127.0.0.1:" + s.listenAddress().getPort();
    }

    /** Sets the client up for this tunnel transport (for TLS: how to trust the server). */
    protected void configureClient(GtClient.Builder b, GtServer s) {
    }

    /** The tunnel transport the snapshots must name. */
    protected String expectedTransport() {
        return "tcp";
    }

    @BeforeAll
    void startRig() throws Exception {
        backend = new Backend();
        source = new SourceServer(TRANSFER);
        slowSource = new SourceServer(200 * MIB);
        hash = new HashServer();
        speaker = new SpeakThenListenServer("hello, visitor".getBytes(StandardCharsets.US_ASCII));
        int base = FreePorts.block(10);
        server = startServer(new InetSocketAddress("127.0.0.1", 0), base, null);
        int closedPort = FreePorts.closedPort();
        client = newClient(server, b -> b.eventListener(clientEvents)
                .service(ServiceSpec.local(backend.url()).build())
                .service(ServiceSpec.local(source.url()).allowRandomServerPort(true).build())
                .service(ServiceSpec.local(hash.url()).allowRandomServerPort(true).build())
                .service(ServiceSpec.local(speaker.url()).allowRandomServerPort(true).build())
                .service(ServiceSpec.local("http://127.0.0.1:" + closedPort).hostPrefix("dead").build())
                .service(ServiceSpec.local(slowSource.url()).allowRandomServerPort(true).build()));
        client.start().get(20, TimeUnit.SECONDS);
    }

    private GtServer startServer(InetSocketAddress addr, int portBase, GtServer previous) throws Exception {
        GtServer.Builder b = GtServer.builder().listenAddress(addr).user(GtPair.ID, GtPair.SECRET).user("id2", "secret2")
                .tcpPortRange(portBase + "-" + (portBase + 9)).tcpBindAddress("127.0.0.1").ioEngine(ioEngine());
        configureServer(b, previous);
        GtServer s = b.build();
        s.start().get(10, TimeUnit.SECONDS);
        return s;
    }

    private GtClient newClient(GtServer s, java.util.function.Consumer<GtClient.Builder> config) {
        GtClient.Builder b = GtClient.builder().id(GtPair.ID).secret(GtPair.SECRET).server(remote(s))
                .reconnectDelay(Duration.ofMillis(100)).ioEngine(ioEngine());
        configureClient(b, s);
        config.accept(b);
        return b.build();
    }

    @AfterAll
    void stopRig() throws Exception {
        for (AutoCloseable c : new AutoCloseable[] {client, server, backend, source, slowSource, hash, speaker}) {
            if (c != null) {
                c.close();
            }
        }
    }

    private int tcpPort(int index) {
        for (dev.gt.api.ClientState.RegisteredService s : client.state().services()) {
            if (s.index() == index) {
                return s.tcpPort();
            }
        }
        throw new AssertionError("service " + index + " not registered");
    }

    @Test
    void theTunnelRunsOnTheEngineAndTransportUnderTest() {
        TunnelInfo t = client.state().tunnels().get(0);
        assertEquals(ioEngine().name(), t.ioEngine());
        assertEquals(expectedTransport(), t.transport());
        TunnelInfo s = server.state().clients().get(0).tunnels().get(0);
        assertEquals(expectedTransport(), s.transport());
    }

    @Test
    void httpIsRoutedByHost() throws Exception {
        RawHttp.Response r = RawHttp.get(server.listenAddress(), "id1.example.com", "/bytes?n=100000");
        assertEquals(200, r.status(), r.head());
        assertEquals(100000, Data.readPattern(new java.io.ByteArrayInputStream(r.body()), Long.MAX_VALUE));
    }

    @Test
    void errorsAreAnsweredNotSwallowed() throws Exception {
        assertEquals(404, RawHttp.get(server.listenAddress(), "nobody.example.com", "/").status(), "unknown prefix");
        assertEquals(503, RawHttp.get(server.listenAddress(), "id2.example.com", "/").status(), "client not connected");
        assertEquals(502, RawHttp.get(server.listenAddress(), "dead.example.com", "/").status(), "service down");
        assertEquals(400, RawHttp.request(server.listenAddress(), "GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n", null)
                .status(), "ambiguous Host");
    }

    @Test
    void webSocketMessagesGoBothWays() throws Exception {
        EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
        try {
            CompletableFuture<Void> handshaken = new CompletableFuture<>();
            BlockingQueue<String> received = new LinkedBlockingQueue<>();
            WebSocketClientProtocolHandler ws = new WebSocketClientProtocolHandler(WebSocketClientHandshakerFactory
                    .newHandshaker(new URI("ws://id1.example.com/ws"), WebSocketVersion.V13, null, false,
                            new DefaultHttpHeaders()));
            Channel ch = new Bootstrap().group(group).channel(NioSocketChannel.class)
                    .handler(new ChannelInitializer<Channel>() {
                        @Override
                        protected void initChannel(Channel c) {
                            c.pipeline().addLast(new HttpClientCodec(), new HttpObjectAggregator(65536), ws,
                                    new SimpleChannelInboundHandler<TextWebSocketFrame>() {
                                        @Override
                                        public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
                                            if (evt == WebSocketClientProtocolHandler.ClientHandshakeStateEvent
                                                    .HANDSHAKE_COMPLETE) {
                                                handshaken.complete(null);
                                            }
                                            ctx.fireUserEventTriggered(evt);
                                        }

                                        @Override
                                        protected void channelRead0(ChannelHandlerContext ctx, TextWebSocketFrame f) {
                                            received.add(f.text());
                                        }
                                    });
                        }
                    }).connect(server.listenAddress()).sync().channel();
            handshaken.get(10, TimeUnit.SECONDS);
            for (String m : new String[] {"hello", "x".repeat(50_000), "✓"}) {
                ch.writeAndFlush(new TextWebSocketFrame(m));
                assertEquals("echo:" + m, received.poll(10, TimeUnit.SECONDS));
            }
            ch.close().sync();
        } finally {
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS).sync();
        }
    }

    @Test
    void downloadsArriveWholeAndInOrder() throws Exception {
        try (Socket s = TransferTest.connect(tcpPort(1))) {
            assertEquals(TRANSFER, Data.readPattern(s.getInputStream(), Long.MAX_VALUE));
        }
    }

    @Test
    void uploadsArriveWholeAndHalfCloseCarriesTheAnswerBack() throws Exception {
        for (long size : new long[] {0, 1, TRANSFER}) {
            try (Socket s = TransferTest.connect(tcpPort(2))) {
                String sent = Data.writeRandom(s.getOutputStream(), size, size);
                s.shutdownOutput();
                BufferedReader r = new BufferedReader(new InputStreamReader(s.getInputStream(),
                        StandardCharsets.US_ASCII));
                assertEquals(sent, r.readLine(), "SHA-256 of " + size + " bytes");
                assertEquals(null, r.readLine());
            }
        }
    }

    @Test
    void aServerThatSpeaksFirstIsHeardBeforeTheVisitorSaysAnything() throws Exception {
        try (Socket s = TransferTest.connect(tcpPort(3))) {
            byte[] greeting = Data.readAll(s.getInputStream());
            assertEquals("hello, visitor", new String(greeting, StandardCharsets.US_ASCII));
            s.getOutputStream().write("bye".getBytes(StandardCharsets.US_ASCII));
            s.shutdownOutput();
            SpeakThenListenServer.Result got = speaker.results().poll(10, TimeUnit.SECONDS);
            assertEquals(3, got.bytes());
        }
    }

    @Test
    void aThousandStreamsAllGetTheirAnswers() throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(32);
        try {
            List<Future<Integer>> answers = new ArrayList<>();
            for (int i = 0; i < 1000; i++) {
                String path = "/bytes?n=" + (i % 7 * 100);
                answers.add(pool.submit(() -> RawHttp.get(server.listenAddress(), "id1.example.com", path).status()));
            }
            for (Future<Integer> a : answers) {
                assertEquals(200, a.get(60, TimeUnit.SECONDS));
            }
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void aVisitorThatStopsReadingSlowsOnlyItsOwnStream() throws Exception {
        try (Socket slow = TransferTest.connect(tcpPort(5))) {
            assertEquals(64 * 1024, Data.readPattern(slow.getInputStream(), 64 * 1024));
            try (Socket fast = TransferTest.connect(tcpPort(1))) {
                assertEquals(TRANSFER, Data.readPattern(fast.getInputStream(), Long.MAX_VALUE));
            }
            assertTrue(slowSource.sent() < 64 * MIB, "flow control held the stalled stream: " + slowSource.sent());
        }
    }

    @Test
    void theClientComesBackAfterTheServerRestartsOnTheSamePort() throws Exception {
        Events events = new Events();
        try (Backend service = new Backend()) {
            int base = FreePorts.block(10);
            GtServer first = startServer(new InetSocketAddress("127.0.0.1", 0), base, null);
            int port = first.listenAddress().getPort();
            AtomicReference<GtServer> second = new AtomicReference<>();
            try (GtClient c = newClient(first, b -> b.eventListener(events)
                    .service(ServiceSpec.local(service.url()).build()))) {
                c.start().get(20, TimeUnit.SECONDS);
                first.close();
                events.awaitCount(GtEvent.TunnelDisconnected.class, 1);
                await("rebinding 127.0.0.1:" + port).atMost(Duration.ofSeconds(30))
                        .pollInterval(Duration.ofMillis(100)).until(() -> {
                            try {
                                second.set(startServer(new InetSocketAddress("127.0.0.1", port), base, first));
                                return true;
                            } catch (Exception e) {
                                return false;
                            }
                        });
                events.awaitCount(GtEvent.TunnelConnected.class, 2);
                RawHttp.Response r = RawHttp.get(second.get().listenAddress(), "id1.example.com", "/after");
                assertEquals(200, r.status(), r.head());
            } finally {
                first.close();
                if (second.get() != null) {
                    second.get().close();
                }
            }
        }
    }
}

package dev.gt.core.it;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.gt.api.GtEvent;
import dev.gt.api.ServiceSpec;
import dev.gt.core.GtClient;
import dev.gt.core.GtServer;
import dev.gt.core.TlsVersion;
import dev.gt.core.internal.tls.Certificates;
import io.netty.bootstrap.Bootstrap;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpClientCodec;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.websocketx.CloseWebSocketFrame;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketClientHandshaker;
import io.netty.handler.codec.http.websocketx.WebSocketClientHandshakerFactory;
import io.netty.handler.codec.http.websocketx.WebSocketClientProtocolHandler;
import io.netty.handler.codec.http.websocketx.WebSocketVersion;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import javax.net.ssl.SNIHostName;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLEngineResult;
import javax.net.ssl.SSLHandshakeException;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManagerFactory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * TLS through the public API: tunnels over {@code tls://} (CA file, insecure, fingerprint pin, and
 * the failures of a wrong CA or pin), {@code -sniAddr} pass-through to an {@code https://} service
 * (end-to-end certificate verification, a ClientHello split in small writes, garbage and unknown
 * names), {@code -tlsVersion}, and WebSocket over wss on {@code -tlsAddr}.
 */
@Timeout(90)
class TlsTest {
    private static final String ID = "id1";
    private static final String SECRET = "secret1";
    private static final String BODY = "hello from the https backend";

    @TempDir
    Path dir;

    // ---------------------------------------------------------------- tunnels over tls://

    @Test
    void tunnelOverTlsWithRemoteCert() throws Exception {
        Pem pem = pem("server", "localhost", "127.0.0.1", "id1.example.com");
        try (Backend backend = new Backend(); GtServer server = tlsServer(pem)) {
            Events events = new Events();
            try (GtClient client = tlsClient(server, backend, events, b -> b.trustedCertificates(pem.crt))) {
                client.start().get(10, TimeUnit.SECONDS);
                RawHttp.Response r = RawHttp.get(server.listenAddress(), "id1.example.com", "/a");
                assertEquals(200, r.status(), r.head());
                assertEquals("ok GET /a host=id1.example.com", r.text());
                assertEquals(1, server.state().clients().size(), server.state().toString());
            }
        }
    }

    @Test
    void wrongCaIsRefusedAndTheClientKeepsRetrying() throws Exception {
        Pem pem = pem("server", "localhost", "127.0.0.1");
        Pem other = pem("other", "localhost", "127.0.0.1");
        try (Backend backend = new Backend(); GtServer server = tlsServer(pem)) {
            assertRefused(server, backend, b -> b.trustedCertificates(other.crt));
        }
    }

    @Test
    void remoteCertInsecureAcceptsAnyCertificate() throws Exception {
        Pem pem = pem("server", "somewhere.invalid");
        try (Backend backend = new Backend(); GtServer server = tlsServer(pem)) {
            try (GtClient client = tlsClient(server, backend, new Events(), b -> b.trustAnyCertificate(true))) {
                client.start().get(10, TimeUnit.SECONDS);
                RawHttp.Response r = RawHttp.get(server.listenAddress(), "id1.example.com", "/insecure");
                assertEquals(200, r.status(), r.head());
                assertEquals("ok GET /insecure host=id1.example.com", r.text());
            }
        }
    }

    @Test
    void fingerprintPinAcceptsTheRightCertificate() throws Exception {
        Pem pem = pem("server", "somewhere.invalid");
        try (Backend backend = new Backend(); GtServer server = tlsServer(pem)) {
            String pin = Certificates.fingerprint(pem.cert.certificate());
            assertEquals(pin, server.certificateFingerprint());
            // Without colons and in lower case, too.
            String plain = pin.replace(":", "").toLowerCase(java.util.Locale.ROOT);
            try (GtClient client = tlsClient(server, backend, new Events(), b -> b.pinnedCertificateSha256(plain))) {
                client.start().get(10, TimeUnit.SECONDS);
                RawHttp.Response r = RawHttp.get(server.listenAddress(), "id1.example.com", "/pinned");
                assertEquals(200, r.status(), r.head());
                assertEquals("ok GET /pinned host=id1.example.com", r.text());
            }
        }
    }

    @Test
    void wrongFingerprintIsRefusedAndTheClientKeepsRetrying() throws Exception {
        Pem pem = pem("server", "localhost");
        Pem other = pem("other", "localhost");
        try (Backend backend = new Backend(); GtServer server = tlsServer(pem)) {
            String wrong = Certificates.fingerprint(other.cert.certificate());
            assertRefused(server, backend, b -> b.pinnedCertificateSha256(wrong));
        }
    }

    private void assertRefused(GtServer server, Backend backend,
            java.util.function.Consumer<GtClient.Builder> trust) throws Exception {
        Events events = new Events();
        try (GtClient client = tlsClient(server, backend, events, trust)) {
            CompletableFuture<GtClient> started = client.start();
            assertThrows(TimeoutException.class, () -> started.get(3, TimeUnit.SECONDS),
                    "the client connected although it must not trust the server; events: " + events);
            events.awaitCount(GtEvent.ReconnectScheduled.class, 2);
            assertFalse(started.isDone(), "start() ended: " + started);
            assertTrue(events.of(GtEvent.ServiceRegistered.class).isEmpty(), events.toString());
            assertTrue(server.state().clients().isEmpty(), "the server saw the client: " + server.state());
        }
    }

    // ---------------------------------------------------------------- -sniAddr pass-through

    @Test
    void sniPassThroughVerifiesTheBackendCertificateEndToEnd() throws Exception {
        Pem backendPem = pem("backend", "id1.example.com");
        try (HttpsBackend https = new HttpsBackend(backendPem); SniSetup gt = new SniSetup(https)) {
            SSLContext trustBackend = trustOnly(backendPem);
            try (SSLSocket s = sslOver(trustBackend, gt.server.sniListenAddress(), "id1.example.com")) {
                SSLParameters p = s.getSSLParameters();
                p.setEndpointIdentificationAlgorithm("HTTPS");
                s.setSSLParameters(p);
                s.startHandshake();
                Certificate[] peer = s.getSession().getPeerCertificates();
                assertArrayEquals(backendPem.cert.certificate().getEncoded(), peer[0].getEncoded(),
                        "the visitor did not get the backend's certificate");
                OutputStream out = s.getOutputStream();
                out.write("GET /sni HTTP/1.1\r\nHost: id1.example.com\r\nConnection: close\r\n\r\n"
                        .getBytes(StandardCharsets.US_ASCII));
                out.flush();
                RawHttp.Response r = RawHttp.read(s.getInputStream());
                assertEquals(200, r.status(), r.head());
                assertEquals(BODY + " /sni", r.text());
            }
            // The server's own -tlsAddr certificate is not involved: a visitor trusting only another cert fails.
            Pem other = pem("other", "id1.example.com");
            try (SSLSocket s = sslOver(trustOnly(other), gt.server.sniListenAddress(), "id1.example.com")) {
                assertThrows(SSLHandshakeException.class, s::startHandshake);
            }
        }
    }

    @Test
    void clientHelloSplitIntoSevenByteWritesIsReassembled() throws Exception {
        Pem backendPem = pem("backend", "id1.example.com");
        try (HttpsBackend https = new HttpsBackend(backendPem); SniSetup gt = new SniSetup(https)) {
            byte[] hello = clientHello(trustOnly(backendPem), "id1.example.com");
            assertEquals(0x16, hello[0]);
            assertTrue(hello.length > 100, "ClientHello of " + hello.length + " bytes");
            try (Socket s = new Socket()) {
                s.setTcpNoDelay(true);
                s.connect(gt.server.sniListenAddress(), 5000);
                s.setSoTimeout(10_000);
                OutputStream out = s.getOutputStream();
                for (int i = 0; i < hello.length; i += 7) {
                    out.write(hello, i, Math.min(7, hello.length - i));
                    out.flush();
                }
                byte[] head = s.getInputStream().readNBytes(6);
                assertEquals(6, head.length, "the connection ended after " + Arrays.toString(head));
                assertEquals(0x16, head[0], "not a handshake record: " + Arrays.toString(head));
                assertEquals(0x03, head[1], "not a TLS record: " + Arrays.toString(head));
                assertEquals(0x02, head[5], "not a ServerHello: " + Arrays.toString(head));
            }
        }
    }

    @Test
    void garbageAndPlainHttpOnSniAddrAreClosedQuickly() throws Exception {
        Pem backendPem = pem("backend", "id1.example.com");
        try (HttpsBackend https = new HttpsBackend(backendPem); SniSetup gt = new SniSetup(https)) {
            byte[] garbage = new byte[200];
            new java.util.Random(7).nextBytes(garbage);
            garbage[0] = 0x42;
            assertClosedOrAlert(gt.server.sniListenAddress(), garbage, "random bytes");
            assertClosedOrAlert(gt.server.sniListenAddress(),
                    "GET / HTTP/1.1\r\nHost: id1.example.com\r\n\r\n".getBytes(StandardCharsets.US_ASCII),
                    "plain HTTP");
            // A handshake record header followed by nonsense.
            byte[] bad = new byte[64];
            bad[0] = 0x16;
            bad[1] = 0x03;
            bad[2] = 0x01;
            bad[3] = 0x00;
            bad[4] = 59;
            bad[5] = 0x01; // ClientHello
            bad[6] = 0x7f; // with an impossible length
            assertClosedOrAlert(gt.server.sniListenAddress(), bad, "malformed ClientHello");
            // The sniffer still works afterwards.
            try (SSLSocket s = sslOver(trustOnly(backendPem), gt.server.sniListenAddress(), "id1.example.com")) {
                s.startHandshake();
            }
        }
    }

    @Test
    void unknownSniNameGetsAnAlertThenClose() throws Exception {
        Pem backendPem = pem("backend", "id1.example.com", "nobody.example.com");
        try (HttpsBackend https = new HttpsBackend(backendPem); SniSetup gt = new SniSetup(https)) {
            byte[] hello = clientHello(trustOnly(backendPem), "nobody.example.com");
            byte[] reply = exchange(gt.server.sniListenAddress(), hello);
            assertTrue(reply.length >= 1 && reply[0] == 0x15,
                    "expected a TLS alert record, got " + Arrays.toString(reply));
            assertEquals(7, reply.length, "expected one alert record then the end: " + Arrays.toString(reply));
            assertEquals(2, reply[5], "not a fatal alert: " + Arrays.toString(reply));
            assertEquals(112, reply[6], "not unrecognized_name: " + Arrays.toString(reply));
            assertTrue(https.handshakes.isEmpty() && https.connections.get() == 0,
                    "the backend was reached for an unknown name");
        }
    }

    /** Sends {@code bytes} and requires the end of the connection or a TLS alert within 5 s. */
    private static void assertClosedOrAlert(InetSocketAddress addr, byte[] bytes, String what) throws IOException {
        byte[] reply = exchange(addr, bytes);
        assertTrue(reply.length == 0 || reply[0] == 0x15,
                what + ": expected a close or a TLS alert, got " + Arrays.toString(reply));
    }

    /** Writes {@code bytes} and reads until the end of the connection (a reset counts as an end); 5 s at most. */
    private static byte[] exchange(InetSocketAddress addr, byte[] bytes) throws IOException {
        try (Socket s = new Socket()) {
            s.connect(addr, 5000);
            s.setSoTimeout(5000);
            s.getOutputStream().write(bytes);
            s.getOutputStream().flush();
            ByteArrayOutputStream got = new ByteArrayOutputStream();
            InputStream in = s.getInputStream();
            byte[] buf = new byte[1024];
            try {
                for (int n; (n = in.read(buf)) >= 0; ) {
                    got.write(buf, 0, n);
                }
            } catch (SocketTimeoutException e) {
                throw new AssertionError("the connection hangs after " + got.size() + " bytes: "
                        + Arrays.toString(got.toByteArray()), e);
            } catch (SocketException reset) {
                // Connection reset: closed, too.
            }
            return got.toByteArray();
        }
    }

    // ---------------------------------------------------------------- -tlsVersion

    @Test
    void tls13OnlyServerRefusesTls12AndAccepts13() throws Exception {
        try (Backend backend = new Backend();
                GtServer server = GtServer.builder().tlsListenAddress("127.0.0.1:0").minTlsVersion(TlsVersion.TLS1_3)
                        .user(ID, SECRET).build()) {
            server.start().get(10, TimeUnit.SECONDS);
            try (GtClient client = GtClient.builder().id(ID).secret(SECRET)
                    .server("tls://localhost:" + server.tlsListenAddress().getPort())
                    .pinnedCertificateSha256(server.certificateFingerprint())
                    .service(ServiceSpec.local(backend.url()).build()).reconnectDelay(Duration.ofMillis(200))
                    .build()) {
                client.start().get(10, TimeUnit.SECONDS);
                SSLContext trustAll = TlsSmokeTest.trustAll();
                try (SSLSocket s = sslOver(trustAll, server.tlsListenAddress(), "id1.example.com")) {
                    s.setEnabledProtocols(new String[] {"TLSv1.2"});
                    assertThrows(SSLHandshakeException.class, s::startHandshake);
                }
                try (SSLSocket s = sslOver(trustAll, server.tlsListenAddress(), "id1.example.com")) {
                    s.setEnabledProtocols(new String[] {"TLSv1.3"});
                    s.startHandshake();
                    assertEquals("TLSv1.3", s.getSession().getProtocol());
                }
                String reply = TlsSmokeTest.httpsGet(server.tlsListenAddress().getPort(), "id1.example.com", trustAll);
                assertTrue(reply.startsWith("HTTP/1.1 200"), reply);
                assertTrue(reply.endsWith("ok GET /x host=id1.example.com"), reply);
            }
        }
    }

    // ---------------------------------------------------------------- wss on -tlsAddr

    @Test
    void webSocketOverWssThroughHttpsTermination() throws Exception {
        Pem pem = pem("server", "id1.example.com", "localhost");
        EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
        try (Backend backend = new Backend(); GtServer server = tlsServer(pem);
                GtClient client = tlsClient(server, backend, new Events(), b -> b.trustedCertificates(pem.crt))) {
            client.start().get(10, TimeUnit.SECONDS);
            SslContext ssl = SslContextBuilder.forClient().trustManager(pem.crt.toFile()).build();
            WebSocketClientHandshaker handshaker = WebSocketClientHandshakerFactory.newHandshaker(
                    new URI("wss://id1.example.com/ws"), WebSocketVersion.V13, null, false, new DefaultHttpHeaders());
            CompletableFuture<Void> handshaken = new CompletableFuture<>();
            BlockingQueue<String> received = new LinkedBlockingQueue<>();
            int port = server.tlsListenAddress().getPort();
            Channel ch = new Bootstrap().group(group).channel(NioSocketChannel.class)
                    .handler(new ChannelInitializer<Channel>() {
                        @Override
                        protected void initChannel(Channel c) {
                            javax.net.ssl.SSLEngine engine = ssl.newEngine(c.alloc(), "id1.example.com", port);
                            SSLParameters p = engine.getSSLParameters();
                            p.setEndpointIdentificationAlgorithm("HTTPS");
                            engine.setSSLParameters(p);
                            c.pipeline().addLast(new io.netty.handler.ssl.SslHandler(engine),
                                    new HttpClientCodec(), new HttpObjectAggregator(65536),
                                    new WebSocketClientProtocolHandler(handshaker),
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

                                        @Override
                                        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
                                            handshaken.completeExceptionally(cause);
                                            ctx.close();
                                        }
                                    });
                        }
                    })
                    .connect(new InetSocketAddress("127.0.0.1", port)).sync().channel();
            handshaken.get(10, TimeUnit.SECONDS);
            for (String m : List.of("hello", "", "x".repeat(50_000), "ünïcödé ✓")) {
                ch.writeAndFlush(new TextWebSocketFrame(m));
                String echoed = received.poll(10, TimeUnit.SECONDS);
                assertNotNull(echoed, "no echo of a message of " + m.length() + " chars");
                assertEquals("echo:" + m, echoed);
            }
            ch.writeAndFlush(new CloseWebSocketFrame());
            ch.closeFuture().await(10, TimeUnit.SECONDS);
            ch.close().sync();
        } finally {
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS).sync();
        }
    }

    // ---------------------------------------------------------------- fixtures

    /** A certificate and key written as PEM files. */
    record Pem(Certificates.SelfSigned cert, Path crt, Path key) {
    }

    private Pem pem(String name, String... names) {
        Certificates.SelfSigned c = Certificates.generateSelfSigned(List.of(names), Duration.ofDays(1));
        Path crt = dir.resolve(name + ".crt");
        Path key = dir.resolve(name + ".key");
        Certificates.writePem(crt, key, c);
        return new Pem(c, crt, key);
    }

    /** A started server with -addr and -tlsAddr (serving {@code pem}). */
    private static GtServer tlsServer(Pem pem) throws Exception {
        GtServer server = GtServer.builder().listenAddress("127.0.0.1:0").tlsListenAddress("127.0.0.1:0").certificateFile(pem.crt)
                .privateKeyFile(pem.key).user(ID, SECRET).build();
        try {
            server.start().get(10, TimeUnit.SECONDS);
        } catch (Exception | Error e) {
            server.close();
            throw e;
        }
        return server;
    }

    /** A client (not started) of {@code server}'s -tlsAddr as tls://localhost:PORT, serving {@code backend}. */
    private static GtClient tlsClient(GtServer server, Backend backend, Events events,
            java.util.function.Consumer<GtClient.Builder> trust) {
        GtClient.Builder b = GtClient.builder().id(ID).secret(SECRET)
                .server("tls://localhost:" + server.tlsListenAddress().getPort())
                .service(ServiceSpec.local(backend.url()).build())
                .reconnectDelay(Duration.ofMillis(200)).eventListener(events);
        trust.accept(b);
        return b.build();
    }

    /** A server with -addr and -sniAddr, and a client registering {@code https} as https://127.0.0.1:P. */
    private static final class SniSetup implements AutoCloseable {
        final GtServer server;
        final GtClient client;

        SniSetup(HttpsBackend https) throws Exception {
            server = GtServer.builder().listenAddress("127.0.0.1:0").sniListenAddress("127.0.0.1:0").user(ID, SECRET).build();
            server.start().get(10, TimeUnit.SECONDS);
            client = GtClient.builder().id(ID).secret(SECRET).server("tcp://127.0.0.1:" + server.listenAddress().getPort())
                    .service(ServiceSpec.local("https://127.0.0.1:" + https.port()).build())
                    .reconnectDelay(Duration.ofMillis(200)).build();
            try {
                client.start().get(10, TimeUnit.SECONDS);
            } catch (Exception | Error e) {
                close();
                throw e;
            }
            assertNotNull(server.sniListenAddress());
        }

        @Override
        public void close() {
            client.close();
            server.close();
        }
    }

    /** An SSL context trusting only the certificate of {@code pem}. */
    private static SSLContext trustOnly(Pem pem) throws Exception {
        KeyStore ks = KeyStore.getInstance("PKCS12");
        ks.load(null, null);
        ks.setCertificateEntry("only", pem.cert.certificate());
        TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        tmf.init(ks);
        SSLContext ctx = SSLContext.getInstance("TLS");
        ctx.init(null, tmf.getTrustManagers(), null);
        return ctx;
    }

    /** A TLS socket over a TCP connection to {@code addr}, for {@code host} (SNI and endpoint identity). */
    private static SSLSocket sslOver(SSLContext ctx, InetSocketAddress addr, String host) throws IOException {
        Socket plain = new Socket();
        plain.connect(addr, 5000);
        plain.setSoTimeout(10_000);
        SSLSocket s = (SSLSocket) ctx.getSocketFactory().createSocket(plain, host, addr.getPort(), true);
        SSLParameters p = s.getSSLParameters();
        p.setServerNames(List.of(new SNIHostName(host)));
        p.setEndpointIdentificationAlgorithm("HTTPS");
        s.setSSLParameters(p);
        return s;
    }

    /** The bytes of a real ClientHello for {@code host}, as a JDK SSLEngine's first wrap produces them. */
    private static byte[] clientHello(SSLContext ctx, String host) throws Exception {
        SSLEngine engine = ctx.createSSLEngine(host, 443);
        engine.setUseClientMode(true);
        SSLParameters p = engine.getSSLParameters();
        p.setServerNames(List.of(new SNIHostName(host)));
        engine.setSSLParameters(p);
        engine.beginHandshake();
        ByteBuffer net = ByteBuffer.allocate(engine.getSession().getPacketBufferSize());
        SSLEngineResult r = engine.wrap(ByteBuffer.allocate(0), net);
        assertEquals(SSLEngineResult.Status.OK, r.getStatus());
        net.flip();
        byte[] hello = new byte[net.remaining()];
        net.get(hello);
        return hello;
    }

    /**
     * A local HTTPS service (Netty, certificate {@code pem}) answering every request with 200 and
     * "{@value #BODY} PATH".
     */
    private static final class HttpsBackend implements AutoCloseable {
        private final EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
        private final Channel server;
        final java.util.concurrent.atomic.AtomicInteger connections = new java.util.concurrent.atomic.AtomicInteger();
        final List<String> handshakes = new java.util.concurrent.CopyOnWriteArrayList<>();
        final List<Throwable> failures = new java.util.concurrent.CopyOnWriteArrayList<>();

        HttpsBackend(Pem pem) throws Exception {
            SslContext ssl = SslContextBuilder.forServer(pem.crt.toFile(), pem.key.toFile()).build();
            server = new ServerBootstrap().group(group).channel(NioServerSocketChannel.class)
                    .childHandler(new ChannelInitializer<Channel>() {
                        @Override
                        protected void initChannel(Channel ch) {
                            connections.incrementAndGet();
                            ch.pipeline().addLast(ssl.newHandler(ch.alloc()), new HttpServerCodec(),
                                    new HttpObjectAggregator(1 << 20),
                                    new SimpleChannelInboundHandler<FullHttpRequest>() {
                                        @Override
                                        public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
                                            if (evt instanceof io.netty.handler.ssl.SslHandshakeCompletionEvent e) {
                                                if (e.isSuccess()) {
                                                    handshakes.add("ok");
                                                } else {
                                                    failures.add(e.cause());
                                                }
                                            }
                                            ctx.fireUserEventTriggered(evt);
                                        }

                                        @Override
                                        protected void channelRead0(ChannelHandlerContext ctx, FullHttpRequest req) {
                                            byte[] body = (BODY + " " + req.uri()).getBytes(StandardCharsets.UTF_8);
                                            FullHttpResponse res = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1,
                                                    HttpResponseStatus.OK, Unpooled.wrappedBuffer(body));
                                            res.headers().set(HttpHeaderNames.CONTENT_LENGTH, body.length);
                                            res.headers().set(HttpHeaderNames.CONNECTION, "close");
                                            ctx.writeAndFlush(res).addListener(ChannelFutureListener.CLOSE);
                                        }

                                        @Override
                                        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
                                            ctx.close();
                                        }
                                    });
                        }
                    }).bind("127.0.0.1", 0).syncUninterruptibly().channel();
        }

        int port() {
            return ((InetSocketAddress) server.localAddress()).getPort();
        }

        @Override
        public void close() {
            server.close().syncUninterruptibly();
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
        }
    }
}

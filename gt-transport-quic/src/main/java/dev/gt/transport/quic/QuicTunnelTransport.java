package dev.gt.transport.quic;

import dev.gt.api.CongestionControl;
import dev.gt.api.spi.IoEngine;
import dev.gt.api.spi.TunnelConnection;
import dev.gt.api.spi.TunnelDialRequest;
import dev.gt.api.spi.TunnelListenRequest;
import dev.gt.api.spi.TunnelListener;
import dev.gt.api.spi.TunnelTransport;
import dev.gt.api.spi.TunnelTransportSettings;
import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoop;
import io.netty.handler.codec.quic.QuicChannel;
import io.netty.handler.codec.quic.QuicChannelOption;
import io.netty.handler.codec.quic.QuicClientCodecBuilder;
import io.netty.handler.codec.quic.QuicCodecBuilder;
import io.netty.handler.codec.quic.QuicCongestionControlAlgorithm;
import io.netty.handler.codec.quic.QuicSslContext;
import io.netty.handler.codec.quic.QuicSslContextBuilder;
import io.netty.handler.codec.quic.QuicStreamChannel;
import io.netty.handler.codec.quic.QuicStreamType;
import io.netty.handler.flush.FlushConsolidationHandler;
import java.net.Inet6Address;
import java.net.InetSocketAddress;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * QUIC tunnels for one client or server. A client tunnel is one QUIC connection on a UDP socket of
 * its own: the client opens the first bidirectional stream as the control stream (the hello, then
 * the core's control frames), and the server opens one stream per visitor. A server listens with
 * one UDP socket, or one per event loop where the engine can share a port ({@code SO_REUSEPORT}),
 * packets then being steered to the socket that owns their connection id, so a client whose address
 * changes (NAT rebinding) still reaches its connection.
 */
final class QuicTunnelTransport implements TunnelTransport {
    private static final Logger log = LoggerFactory.getLogger(QuicTunnelTransport.class);
    /**
     * The application protocols offered and accepted: this version of GT for Java's protocol, and
     * the version-less name, so that a server of another version still completes the TLS handshake
     * and answers the hello with its version (ERROR 10) as over TCP.
     */
    static final String[] ALPN = {"gt-java/0x10", "gt-java"};
    /** Connection-level receive window (quiche grows it up to 24 MiB as needed). */
    static final long CONNECTION_WINDOW = 16L << 20;
    /** Per-stream receive window (quiche grows it up to 16 MiB for a fast stream). */
    static final long STREAM_WINDOW = 1L << 20;
    /** Streams the server may open on a client's connection at once (the client refuses more). */
    static final long SERVER_STREAMS = 16_384;
    /**
     * The UDP socket buffers: QUIC sends a congestion window in a burst (Netty does not pace), and
     * the kernel's default of about 200 KiB drops the tail of a fast burst, which QUIC reads as loss.
     * The kernel caps this at {@code net.core.rmem_max}/{@code wmem_max}; raise those to let it take.
     */
    static final int UDP_BUFFER = 4 << 20;
    /** Streams a client may open: the control stream, and a few that are refused. */
    static final long CLIENT_STREAMS = 4;

    private final TunnelTransportSettings settings;
    private final IoEngine engine;
    private final QuicSslContext clientTls;
    private final QuicSslContext serverTls;
    private final String description;

    QuicTunnelTransport(TunnelTransportSettings settings) {
        this.settings = settings;
        this.engine = settings.engine();
        QuicSslContextBuilder c = QuicSslContextBuilder.forClient().applicationProtocols(ALPN).earlyData(false);
        if (settings.trustManager() != null) {
            c.trustManager(settings.trustManager());
        }
        if (!settings.verifyHostname()) {
            // A pinned certificate names its server exactly; insecure mode checks nothing.
            c.endpointIdentificationAlgorithm(null);
        }
        this.clientTls = c.build();
        this.serverTls = settings.isServer()
                ? QuicSslContextBuilder.forServer(settings.serverKey(), null,
                        settings.serverCertificates().toArray(new java.security.cert.X509Certificate[0]))
                        .applicationProtocols(ALPN).earlyData(false).build()
                : null;
        this.description = "QUIC (TLS 1.3, " + settings.congestionControl()
                + (engine.canSegmentDatagrams() ? ", UDP GSO" : "") + ")";
    }

    @Override
    public String scheme() {
        return "quic";
    }

    @Override
    public String description() {
        return description;
    }

    boolean canSegmentDatagrams() {
        return engine.canSegmentDatagrams();
    }

    static QuicCongestionControlAlgorithm algorithm(CongestionControl cc) {
        return cc == CongestionControl.BBR ? QuicCongestionControlAlgorithm.BBR : QuicCongestionControlAlgorithm.CUBIC;
    }

    /**
     * The QUIC codec writes a datagram for every stream write made outside its own read loop: a
     * visitor's request read from a TCP socket, or an answer from a local service, each costs a
     * {@code sendmsg}. Consolidating those flushes until the event loop has handled the rest of its
     * ready sockets hands the datagram channel several packets at once, which it sends in one
     * {@code sendmmsg}; latency grows by at most the rest of one loop iteration.
     */
    static FlushConsolidationHandler flushConsolidation() {
        return new FlushConsolidationHandler(FlushConsolidationHandler.DEFAULT_EXPLICIT_FLUSH_AFTER_FLUSHES, true);
    }

    /** The settings both ends share: windows, stream limits, congestion control, idle timeout. */
    <B extends QuicCodecBuilder<B>> B common(B b, java.time.Duration idleTimeout, long peerStreams) {
        b.congestionControlAlgorithm(algorithm(settings.congestionControl()))
                .initialMaxData(CONNECTION_WINDOW)
                .initialMaxStreamDataBidirectionalLocal(STREAM_WINDOW)
                .initialMaxStreamDataBidirectionalRemote(STREAM_WINDOW)
                .initialMaxStreamsBidirectional(peerStreams)
                .initialMaxStreamsUnidirectional(0)
                .initialMaxStreamDataUnidirectional(0)
                // A client behind NAT may change its address; the server follows it.
                .activeMigration(true);
        if (!idleTimeout.isZero()) {
            b.maxIdleTimeout(idleTimeout.toMillis(), TimeUnit.MILLISECONDS);
        }
        return b;
    }

    @Override
    public CompletableFuture<TunnelConnection> dial(TunnelDialRequest request) {
        CompletableFuture<TunnelConnection> done = new CompletableFuture<>();
        EventLoop loop = engine.group().next();
        InetSocketAddress remote = new InetSocketAddress(request.address(), request.port());
        ChannelHandler codec = common(new QuicClientCodecBuilder(), request.idleTimeout(), SERVER_STREAMS)
                // The host of the URL names the server for SNI and the certificate check.
                .sslEngineProvider(q -> clientTls.newEngine(q.alloc(), request.host(), request.port()))
                .build();
        InetSocketAddress local = new InetSocketAddress(request.address() instanceof Inet6Address
                ? "::" : "0.0.0.0", 0);
        new Bootstrap().group(loop).channelFactory(engine.datagramChannelFactory())
                .option(ChannelOption.SO_RCVBUF, UDP_BUFFER).option(ChannelOption.SO_SNDBUF, UDP_BUFFER)
                .handler(new ChannelInitializer<Channel>() {
                    @Override
                    protected void initChannel(Channel ch) {
                        ch.pipeline().addLast(flushConsolidation(), codec, DatagramErrors.INSTANCE);
                    }
                }).bind(local)
                .addListener((ChannelFuture bound) -> {
                    if (!bound.isSuccess()) {
                        done.completeExceptionally(bound.cause());
                        return;
                    }
                    connect(bound.channel(), remote, request, done);
                });
        return done;
    }

    private void connect(Channel udp, InetSocketAddress remote, TunnelDialRequest request,
            CompletableFuture<TunnelConnection> done) {
        QuicConnection[] conn = new QuicConnection[1];
        QuicChannel.newBootstrap(udp)
                .option(QuicChannelOption.SEGMENTED_DATAGRAM_PACKET_ALLOCATOR,
                        Segmentation.forEngine(engine.canSegmentDatagrams()))
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS,
                        (int) Math.max(1, Math.min(request.connectTimeout().toMillis(), Integer.MAX_VALUE)))
                .handler(new ChannelInboundHandlerAdapter())
                // Streams the server opens: held for the core's acceptor, reading off.
                .streamHandler(new ChannelInitializer<QuicStreamChannel>() {
                    @Override
                    protected void initChannel(QuicStreamChannel ch) {
                        ch.config().setAutoRead(false);
                        QuicConnection c = conn[0];
                        if (c == null) {
                            ch.close();
                        } else {
                            c.onRemoteStream(ch);
                        }
                    }
                })
                .remoteAddress(remote)
                .connect()
                .addListener(f -> {
                    if (!f.isSuccess()) {
                        udp.close();
                        done.completeExceptionally(f.cause());
                        return;
                    }
                    QuicChannel quic = (QuicChannel) f.getNow();
                    // The UDP socket is this connection's alone.
                    quic.closeFuture().addListener(x -> udp.close());
                    quic.createStream(QuicStreamType.BIDIRECTIONAL, new ChannelInitializer<QuicStreamChannel>() {
                        @Override
                        protected void initChannel(QuicStreamChannel ch) {
                            ch.config().setOption(ChannelOption.ALLOW_HALF_CLOSURE, false);
                            conn[0] = new QuicConnection(quic, ch, description);
                            request.initializer().accept(ch);
                        }
                    }).addListener(s -> {
                        if (!s.isSuccess()) {
                            quic.close();
                            done.completeExceptionally(s.cause());
                            return;
                        }
                        done.complete(conn[0]);
                    });
                });
    }

    @Override
    public CompletableFuture<TunnelListener> listen(TunnelListenRequest request) {
        if (serverTls == null) {
            return CompletableFuture.failedFuture(new IllegalStateException(
                    "quic:// listeners need a certificate in the transport settings"));
        }
        return QuicServer.bind(this, engine, serverTls, request);
    }

    @Override
    public void close() {
        // Channels belong to the engine's loops; the SSL contexts are freed by the GC.
        log.trace("QUIC transport closed");
    }
}

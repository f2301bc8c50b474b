package dev.gt.transport.quic;

import dev.gt.api.spi.IoEngine;
import dev.gt.api.spi.TunnelListenRequest;
import dev.gt.api.spi.TunnelListener;
import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.group.DefaultChannelGroup;
import io.netty.handler.codec.quic.QuicChannel;
import io.netty.handler.codec.quic.QuicChannelOption;
import io.netty.handler.codec.quic.QuicCodecDispatcher;
import io.netty.handler.codec.quic.QuicConnectionIdGenerator;
import io.netty.handler.codec.quic.QuicServerCodecBuilder;
import io.netty.handler.codec.quic.QuicSslContext;
import io.netty.handler.codec.quic.QuicStreamChannel;
import io.netty.util.AttributeKey;
import io.netty.util.concurrent.EventExecutor;
import io.netty.util.concurrent.GlobalEventExecutor;
import io.netty.util.concurrent.ScheduledFuture;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The server side of {@code quic://}: UDP sockets on one port (one per event loop where the engine
 * can share a port), a QUIC codec on each, and per connection a handler that waits for the
 * client's control stream within the handshake timeout and hands the connection to the core.
 */
final class QuicServer implements TunnelListener {
    private static final Logger log = LoggerFactory.getLogger(QuicServer.class);
    private static final AttributeKey<ConnectionState> STATE = AttributeKey.valueOf("gt.quic.connection");
    /** Connection ids of 16 bytes: 2 name the socket that owns the connection, 14 are random. */
    private static final int CONNECTION_ID_LENGTH = 16;

    private final List<Channel> sockets = new ArrayList<>();
    private final ChannelGroup connections = new DefaultChannelGroup("gt-quic", GlobalEventExecutor.INSTANCE);
    private final AtomicBoolean closed = new AtomicBoolean();
    private final CompletableFuture<Void> closeFuture = new CompletableFuture<>();
    private volatile InetSocketAddress localAddress;

    /** What the server knows about one connection before and after its control stream. */
    private static final class ConnectionState {
        QuicConnection connection;
        ScheduledFuture<?> deadline;
    }

    private QuicServer() {
    }

    static CompletableFuture<TunnelListener> bind(QuicTunnelTransport transport, IoEngine engine, QuicSslContext tls,
            TunnelListenRequest request) {
        QuicServer server = new QuicServer();
        List<EventExecutor> loops = new ArrayList<>();
        engine.group().forEach(loops::add);
        int sockets = engine.reusePortOption() != null ? loops.size() : 1;
        QuicCodecDispatcher dispatcher = new QuicCodecDispatcher(CONNECTION_ID_LENGTH) {
            @Override
            protected void initChannel(Channel channel, int idLength, QuicConnectionIdGenerator ids) {
                channel.pipeline().addLast(QuicTunnelTransport.flushConsolidation(),
                        server.codec(transport, tls, request, idLength, ids), DatagramErrors.INSTANCE);
            }
        };
        CompletableFuture<TunnelListener> done = new CompletableFuture<>();
        server.bindNext(engine, dispatcher, request.address(), sockets, done);
        return done;
    }

    private io.netty.channel.ChannelHandler codec(QuicTunnelTransport transport, QuicSslContext tls,
            TunnelListenRequest request, int idLength, QuicConnectionIdGenerator ids) {
        return transport.common(new QuicServerCodecBuilder(), request.idleTimeout(), QuicTunnelTransport.CLIENT_STREAMS)
                .sslContext(tls)
                .option(QuicChannelOption.SEGMENTED_DATAGRAM_PACKET_ALLOCATOR,
                        Segmentation.forEngine(transport.canSegmentDatagrams()))
                .localConnectionIdLength(idLength)
                .connectionIdAddressGenerator(ids)
                // No token handler: no Retry round trip; QUIC's anti-amplification limit (3x) bounds
                // what an unvalidated address gets, as with quic-go's defaults in GT.
                .handler(new ChannelInitializer<QuicChannel>() {
                    @Override
                    protected void initChannel(QuicChannel quic) {
                        connections.add(quic);
                        ConnectionState st = new ConnectionState();
                        quic.attr(STATE).set(st);
                        quic.pipeline().addLast(new ConnectionHandler(st, request));
                    }
                })
                .streamHandler(new ChannelInitializer<QuicStreamChannel>() {
                    @Override
                    protected void initChannel(QuicStreamChannel ch) {
                        ch.config().setAutoRead(false);
                        onStream(transport, ch, request);
                    }
                })
                .build();
    }

    /** The first stream the client opens is the control stream; later ones go to the core's acceptor. */
    private void onStream(QuicTunnelTransport transport, QuicStreamChannel ch, TunnelListenRequest request) {
        QuicChannel quic = ch.parent();
        ConnectionState st = quic.attr(STATE).get();
        if (st == null || closed.get()) {
            ch.close();
            return;
        }
        if (st.connection != null) {
            st.connection.onRemoteStream(ch);
            return;
        }
        if (st.deadline != null) {
            st.deadline.cancel(false);
        }
        ch.config().setOption(ChannelOption.ALLOW_HALF_CLOSURE, false);
        st.connection = new QuicConnection(quic, ch, transport.description());
        request.onConnection().accept(st.connection);
    }

    /** Closes a connection that opens no control stream within the handshake timeout. */
    private static final class ConnectionHandler extends ChannelInboundHandlerAdapter {
        private final ConnectionState state;
        private final TunnelListenRequest request;

        ConnectionHandler(ConnectionState state, TunnelListenRequest request) {
            this.state = state;
            this.request = request;
        }

        @Override
        public void handlerAdded(ChannelHandlerContext ctx) {
            long timeout = request.handshakeTimeout().toNanos();
            if (timeout > 0) {
                state.deadline = ctx.executor().schedule(() -> {
                    if (state.connection == null) {
                        log.debug("QUIC connection from {} opened no control stream within {}",
                                ((QuicChannel) ctx.channel()).remoteSocketAddress(), request.handshakeTimeout());
                        ctx.close();
                    }
                }, timeout, TimeUnit.NANOSECONDS);
            }
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) {
            if (state.deadline != null) {
                state.deadline.cancel(false);
            }
            ctx.fireChannelInactive();
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            // A failed TLS handshake (an unknown CA, a wrong ALPN) or a protocol error: the
            // connection is gone; quiche has told the client why.
            log.debug("QUIC connection from {} failed: {}", ((QuicChannel) ctx.channel()).remoteSocketAddress(),
                    cause.toString());
            ctx.close();
        }
    }

    private void bindNext(IoEngine engine, QuicCodecDispatcher dispatcher, InetSocketAddress address, int left,
            CompletableFuture<TunnelListener> done) {
        Bootstrap b = new Bootstrap().group(engine.group()).channelFactory(engine.datagramChannelFactory())
                .option(ChannelOption.SO_RCVBUF, QuicTunnelTransport.UDP_BUFFER)
                .option(ChannelOption.SO_SNDBUF, QuicTunnelTransport.UDP_BUFFER)
                .handler(dispatcher);
        if (engine.reusePortOption() != null) {
            b.option(engine.reusePortOption(), true);
        }
        b.bind(address).addListener((ChannelFuture f) -> {
            if (!f.isSuccess()) {
                close();
                done.completeExceptionally(f.cause());
                return;
            }
            synchronized (sockets) {
                sockets.add(f.channel());
            }
            InetSocketAddress bound = (InetSocketAddress) f.channel().localAddress();
            if (localAddress == null) {
                localAddress = bound;
            }
            if (left > 1) {
                bindNext(engine, dispatcher, bound, left - 1, done);
            } else {
                done.complete(this);
            }
        });
    }

    @Override
    public InetSocketAddress localAddress() {
        return localAddress;
    }

    @Override
    public CompletableFuture<Void> close() {
        if (!closed.compareAndSet(false, true)) {
            return closeFuture;
        }
        connections.close().addListener(c -> {
            List<Channel> all;
            synchronized (sockets) {
                all = new ArrayList<>(sockets);
            }
            if (all.isEmpty()) {
                closeFuture.complete(null);
                return;
            }
            java.util.concurrent.atomic.AtomicInteger open = new java.util.concurrent.atomic.AtomicInteger(all.size());
            for (Channel s : all) {
                s.close().addListener(x -> {
                    if (open.decrementAndGet() == 0) {
                        closeFuture.complete(null);
                    }
                });
            }
        });
        return closeFuture;
    }
}

package dev.gt.transport.tcp;

import dev.gt.api.spi.IoEngine;
import dev.gt.api.spi.TunnelConnection;
import dev.gt.api.spi.TunnelDialRequest;
import dev.gt.api.spi.TunnelTransport;
import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.handler.ssl.SslContext;
import java.net.InetSocketAddress;
import java.util.concurrent.CompletableFuture;

/**
 * A tunnel over one TCP connection, plain ({@code tcp}) or inside TLS ({@code tls}): an ordered,
 * reliable byte pipe over which the core runs its multiplexer.
 */
final class ByteStreamTunnelTransport implements TunnelTransport {
    private final String scheme;
    private final IoEngine engine;
    /** The client TLS context, or {@code null} for plain TCP. */
    private final SslContext tls;
    private final String description;

    ByteStreamTunnelTransport(String scheme, IoEngine engine, SslContext tls, String description) {
        this.scheme = scheme;
        this.engine = engine;
        this.tls = tls;
        this.description = description;
    }

    @Override
    public String scheme() {
        return scheme;
    }

    @Override
    public String description() {
        return description;
    }

    @Override
    public CompletableFuture<TunnelConnection> dial(TunnelDialRequest request) {
        CompletableFuture<TunnelConnection> connected = new CompletableFuture<>();
        Bootstrap b = new Bootstrap().group(engine.group()).channelFactory(engine.socketChannelFactory())
                .option(ChannelOption.TCP_NODELAY, true)
                .option(ChannelOption.SO_KEEPALIVE, true)
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS,
                        (int) Math.max(1, Math.min(request.connectTimeout().toMillis(), Integer.MAX_VALUE)))
                .handler(new ChannelInitializer<Channel>() {
                    @Override
                    protected void initChannel(Channel ch) {
                        if (tls != null) {
                            // Host and port name the server for SNI and the certificate check.
                            ch.pipeline().addLast("gt-tls", tls.newHandler(ch.alloc(), request.host(), request.port()));
                        }
                        request.initializer().accept(ch);
                    }
                });
        b.connect(new InetSocketAddress(request.address(), request.port())).addListener((ChannelFuture f) -> {
            if (f.isSuccess()) {
                connected.complete(new Connection(f.channel(), scheme));
            } else {
                connected.completeExceptionally(f.cause());
            }
        });
        return connected;
    }

    @Override
    public void close() {
        // Nothing to release: the channels belong to the engine's loops, the context to the GC.
    }

    private record Connection(Channel channel, String scheme) implements TunnelConnection { }
}

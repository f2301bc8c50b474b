package dev.gt.transport.quic;

import dev.gt.api.spi.PathStats;
import dev.gt.api.spi.TunnelConnection;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.handler.codec.quic.QuicChannel;
import io.netty.handler.codec.quic.QuicConnectionPathStats;
import io.netty.handler.codec.quic.QuicConnectionStats;
import io.netty.handler.codec.quic.QuicStreamChannel;
import io.netty.handler.codec.quic.QuicStreamResetException;
import io.netty.handler.codec.quic.QuicStreamType;
import java.net.SocketAddress;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;

/**
 * One QUIC connection as a tunnel: the control stream is {@link #channel()}, visitor streams are
 * QUIC streams. Closing the control stream closes the connection (and the other way round), so
 * the core's tunnel lifecycle is the connection's. Touched on the connection's event loop, except
 * {@link #remoteAddress()} and {@link #pathStats()}.
 */
final class QuicConnection implements TunnelConnection {
    private final QuicChannel quic;
    private final QuicStreamChannel control;
    private final String description;
    private Consumer<Channel> acceptor;
    /** The peer's last known address: the channel forgets it once closed, logs still name it. */
    private volatile SocketAddress lastRemote;
    /** Streams of the other side that came before the acceptor. */
    private ArrayDeque<QuicStreamChannel> held;

    QuicConnection(QuicChannel quic, QuicStreamChannel control, String description) {
        this.quic = quic;
        this.control = control;
        this.description = description;
        this.lastRemote = quic.remoteSocketAddress();
        control.closeFuture().addListener(f -> quic.close());
    }

    QuicChannel quic() {
        return quic;
    }

    @Override
    public Channel channel() {
        return control;
    }

    @Override
    public String scheme() {
        return "quic";
    }

    @Override
    public String description() {
        return description;
    }

    @Override
    public SocketAddress remoteAddress() {
        // The UDP address the connection reaches its peer at now (it follows a migrating client).
        SocketAddress now = quic.remoteSocketAddress();
        if (now != null) {
            lastRemote = now;
            return now;
        }
        return lastRemote;
    }

    @Override
    public SocketAddress localAddress() {
        return quic.localSocketAddress();
    }

    @Override
    public boolean hasNativeStreams() {
        return true;
    }

    @Override
    public CompletableFuture<Channel> openStream(Consumer<Channel> initializer) {
        CompletableFuture<Channel> done = new CompletableFuture<>();
        quic.createStream(QuicStreamType.BIDIRECTIONAL, new ChannelInitializer<QuicStreamChannel>() {
            @Override
            protected void initChannel(QuicStreamChannel ch) {
                initializer.accept(ch);
            }
        }).addListener(f -> {
            if (f.isSuccess()) {
                done.complete((Channel) f.getNow());
            } else {
                done.completeExceptionally(f.cause());
            }
        });
        return done;
    }

    @Override
    public void acceptStreams(Consumer<Channel> acceptor) {
        if (quic.eventLoop().inEventLoop()) {
            setAcceptor(acceptor);
        } else {
            quic.eventLoop().execute(() -> setAcceptor(acceptor));
        }
    }

    private void setAcceptor(Consumer<Channel> a) {
        acceptor = a;
        if (held != null) {
            QuicStreamChannel s;
            while ((s = held.poll()) != null) {
                if (s.isActive()) {
                    a.accept(s);
                }
            }
            held = null;
        }
    }

    /** A stream the other side opened (registered, reading off). */
    void onRemoteStream(QuicStreamChannel ch) {
        if (acceptor != null) {
            acceptor.accept(ch);
            return;
        }
        if (held == null) {
            held = new ArrayDeque<>(2);
        }
        if (held.size() >= QuicTunnelTransport.CLIENT_STREAMS) {
            ch.close();
            return;
        }
        held.add(ch);
    }

    @Override
    public void resetStream(Channel stream, long code) {
        QuicStreamChannel s = (QuicStreamChannel) stream;
        int c = (int) Math.min(code, Integer.MAX_VALUE);
        // RESET_STREAM ends what this side sends, STOP_SENDING what the other side sends; both carry
        // the GT error code. Then the channel is closed.
        s.shutdown(c).addListener(f -> s.close());
    }

    @Override
    public long resetCode(Throwable failure) {
        Throwable t = failure;
        while (t != null) {
            if (t instanceof QuicStreamResetException) {
                long code = ((QuicStreamResetException) t).applicationProtocolCode();
                return code < 0 ? 0 : code;
            }
            t = t.getCause() == t ? null : t.getCause();
        }
        return -1;
    }

    @Override
    public CompletableFuture<PathStats> pathStats() {
        CompletableFuture<PathStats> done = new CompletableFuture<>();
        if (!quic.isActive()) {
            done.complete(PathStats.UNKNOWN);
            return done;
        }
        quic.collectStats().addListener(f -> {
            if (!f.isSuccess()) {
                done.complete(PathStats.UNKNOWN);
                return;
            }
            QuicConnectionStats c = (QuicConnectionStats) f.getNow();
            quic.collectPathStats(0).addListener(p -> {
                if (!p.isSuccess()) {
                    done.complete(new PathStats(null, c.sent(), c.lost(), c.sentBytes(), -1, -1));
                    return;
                }
                QuicConnectionPathStats path = (QuicConnectionPathStats) p.getNow();
                done.complete(new PathStats(Duration.ofNanos(path.rtt()), c.sent(), c.lost(), c.sentBytes(),
                        path.cwnd(), path.deliveryRate()));
            });
        });
        return done;
    }

    @Override
    public String toString() {
        return "QUIC connection to " + remoteAddress();
    }
}

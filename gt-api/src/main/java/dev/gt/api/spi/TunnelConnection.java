package dev.gt.api.spi;

import io.netty.channel.Channel;
import java.net.SocketAddress;
import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;

/**
 * One tunnel connection as its transport carries it. For a byte-pipe transport (tcp, tls) the
 * {@link #channel()} is the whole connection and the core multiplexes its streams over it; a
 * transport with native streams (QUIC) gives the control stream as the channel and one stream of
 * its own per visitor ({@link #openStream}, {@link #acceptStreams}).
 *
 * <p>A native stream is a {@link io.netty.channel.socket.DuplexChannel} on the connection's event
 * loop (the loop of {@link #channel()}): {@code shutdownOutput()} after the last write's future
 * half-closes it (QUIC FIN), its own writability is the transport's per-stream flow control, and
 * it is read with {@code read()}/AUTO_READ like a socket. Closing {@link #channel()} closes the
 * connection and every stream with it.
 */
public interface TunnelConnection {
    /** The ordered, reliable byte pipe the handshake and the control frames travel on. */
    Channel channel();

    /** The transport's scheme ({@code tcp}, {@code tls}, {@code quic}). */
    String scheme();

    /**
     * The other end's address: for a transport that follows its peer to a new address (QUIC
     * connection migration), the current one.
     */
    default SocketAddress remoteAddress() {
        return channel().remoteAddress();
    }

    /** This end's address (for QUIC the UDP socket's, not a stream's). */
    default SocketAddress localAddress() {
        return channel().localAddress();
    }

    /** Whether visitor streams are streams of the transport itself rather than multiplexed over {@link #channel()}. */
    default boolean hasNativeStreams() {
        return false;
    }

    /**
     * Opens a native stream; {@code initializer} sets up its pipeline before any byte is read.
     * The future completes on the connection's event loop, and fails when the peer allows no
     * more streams now or the connection is gone.
     *
     * @throws UnsupportedOperationException when {@link #hasNativeStreams()} is false
     */
    default CompletableFuture<Channel> openStream(Consumer<Channel> initializer) {
        throw new UnsupportedOperationException(scheme() + " tunnels have no native streams");
    }

    /**
     * Sets who receives the native streams the other side opens (called on the connection's loop,
     * with the stream registered and its AUTO_READ off); streams that arrive before are held for
     * it. Only one acceptor; a later call replaces it.
     *
     * @throws UnsupportedOperationException when {@link #hasNativeStreams()} is false
     */
    default void acceptStreams(Consumer<Channel> acceptor) {
        throw new UnsupportedOperationException(scheme() + " tunnels have no native streams");
    }

    /**
     * Aborts a native stream in both directions with an application error code (QUIC:
     * RESET_STREAM and STOP_SENDING) and closes it; bytes not yet delivered are discarded.
     */
    default void resetStream(Channel stream, long code) {
        stream.close();
    }

    /**
     * The code the other side aborted a native stream with, when {@code failure} (caught on the
     * stream's pipeline) says so; -1 for any other failure.
     */
    default long resetCode(Throwable failure) {
        return -1;
    }

    /** What the transport knows about the path now (completes on the connection's loop or at once). */
    default CompletableFuture<PathStats> pathStats() {
        return CompletableFuture.completedFuture(PathStats.UNKNOWN);
    }

    /** What carries the connection, for logs ({@code QUIC (TLS 1.3, CUBIC)}). */
    default String description() {
        return scheme();
    }
}

package dev.gt.api.spi;

import io.netty.channel.Channel;
import java.net.SocketAddress;

/**
 * One tunnel connection as its transport carries it. For a byte-pipe transport (tcp, tls) the
 * {@link #channel()} is the whole connection and the core multiplexes its streams over it; a
 * transport with native streams (QUIC) gives the control stream as the channel and one stream of
 * its own per visitor.
 */
public interface TunnelConnection {
    /** The ordered, reliable byte pipe the handshake and the control frames travel on. */
    Channel channel();

    /** The transport's scheme ({@code tcp}, {@code tls}, {@code quic}). */
    String scheme();

    /** The other end's address. */
    default SocketAddress remoteAddress() {
        return channel().remoteAddress();
    }

    /** Whether visitor streams are streams of the transport itself rather than multiplexed over {@link #channel()}. */
    default boolean hasNativeStreams() {
        return false;
    }
}

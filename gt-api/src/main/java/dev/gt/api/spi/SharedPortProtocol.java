package dev.gt.api.spi;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandler;

/**
 * A protocol that shares the server's main TCP listener with tunnels and HTTP visitors, told apart
 * by its first bytes (xRTC's "one port for HTTP, WebSocket and ICE-TCP"): STUN and TURN over TCP,
 * for instance. The server's sniffer asks it before routing a visitor as HTTP, so its first bytes
 * must not look like an HTTP request (an HTTP method starts with a letter) nor start with GT's
 * tunnel magic {@code F0}.
 */
public interface SharedPortProtocol {
    /** A name for logs. */
    String name();

    /** How many first bytes {@link #matches} needs to decide. */
    int bytesNeeded();

    /**
     * Whether the connection's first bytes are this protocol's; {@code firstBytes} holds at least
     * {@link #bytesNeeded()} bytes (or all the peer sent before it stopped) and must not be
     * consumed or changed.
     */
    boolean matches(ByteBuf firstBytes);

    /**
     * The handler that takes the connection over: it replaces the sniffer in the pipeline, gets the
     * bytes read so far as its first {@code channelRead}, and is responsible for the connection
     * from then on (including turning AUTO_READ on). Called on the connection's event loop.
     */
    ChannelHandler newHandler();
}

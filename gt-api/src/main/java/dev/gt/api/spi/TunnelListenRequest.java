package dev.gt.api.spi;

import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.Objects;
import java.util.function.Consumer;

/**
 * What a server asks of a tunnel transport with a port of its own ({@link TunnelTransport#listen}).
 *
 * @param address where to listen (port 0 picks a free one)
 * @param handshakeTimeout how long a connection may take from its first packet until its control
 *     stream is open; the core then bounds the hello with the rest of it
 * @param idleTimeout the transport's own idle timeout for a connection (zero: none); the core's
 *     keepalive keeps live tunnels from reaching it
 * @param onConnection receives each new tunnel connection, on its event loop, once its control
 *     stream is open ({@link TunnelConnection#channel()}); the core owns it from then on
 */
public record TunnelListenRequest(InetSocketAddress address, Duration handshakeTimeout, Duration idleTimeout,
        Consumer<TunnelConnection> onConnection) {
    /** Checks the arguments. */
    public TunnelListenRequest {
        Objects.requireNonNull(address, "address");
        Objects.requireNonNull(handshakeTimeout, "handshakeTimeout");
        Objects.requireNonNull(idleTimeout, "idleTimeout");
        Objects.requireNonNull(onConnection, "onConnection");
    }
}

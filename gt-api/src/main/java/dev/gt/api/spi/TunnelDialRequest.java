package dev.gt.api.spi;

import io.netty.channel.Channel;
import java.net.InetAddress;
import java.time.Duration;
import java.util.Objects;
import java.util.function.Consumer;

/**
 * What to dial: the server's name (for TLS's server name and certificate check) and resolved
 * address, and how the core wants the new channel set up.
 *
 * @param host the server's host name or literal, as in the {@code -remote} URL
 * @param port the server's port
 * @param address the resolved address to connect to
 * @param connectTimeout how long the connection may take
 * @param idleTimeout the transport's own idle timeout, for a transport that has one (QUIC); zero
 *     for none. The core's keepalive keeps a live tunnel from reaching it.
 * @param initializer adds the core's handlers to the new channel's pipeline (after the
 *     transport's own, such as TLS), before it connects; for a transport with native streams, to
 *     the control stream's
 */
public record TunnelDialRequest(String host, int port, InetAddress address, Duration connectTimeout,
        Duration idleTimeout, Consumer<Channel> initializer) {
    /** Checks the arguments. */
    public TunnelDialRequest {
        Objects.requireNonNull(host, "host");
        Objects.requireNonNull(address, "address");
        Objects.requireNonNull(connectTimeout, "connectTimeout");
        Objects.requireNonNull(idleTimeout, "idleTimeout");
        Objects.requireNonNull(initializer, "initializer");
        if (port < 1 || port > 65535) {
            throw new IllegalArgumentException("port " + port + " (expected 1 to 65535)");
        }
    }

    /** A request without a transport idle timeout. */
    public TunnelDialRequest(String host, int port, InetAddress address, Duration connectTimeout,
            Consumer<Channel> initializer) {
        this(host, port, address, connectTimeout, Duration.ZERO, initializer);
    }
}

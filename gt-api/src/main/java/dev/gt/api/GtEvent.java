package dev.gt.api;

import java.net.SocketAddress;
import java.time.Duration;

/**
 * Something that happened to a GT server or client, delivered to a {@link GtEventListener}.
 * Client events name the remote server URL and a tunnel number; server events name the client id
 * and the client's address.
 */
public sealed interface GtEvent {

    /** Client: a tunnel was authenticated and is ready to carry streams. */
    record TunnelConnected(String remote, int tunnel, SocketAddress serverAddress) implements GtEvent { }

    /** Client: a tunnel ended; {@code cause} says why (never {@code null}). */
    record TunnelDisconnected(String remote, int tunnel, Throwable cause) implements GtEvent { }

    /** Client: the next connection attempt of a tunnel will start after {@code delay}. */
    record ReconnectScheduled(String remote, int tunnel, Duration delay, int attempt) implements GtEvent { }

    /**
     * Client: the server registered a service. {@code host} is the routing prefix of an HTTP or
     * HTTPS service ({@code null} for TCP); {@code tcpPort} is the server port opened for a TCP
     * service (0 otherwise).
     */
    record ServiceRegistered(String remote, int serviceIndex, ServiceSpec service, String host, int tcpPort)
            implements GtEvent { }

    /** Client: the server refused the tunnel's hello with {@code code}. */
    record HandshakeRejected(String remote, int tunnel, GtErrorCode code, String message) implements GtEvent { }

    /** Server: a tunnel of client {@code id} from {@code address} was accepted. */
    record ClientConnected(String id, SocketAddress address, int tunnels) implements GtEvent { }

    /** Server: a tunnel of client {@code id} ended; {@code tunnels} are left. */
    record ClientDisconnected(String id, SocketAddress address, int tunnels, Throwable cause) implements GtEvent { }

    /** Server: a tunnel hello from {@code address} was refused with {@code code}. */
    record ClientRejected(String id, SocketAddress address, GtErrorCode code, String message) implements GtEvent { }
}

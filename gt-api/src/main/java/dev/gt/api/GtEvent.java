package dev.gt.api;

import java.net.SocketAddress;
import java.time.Duration;

/**
 * Something that happened to a GT server or client, as a value: what
 * {@link GtEventListener#of(java.util.function.Consumer)} hands to a consumer for each call of the
 * listener. New kinds of events will be added as GT grows: a {@code switch} over them needs a
 * default branch. Client events name the remote server URL and a tunnel number; server events name
 * the client id and the client's address.
 */
public interface GtEvent {

    /** Client: a tunnel was authenticated and is ready to carry streams. */
    record TunnelConnected(String remote, int tunnel, SocketAddress serverAddress) implements GtEvent { }

    /** Client: a tunnel ended; {@code cause} says why (never {@code null}). */
    record TunnelDisconnected(String remote, int tunnel, Throwable cause) implements GtEvent { }

    /** Client: the next connection attempt of a tunnel will start after {@code delay}. */
    record ReconnectScheduled(String remote, int tunnel, Duration delay, int attempt) implements GtEvent { }

    /**
     * Client: the server registered a service. {@code host} is the routing prefix of an HTTP or
     * HTTPS service ({@code null} for TCP, or when the server did not route it); {@code tcpPort} is
     * the server port opened for a TCP service (0 otherwise).
     */
    record ServiceRegistered(String remote, int serviceIndex, ServiceSpec service, String host, int tcpPort)
            implements GtEvent { }

    /** Client: the server refused the tunnel's hello with {@code code}. */
    record HandshakeRejected(String remote, int tunnel, GtErrorCode code, String message) implements GtEvent { }

    /**
     * Client: new streams to a host now take {@code preferred} (a server URL), chosen over
     * {@code previous} ({@code null} for the first choice) for {@code reason}; {@code paths} are
     * the measurements it was made on.
     */
    record PathChosen(String preferred, String previous, String reason, java.util.List<PathInfo> paths)
            implements GtEvent { }

    /** Server: a tunnel of client {@code id} from {@code address} was accepted. */
    record ClientConnected(String id, SocketAddress address, int tunnels) implements GtEvent { }

    /** Server: a tunnel of client {@code id} ended; {@code tunnels} are left. */
    record ClientDisconnected(String id, SocketAddress address, int tunnels, Throwable cause) implements GtEvent { }

    /** Server: a tunnel hello from {@code address} was refused with {@code code}. */
    record ClientRejected(String id, SocketAddress address, GtErrorCode code, String message) implements GtEvent { }

    /** Server and client: a visitor stream opened. */
    record StreamOpened(StreamInfo stream) implements GtEvent { }

    /** Server and client: a visitor stream ended; {@code cause} is {@code null} when it ended cleanly. */
    record StreamClosed(StreamInfo stream, Throwable cause) implements GtEvent { }

    /** Server: client {@code id} was refused because it reached a limit ({@code code} names which). */
    record LimitReached(String id, GtErrorCode code, String detail) implements GtEvent { }

    /** Events were dropped because the listener did not keep up; {@code count} since the last such event. */
    record EventsDropped(long count) implements GtEvent { }
}

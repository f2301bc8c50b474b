package dev.gt.api;

import java.net.SocketAddress;
import java.time.Duration;
import java.util.Objects;
import java.util.function.Consumer;

/**
 * Observes a GT server or client: override the methods of interest; the others do nothing. New
 * methods will be added as GT grows, with empty bodies, so a listener written today keeps
 * compiling. For a {@code switch} over event values instead, see {@link #of(Consumer)}.
 *
 * <h2>Threading and ordering</h2>
 * A server or client calls its listener on one thread of its own, never on an event loop: the
 * events are handed over through a bounded queue (65,536 events), so a slow listener can never
 * stall a tunnel or a visitor. An event is delivered at once when the thread is idle, and
 * within about a millisecond while events keep coming (they are gathered into batches rather
 * than waking the thread for each). A slow listener only delays later events; when the queue is
 * full, events are dropped and counted, and {@link #eventsDropped} reports the count once the
 * listener has caught up. Calls are in the order the events happened: a tunnel's open comes before the streams it
 * carries, a stream's open before its close, the streams' closes before their tunnel's close.
 * A listener may call {@code close()}, {@code state()} and blocking methods of the server or
 * client it observes. Exceptions it throws are logged and otherwise ignored.
 *
 * <h2>Pairs</h2>
 * Every {@code clientConnected}/{@code tunnelConnected} gets one {@code clientDisconnected}/
 * {@code tunnelDisconnected}, and every {@link #streamOpened} one {@link #streamClosed} with
 * the same stream numbers, also when the server or client stops.
 */
public abstract class GtEventListener {
    /** A listener that ignores every event (the default); costs nothing on the data path. */
    public static final GtEventListener NONE = new GtEventListener() { };

    /** Creates a listener for each tunnel, which then gets that tunnel's stream events. */
    @FunctionalInterface
    public interface Factory {
        /**
         * The listener for the streams of tunnel {@code tunnel} of {@code owner} (the client id on
         * the server, the server URL on the client). Called off the event loops.
         */
        GtEventListener create(String owner, int tunnel);
    }

    // ---- client ----

    /** Client: a tunnel was authenticated and is ready to carry streams. */
    public void tunnelConnected(String remote, int tunnel, SocketAddress serverAddress) {
    }

    /** Client: a tunnel ended, or a connection attempt failed; {@code cause} says why (never {@code null}). */
    public void tunnelDisconnected(String remote, int tunnel, Throwable cause) {
    }

    /** Client: the next connection attempt of a tunnel will start after {@code delay}. */
    public void reconnectScheduled(String remote, int tunnel, Duration delay, int attempt) {
    }

    /**
     * Client: the server registered a service. {@code host} is the routing prefix of an HTTP or
     * HTTPS service ({@code null} for TCP, or when the server did not route it); {@code tcpPort} is
     * the server port opened for a TCP service (0 otherwise).
     */
    public void serviceRegistered(String remote, int serviceIndex, ServiceSpec service, String host, int tcpPort) {
    }

    /** Client: the server refused the tunnel's hello with {@code code}. */
    public void handshakeRejected(String remote, int tunnel, GtErrorCode code, String message) {
    }

    /**
     * New streams to a host now take the path to {@code preferred} (a server URL) rather than
     * {@code previous} ({@code null} for the first choice): the client measured its paths over
     * different transports and asked the server so. {@code reason} says why in words;
     * {@code paths} are the figures.
     */
    public void pathChosen(String preferred, String previous, String reason, java.util.List<PathInfo> paths) {
    }

    // ---- server ----

    /** Server: a tunnel of client {@code id} from {@code address} was accepted; {@code tunnels} it has now. */
    public void clientConnected(String id, SocketAddress address, int tunnels) {
    }

    /** Server: a tunnel of client {@code id} ended; {@code tunnels} are left. */
    public void clientDisconnected(String id, SocketAddress address, int tunnels, Throwable cause) {
    }

    /**
     * Server: a tunnel hello from {@code address} was refused with {@code code}; {@code id} is
     * {@code null} when the hello was not read. {@code message} is the server's detail, which the
     * client may not have been told.
     */
    public void clientRejected(String id, SocketAddress address, GtErrorCode code, String message) {
    }

    /**
     * Server: a login failed ({@link GtErrorCode#INVALID_ID_OR_SECRET}, counted toward a ban) or
     * could not be checked ({@link GtErrorCode#AUTH_UNAVAILABLE}). Also reported as
     * {@link #clientRejected}.
     */
    public void authFailed(String id, SocketAddress address, GtErrorCode code) {
    }

    /**
     * Server: client {@code id} was refused because it reached a limit: tunnels, host prefixes,
     * TCP ports, services per hello ({@code code} says which). Also reported as {@link #clientRejected}.
     */
    public void limitReached(String id, GtErrorCode code, String detail) {
    }

    // ---- both ----

    /** A visitor stream opened. */
    public void streamOpened(StreamInfo stream) {
    }

    /** A visitor stream ended, with its final figures; {@code cause} is {@code null} when it ended cleanly. */
    public void streamClosed(StreamInfo stream, Throwable cause) {
    }

    /** {@code count} events were dropped since the last call, because this listener did not keep up. */
    public void eventsDropped(long count) {
    }

    /**
     * A listener that passes every event to each of {@code listeners} in turn (a metrics binding
     * and the application's own listener, say); an exception of one does not keep the others from
     * the event.
     */
    public static GtEventListener combine(java.util.List<? extends GtEventListener> listeners) {
        java.util.List<GtEventListener> all = java.util.List.copyOf(listeners);
        return all.size() == 1 ? all.get(0) : new Combined(all);
    }

    /** Passes each call to several listeners. */
    private static final class Combined extends GtEventListener {
        private final java.util.List<GtEventListener> all;

        Combined(java.util.List<GtEventListener> all) {
            this.all = all;
        }

        private void each(Consumer<GtEventListener> call) {
            RuntimeException first = null;
            for (GtEventListener l : all) {
                try {
                    call.accept(l);
                } catch (RuntimeException e) {
                    if (first == null) {
                        first = e;
                    } else {
                        first.addSuppressed(e);
                    }
                }
            }
            if (first != null) {
                throw first;
            }
        }

        @Override
        public void tunnelConnected(String remote, int tunnel, SocketAddress serverAddress) {
            each(l -> l.tunnelConnected(remote, tunnel, serverAddress));
        }

        @Override
        public void tunnelDisconnected(String remote, int tunnel, Throwable cause) {
            each(l -> l.tunnelDisconnected(remote, tunnel, cause));
        }

        @Override
        public void reconnectScheduled(String remote, int tunnel, Duration delay, int attempt) {
            each(l -> l.reconnectScheduled(remote, tunnel, delay, attempt));
        }

        @Override
        public void serviceRegistered(String remote, int serviceIndex, ServiceSpec service, String host, int tcpPort) {
            each(l -> l.serviceRegistered(remote, serviceIndex, service, host, tcpPort));
        }

        @Override
        public void handshakeRejected(String remote, int tunnel, GtErrorCode code, String message) {
            each(l -> l.handshakeRejected(remote, tunnel, code, message));
        }

        @Override
        public void clientConnected(String id, SocketAddress address, int tunnels) {
            each(l -> l.clientConnected(id, address, tunnels));
        }

        @Override
        public void clientDisconnected(String id, SocketAddress address, int tunnels, Throwable cause) {
            each(l -> l.clientDisconnected(id, address, tunnels, cause));
        }

        @Override
        public void clientRejected(String id, SocketAddress address, GtErrorCode code, String message) {
            each(l -> l.clientRejected(id, address, code, message));
        }

        @Override
        public void authFailed(String id, SocketAddress address, GtErrorCode code) {
            each(l -> l.authFailed(id, address, code));
        }

        @Override
        public void limitReached(String id, GtErrorCode code, String detail) {
            each(l -> l.limitReached(id, code, detail));
        }

        @Override
        public void streamOpened(StreamInfo stream) {
            each(l -> l.streamOpened(stream));
        }

        @Override
        public void streamClosed(StreamInfo stream, Throwable cause) {
            each(l -> l.streamClosed(stream, cause));
        }

        @Override
        public void eventsDropped(long count) {
            each(l -> l.eventsDropped(count));
        }
    }

    /**
     * A listener that hands every event to {@code consumer} as a {@link GtEvent} value, for code
     * that prefers one method and a {@code switch} (with a default branch: new kinds will come).
     */
    public static GtEventListener of(Consumer<? super GtEvent> consumer) {
        Objects.requireNonNull(consumer, "consumer");
        return new AsEvents() {
            @Override
            protected void onEvent(GtEvent event) {
                consumer.accept(event);
            }
        };
    }

    /** A listener that turns every call into a {@link GtEvent} for {@link #onEvent}. */
    public abstract static class AsEvents extends GtEventListener {
        /** Receives each event as a value. */
        protected abstract void onEvent(GtEvent event);

        @Override
        public void tunnelConnected(String remote, int tunnel, SocketAddress serverAddress) {
            onEvent(new GtEvent.TunnelConnected(remote, tunnel, serverAddress));
        }

        @Override
        public void tunnelDisconnected(String remote, int tunnel, Throwable cause) {
            onEvent(new GtEvent.TunnelDisconnected(remote, tunnel, cause));
        }

        @Override
        public void reconnectScheduled(String remote, int tunnel, Duration delay, int attempt) {
            onEvent(new GtEvent.ReconnectScheduled(remote, tunnel, delay, attempt));
        }

        @Override
        public void serviceRegistered(String remote, int serviceIndex, ServiceSpec service, String host, int tcpPort) {
            onEvent(new GtEvent.ServiceRegistered(remote, serviceIndex, service, host, tcpPort));
        }

        @Override
        public void handshakeRejected(String remote, int tunnel, GtErrorCode code, String message) {
            onEvent(new GtEvent.HandshakeRejected(remote, tunnel, code, message));
        }

        @Override
        public void pathChosen(String preferred, String previous, String reason, java.util.List<PathInfo> paths) {
            onEvent(new GtEvent.PathChosen(preferred, previous, reason, paths));
        }

        @Override
        public void clientConnected(String id, SocketAddress address, int tunnels) {
            onEvent(new GtEvent.ClientConnected(id, address, tunnels));
        }

        @Override
        public void clientDisconnected(String id, SocketAddress address, int tunnels, Throwable cause) {
            onEvent(new GtEvent.ClientDisconnected(id, address, tunnels, cause));
        }

        @Override
        public void clientRejected(String id, SocketAddress address, GtErrorCode code, String message) {
            onEvent(new GtEvent.ClientRejected(id, address, code, message));
        }

        @Override
        public void limitReached(String id, GtErrorCode code, String detail) {
            onEvent(new GtEvent.LimitReached(id, code, detail));
        }

        @Override
        public void streamOpened(StreamInfo stream) {
            onEvent(new GtEvent.StreamOpened(stream));
        }

        @Override
        public void streamClosed(StreamInfo stream, Throwable cause) {
            onEvent(new GtEvent.StreamClosed(stream, cause));
        }

        @Override
        public void eventsDropped(long count) {
            onEvent(new GtEvent.EventsDropped(count));
        }
    }
}

package dev.gt.api;

import java.net.SocketAddress;
import java.time.Duration;

/**
 * One visitor stream: in a snapshot, its figures so far; in
 * {@link GtEventListener#streamClosed}, its final ones.
 *
 * @param owner the client id (server side) or the server URL (client side)
 * @param tunnel the number of the tunnel carrying it
 * @param stream the stream's number on its tunnel
 * @param route what the visitor reached: {@code http:<prefix>}, {@code https:<prefix>} or
 *     {@code tcp:<port>} on the server; {@code service <index>} on the client
 * @param peer the visitor's address (server) or the local service's (client), or {@code null}
 *     before it is known
 * @param bytesFromPeer bytes read from the peer and sent through the tunnel
 * @param bytesToPeer bytes received through the tunnel and written to the peer
 * @param age how long the stream has been open (or was, once closed)
 */
public record StreamInfo(String owner, int tunnel, int stream, String route, SocketAddress peer, long bytesFromPeer,
        long bytesToPeer, Duration age) {
}

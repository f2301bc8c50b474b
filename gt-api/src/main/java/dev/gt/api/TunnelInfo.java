package dev.gt.api;

import java.net.SocketAddress;
import java.time.Duration;
import java.util.List;

/**
 * A snapshot of one tunnel.
 *
 * @param remote the server URL (client side) or the client id (server side)
 * @param tunnel the tunnel's number within its client
 * @param peer the address of the other end
 * @param streams streams open on the tunnel when the snapshot was taken
 * @param rtt the last keepalive round-trip time, or {@code null} before the first answer
 * @param transport the tunnel transport carrying it ({@code tcp}, {@code tls}, {@code quic})
 * @param ioEngine the I/O engine its connection runs on ({@code io_uring}, {@code epoll}, {@code nio})
 * @param age how long the tunnel has been up
 * @param bytesSent stream bytes this side sent through the tunnel
 * @param bytesReceived stream bytes this side received through the tunnel
 * @param openStreams the open streams with their figures so far (possibly fewer than
 *     {@code streams} when streams end while the snapshot is taken)
 */
public record TunnelInfo(String remote, int tunnel, SocketAddress peer, int streams, Duration rtt, String transport,
        String ioEngine, Duration age, long bytesSent, long bytesReceived, List<StreamInfo> openStreams) {
    /** Compact constructor: copies the list. */
    public TunnelInfo {
        openStreams = List.copyOf(openStreams);
    }
}

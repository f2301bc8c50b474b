package dev.gt.api;

import java.net.SocketAddress;
import java.time.Duration;

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
 */
public record TunnelInfo(String remote, int tunnel, SocketAddress peer, int streams, Duration rtt, String transport,
        String ioEngine) {
}

package dev.gt.api.spi;

import java.time.Duration;

/**
 * What a tunnel transport knows about the path of one connection, for the client's choice between
 * transports and for snapshots. Counters are totals since the connection started; a figure the
 * transport does not know is -1 (a {@code null} {@link #rtt()}).
 *
 * @param rtt the transport's smoothed round-trip time, or {@code null}
 * @param packetsSent packets sent
 * @param packetsLost packets declared lost
 * @param bytesSent bytes sent, headers and retransmissions included
 * @param congestionWindow the congestion window in bytes
 * @param deliveryRate the most recent estimate of the delivery rate in bytes per second
 */
public record PathStats(Duration rtt, long packetsSent, long packetsLost, long bytesSent, long congestionWindow,
        long deliveryRate) {
    /** Nothing known. */
    public static final PathStats UNKNOWN = new PathStats(null, -1, -1, -1, -1, -1);
}

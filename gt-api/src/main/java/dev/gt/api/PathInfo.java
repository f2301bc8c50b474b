package dev.gt.api;

import java.time.Duration;

/**
 * What a client measured on the path to one server URL, for its choice between transports to the
 * same host ({@code tcp://} and {@code quic://}): see {@code GtClient.Builder.pathProbeInterval}.
 *
 * @param remote the server URL
 * @param transport its tunnel transport ({@code tcp}, {@code tls}, {@code quic})
 * @param preferred whether new streams are asked to take this path
 * @param available whether the path has a ready tunnel
 * @param rtt the round-trip time on the tunnel, or {@code null} before the first answer
 * @param lossRate packets lost over packets sent during the last probe, 0 to 1, or -1 where the
 *     transport does not say (TCP)
 * @param bytesPerSecond the throughput of the last probe (smoothed over probes), or -1 before one
 * @param measuredAgo how long ago the path was last measured, or {@code null} before that
 */
public record PathInfo(String remote, String transport, boolean preferred, boolean available, Duration rtt,
        double lossRate, long bytesPerSecond, Duration measuredAgo) {
}

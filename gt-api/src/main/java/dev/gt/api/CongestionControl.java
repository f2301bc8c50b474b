package dev.gt.api;

/**
 * The congestion control of tunnels whose transport runs its own ({@code quic://}); TCP tunnels
 * use the operating system's. GT's {@code -bbr} selects {@link #BBR}.
 */
public enum CongestionControl {
    /** CUBIC (RFC 9438): loss-based, the default of TCP on Linux and of QUIC here. */
    CUBIC,
    /**
     * BBR: paces to the measured bottleneck bandwidth and round-trip time, so random loss does not
     * slow it down the way it slows CUBIC; better on lossy long paths, and it shares a
     * congested link less politely.
     */
    BBR
}

package dev.gt.api.spi;

/**
 * Limits an {@link Authenticator} sets for the id it accepts, instead of the server's global ones;
 * {@code null} keeps the server's value. Applied when the id's first tunnel is admitted; later
 * tunnels of the same id share them.
 *
 * @param tunnels tunnels the id may hold (at least 1)
 * @param tcpPorts TCP services the id may register (0 = no limit)
 * @param hostPrefixes host prefixes the id may register (0 = no limit)
 * @param bytesPerSecond speed in each direction over all the id's streams (0 = no limit)
 */
public record UserLimits(Integer tunnels, Integer tcpPorts, Integer hostPrefixes, Long bytesPerSecond) {
    /** Checks the values. */
    public UserLimits {
        if (tunnels != null && tunnels < 1) {
            throw new IllegalArgumentException("tunnels " + tunnels + " (expected at least 1)");
        }
        if (tcpPorts != null && (tcpPorts < 0 || tcpPorts > 65535)) {
            throw new IllegalArgumentException("tcpPorts " + tcpPorts + " (expected 0 to 65535)");
        }
        if (hostPrefixes != null && (hostPrefixes < 0 || hostPrefixes > 65535)) {
            throw new IllegalArgumentException("hostPrefixes " + hostPrefixes + " (expected 0 to 65535)");
        }
        if (bytesPerSecond != null && bytesPerSecond < 0) {
            throw new IllegalArgumentException("bytesPerSecond " + bytesPerSecond + " (expected >= 0)");
        }
    }
}

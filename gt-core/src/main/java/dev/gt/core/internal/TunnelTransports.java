package dev.gt.core.internal;

import dev.gt.api.spi.TunnelTransportProvider;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.ServiceLoader;
import java.util.TreeSet;

/** Finds the tunnel transport of a URL scheme among the providers on the class path. */
public final class TunnelTransports {
    private TunnelTransports() {
    }

    /**
     * The available provider of highest priority for {@code scheme}.
     *
     * @throws IllegalArgumentException naming the scheme and what is available
     */
    public static TunnelTransportProvider forScheme(String scheme) {
        String s = scheme.toLowerCase(Locale.ROOT);
        List<TunnelTransportProvider> all = new ArrayList<>();
        ServiceLoader.load(TunnelTransportProvider.class, TunnelTransports.class.getClassLoader()).forEach(all::add);
        all.sort(Comparator.comparingInt(TunnelTransportProvider::priority).reversed());
        Throwable unavailable = null;
        for (TunnelTransportProvider p : all) {
            if (!p.scheme().equals(s)) {
                continue;
            }
            if (p.isAvailable()) {
                return p;
            }
            unavailable = p.unavailabilityCause();
        }
        if (unavailable != null) {
            throw new IllegalArgumentException(s + ":// tunnels are not available here: "
                    + (unavailable.getMessage() != null ? unavailable.getMessage() : unavailable.toString()), unavailable);
        }
        TreeSet<String> schemes = new TreeSet<>();
        for (TunnelTransportProvider p : all) {
            schemes.add(p.scheme());
        }
        throw new IllegalArgumentException("no tunnel transport for " + s + ":// (available: " + schemes
                + "; is its module, such as gt-transport-quic, on the class path?)");
    }
}

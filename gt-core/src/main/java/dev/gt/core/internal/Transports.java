package dev.gt.core.internal;

import dev.gt.api.spi.TransportProvider;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.ServiceLoader;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Picks the transport: an explicit one, else the best available one found by ServiceLoader. */
public final class Transports {
    private static final Logger log = LoggerFactory.getLogger(Transports.class);

    private Transports() {
    }

    /**
     * The provider to use. The system property {@code gt.transport} (io_uring, epoll, nio) forces
     * one among the discovered providers.
     */
    public static TransportProvider select(TransportProvider explicit) {
        if (explicit != null) {
            if (!explicit.isAvailable()) {
                throw new IllegalStateException("transport " + explicit.name() + " is not available: "
                        + explicit.unavailabilityCause());
            }
            return explicit;
        }
        List<TransportProvider> all = new ArrayList<>();
        ServiceLoader.load(TransportProvider.class, Transports.class.getClassLoader()).forEach(all::add);
        all.sort(Comparator.comparingInt(TransportProvider::priority).reversed());
        String forced = System.getProperty("gt.transport");
        for (TransportProvider p : all) {
            if (forced != null && !p.name().equals(forced.toLowerCase(Locale.ROOT))) {
                continue;
            }
            if (p.isAvailable()) {
                return p;
            }
            log.debug("transport {} is not available: {}", p.name(), p.unavailabilityCause());
        }
        throw new IllegalStateException(forced != null
                ? "transport '" + forced + "' (from -Dgt.transport) is not available; found " + names(all)
                : "no transport provider found (is gt-transport-tcp on the class path?)");
    }

    private static List<String> names(List<TransportProvider> all) {
        List<String> n = new ArrayList<>();
        for (TransportProvider p : all) {
            n.add(p.name());
        }
        return n;
    }
}

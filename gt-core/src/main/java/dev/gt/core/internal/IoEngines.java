package dev.gt.core.internal;

import dev.gt.api.spi.IoEngineProvider;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.ServiceLoader;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Picks the I/O engine: an explicit one, else the best available one found by ServiceLoader. */
public final class IoEngines {
    private static final Logger log = LoggerFactory.getLogger(IoEngines.class);

    private IoEngines() {
    }

    /**
     * The provider to use. The system property {@code gt.ioEngine} (io_uring, epoll, nio) forces
     * one among the discovered providers.
     */
    public static IoEngineProvider select(IoEngineProvider explicit) {
        if (explicit != null) {
            if (!explicit.isAvailable()) {
                throw new IllegalStateException("I/O engine " + explicit.name() + " is not available: "
                        + explicit.unavailabilityCause());
            }
            return explicit;
        }
        List<IoEngineProvider> all = new ArrayList<>();
        ServiceLoader.load(IoEngineProvider.class, IoEngines.class.getClassLoader()).forEach(all::add);
        all.sort(Comparator.comparingInt(IoEngineProvider::priority).reversed());
        String forced = System.getProperty("gt.ioEngine");
        for (IoEngineProvider p : all) {
            if (forced != null && !p.name().equals(forced.toLowerCase(Locale.ROOT))) {
                continue;
            }
            if (p.isAvailable()) {
                return p;
            }
            log.debug("I/O engine {} is not available: {}", p.name(), p.unavailabilityCause());
        }
        throw new IllegalStateException(forced != null
                ? "I/O engine '" + forced + "' (from -Dgt.ioEngine) is not available; found " + names(all)
                : "no I/O engine found (is gt-transport-tcp on the class path?)");
    }

    private static List<String> names(List<IoEngineProvider> all) {
        List<String> n = new ArrayList<>();
        for (IoEngineProvider p : all) {
            n.add(p.name());
        }
        return n;
    }
}

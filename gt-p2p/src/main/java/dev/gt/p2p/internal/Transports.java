package dev.gt.p2p.internal;

import dev.gt.api.spi.IoEngineProvider;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.ServiceLoader;

/**
 * Picks the I/O engine as gt-core does: an explicit one, else the available one with the highest
 * priority found by {@link ServiceLoader} ({@code -Dgt.ioEngine} forces one). A copy of gt-core's
 * twenty lines, so that gt-p2p does not depend on gt-core.
 */
public final class Transports {
    private Transports() {
    }

    public static IoEngineProvider select(IoEngineProvider explicit) {
        if (explicit != null) {
            if (!explicit.isAvailable()) {
                throw new IllegalStateException("engine " + explicit.name() + " is not available: "
                        + explicit.unavailabilityCause());
            }
            return explicit;
        }
        List<IoEngineProvider> all = new ArrayList<>();
        ServiceLoader.load(IoEngineProvider.class, IoEngineProvider.class.getClassLoader()).forEach(all::add);
        all.sort(Comparator.comparingInt(IoEngineProvider::priority).reversed());
        String forced = System.getProperty("gt.ioEngine");
        for (IoEngineProvider p : all) {
            if ((forced == null || p.name().equalsIgnoreCase(forced)) && p.isAvailable()) {
                return p;
            }
        }
        throw new IllegalStateException(forced != null ? "engine '" + forced + "' (from -Dgt.ioEngine) is not available"
                : "no I/O engine found (is gt-transport-tcp on the class path?)");
    }
}

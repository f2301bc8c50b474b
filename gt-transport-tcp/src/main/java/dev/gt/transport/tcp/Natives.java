package dev.gt.transport.tcp;

import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

/** Guards probes of native transports: a missing native jar surfaces as a linkage error. */
final class Natives {
    private Natives() {
    }

    static boolean safely(BooleanSupplier probe) {
        try {
            return probe.getAsBoolean();
        } catch (LinkageError | RuntimeException e) {
            return false;
        }
    }

    static Throwable cause(Supplier<Throwable> probe) {
        try {
            return probe.get();
        } catch (LinkageError | RuntimeException e) {
            return e;
        }
    }
}

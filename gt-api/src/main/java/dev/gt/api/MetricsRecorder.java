package dev.gt.api;

/**
 * Receives live traffic figures while streams are open: once a second, the bytes moved since the
 * last call, per client id on the server (per server URL on the client). Meant for metrics
 * libraries (Micrometer counters, Prometheus); called off the event loops, on the same thread as
 * the {@link GtEventListener}.
 */
@FunctionalInterface
public interface MetricsRecorder {
    /** Records nothing (the default). */
    MetricsRecorder NONE = (owner, fromVisitors, toVisitors) -> { };

    /**
     * @param owner the client id (server) or the server URL (client)
     * @param fromVisitors bytes that went from visitors toward the services since the last call
     * @param toVisitors bytes that went from the services toward visitors since the last call
     */
    void recordBytes(String owner, long fromVisitors, long toVisitors);

    /** A recorder that passes every call to each of {@code recorders} in turn. */
    static MetricsRecorder combine(java.util.List<? extends MetricsRecorder> recorders) {
        java.util.List<MetricsRecorder> all = java.util.List.copyOf(recorders);
        if (all.size() == 1) {
            return all.get(0);
        }
        return (owner, from, to) -> {
            for (MetricsRecorder r : all) {
                r.recordBytes(owner, from, to);
            }
        };
    }
}

package dev.gt.api.spi;

/**
 * Supplies the I/O engine GT runs its sockets on (io_uring, epoll, NIO). Implementations are found with
 * {@link java.util.ServiceLoader} ({@code META-INF/services/dev.gt.api.spi.IoEngineProvider});
 * among the available ones the highest {@link #priority()} wins, and a provider passed explicitly
 * to a builder wins over discovery.
 */
public interface IoEngineProvider {
    /** A short name for logs and snapshots: {@code io_uring}, {@code epoll}, {@code nio}. */
    String name();

    /** Higher is preferred. */
    int priority();

    /** Whether this provider can run on this machine (native library loaded, kernel support). */
    boolean isAvailable();

    /** Why {@link #isAvailable()} is false, or {@code null}. */
    Throwable unavailabilityCause();

    /**
     * Creates event loops and channel factories. The caller owns the result and must
     * {@link IoEngine#close() close} it.
     *
     * @param threads number of event-loop threads (at least 1)
     * @param threadNamePrefix prefix of the threads' names
     */
    IoEngine create(int threads, String threadNamePrefix);
}

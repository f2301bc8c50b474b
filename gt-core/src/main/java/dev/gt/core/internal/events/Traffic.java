package dev.gt.core.internal.events;

import java.util.concurrent.atomic.LongAdder;

/**
 * Bytes moved for one client id (server) or one server (client), counted by its streams as they
 * relay (cheap from many loops at once), read by snapshots and, as differences, by the metrics
 * recorder's tick.
 */
public final class Traffic {
    private final LongAdder fromVisitors = new LongAdder();
    private final LongAdder toVisitors = new LongAdder();
    private long reportedFrom;
    private long reportedTo;

    /** Bytes that went from visitors toward the service. */
    public void fromVisitors(long n) {
        fromVisitors.add(n);
    }

    /** Bytes that went from the service toward visitors. */
    public void toVisitors(long n) {
        toVisitors.add(n);
    }

    public long fromVisitorsTotal() {
        return fromVisitors.sum();
    }

    public long toVisitorsTotal() {
        return toVisitors.sum();
    }

    /**
     * The bytes since the last call, as {from, to}; for the one thread that feeds the recorder.
     * Exact: totals only grow, and the difference of two sums loses nothing added in between.
     */
    public long[] takeDelta() {
        long from = fromVisitors.sum();
        long to = toVisitors.sum();
        long[] d = {from - reportedFrom, to - reportedTo};
        reportedFrom = from;
        reportedTo = to;
        return d;
    }
}

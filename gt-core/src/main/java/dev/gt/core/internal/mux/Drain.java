package dev.gt.core.internal.mux;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import io.netty.util.concurrent.EventExecutor;
import io.netty.util.concurrent.ScheduledFuture;

/** Waits for the streams of tunnels that are going away to end, within a deadline. */
public final class Drain {
    private static final long CHECK_MILLIS = 25;

    private Drain() {
    }

    /**
     * Completes with true once no tunnel in {@code tunnels} has an open stream, or with false
     * when {@code timeout} passes first. Checks on {@code executor} every few milliseconds: the
     * count is a volatile read, cheaper than wiring a callback into every stream's end.
     */
    public static CompletableFuture<Boolean> streams(EventExecutor executor, List<? extends MuxTunnel> tunnels,
            Duration timeout) {
        CompletableFuture<Boolean> done = new CompletableFuture<>();
        if (idle(tunnels)) {
            done.complete(true);
            return done;
        }
        if (timeout.isZero()) {
            done.complete(false);
            return done;
        }
        long deadline = System.nanoTime() + timeout.toNanos();
        try {
            ScheduledFuture<?> check = executor.scheduleAtFixedRate(() -> {
                if (idle(tunnels)) {
                    done.complete(true);
                } else if (System.nanoTime() - deadline >= 0) {
                    done.complete(false);
                }
            }, CHECK_MILLIS, CHECK_MILLIS, TimeUnit.MILLISECONDS);
            done.whenComplete((v, e) -> check.cancel(false));
        } catch (RejectedExecutionException e) {
            done.complete(false);
        }
        return done;
    }

    private static boolean idle(List<? extends MuxTunnel> tunnels) {
        for (MuxTunnel t : tunnels) {
            if (t.streamCount() > 0 && t.channel().isActive()) {
                return false;
            }
        }
        return true;
    }
}

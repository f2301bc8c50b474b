package dev.gt.jmh;

import dev.gt.core.internal.mux.RateLimiter;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Threads;
import org.openjdk.jmh.annotations.Warmup;

/**
 * What a speed limit costs per chunk on the relay path: one {@link RateLimiter#take} of a 16 KiB
 * turn, alone and with two event loops charging the same user's bucket at once. The rate is high
 * enough that the bucket never runs dry, so this is the bookkeeping alone.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
public class RateLimiterBenchmark {
    private final RateLimiter limiter = RateLimiter.of(1L << 40);

    @Benchmark
    @Threads(1)
    public long takeAlone() {
        return limiter.take(16 * 1024);
    }

    @Benchmark
    @Threads(2)
    public long takeContended() {
        return limiter.take(16 * 1024);
    }
}

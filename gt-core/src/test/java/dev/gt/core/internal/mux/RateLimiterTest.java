package dev.gt.core.internal.mux;

import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The speed-limit token bucket, driven by a fake clock: delays are checked to the nanosecond. */
class RateLimiterTest {

    private static final long SECOND = TimeUnit.SECONDS.toNanos(1);
    private static final long MILLI = TimeUnit.MILLISECONDS.toNanos(1);

    // Near the top of the long range: the limiter must only use clock differences, which wrap
    // correctly, and never compare absolute readings.
    private final AtomicLong clock = new AtomicLong(Long.MAX_VALUE - 5 * SECOND);

    private RateLimiter limiter(long rate, long burst) {
        return new RateLimiter(rate, burst, clock::get);
    }

    @Test
    void freshBucketAllowsBurstThenChargesDebt() {
        RateLimiter rl = limiter(1000, 100);
        assertEquals(0, rl.take(100));
        assertEquals(500 * MILLI, rl.take(500));

        clock.addAndGet(500 * MILLI - 1);
        assertEquals(1, rl.take(0), "one nanosecond of debt left");
        clock.addAndGet(1);
        assertEquals(0, rl.take(0));
    }

    @Test
    void burstIsAvailableInPiecesWithoutDelay() {
        RateLimiter rl = limiter(1000, 100);
        for (int i = 0; i < 10; i++) {
            assertEquals(0, rl.take(10));
        }
        assertEquals(MILLI, rl.take(1));
    }

    @Test
    void oversizedReadIsAllowedButPaidForLater() {
        RateLimiter rl = limiter(1024, 1024);
        // A 64 KiB read at 1 KiB/s with 1 KiB in the bucket: allowed at once, then 63 s of pause.
        assertEquals(63 * SECOND, rl.take(64 * 1024));
    }

    @Test
    void delaysRoundUp() {
        RateLimiter rl = limiter(3, 1);
        rl.take(1);
        // One byte at 3 B/s is 333,333,333.3 ns; resuming at ...333 would still be in debt.
        assertEquals(333_333_334, rl.take(1));
        clock.addAndGet(333_333_333);
        assertEquals(1, rl.take(0));
        clock.addAndGet(1);
        assertEquals(0, rl.take(0));
    }

    @Test
    void idleTimeRefillsAtMostBurst() {
        RateLimiter rl = limiter(1024, 256);
        rl.take(256);
        clock.addAndGet(3 * SECOND);
        // Three idle seconds would be 3072 bytes of credit without the cap; only 256 remain.
        assertEquals((4096 - 256) * SECOND / 1024, rl.take(4096));
    }

    @Test
    void chunkedTransferAfterIdlingWaitsForAllButTheBurst() {
        RateLimiter rl = limiter(1024, 256);
        clock.addAndGet(3 * SECOND);
        long waited = transfer(rl, 4096, 256);
        // (4096 - 256) / 1024 s = 3.75 s, whatever the idle time before.
        assertEquals(3_750 * MILLI, waited);
    }

    @Test
    void longTransferTakesBytesOverRate() {
        long rate = 1_000_000;
        long burst = 64 * 1024;
        long n = 50L * 1024 * 1024;
        RateLimiter rl = limiter(rate, burst);
        long waited = transfer(rl, n, 16 * 1024);
        double expected = (double) (n - burst) * SECOND / rate;
        assertEquals(expected, waited, expected * 0.01);
    }

    @Test
    void transferAtAwkwardRateStaysExact() {
        // 7 does not divide 10^9: a limiter that rounded per chunk would drift.
        RateLimiter rl = limiter(7_777, 1_000);
        long n = 2_000_000;
        long waited = transfer(rl, n, 1_500);
        double expected = (double) (n - 1_000) * SECOND / 7_777;
        assertEquals(expected, waited, 1.0, "at most one nanosecond of rounding in total");
    }

    @Test
    void twoStreamsShareTheRate() {
        long rate = 100_000;
        RateLimiter rl = limiter(rate, 16 * 1024);
        long chunk = 16 * 1024;
        long start = clock.get();
        long end = start + 60 * SECOND;
        // Event-driven simulation of two readers on one limiter: whichever is due reads a chunk,
        // then pauses for the delay it is given.
        long[] due = {start, start};
        long[] bytes = {0, 0};
        while (true) {
            int s = due[0] - due[1] <= 0 ? 0 : 1;
            if (due[s] - end >= 0) {
                break;
            }
            clock.set(due[s]);
            long delay = rl.take(chunk);
            bytes[s] += chunk;
            due[s] = clock.get() + delay;
        }
        long total = bytes[0] + bytes[1];
        double expectedTotal = 60.0 * rate + 16 * 1024;
        assertEquals(expectedTotal, total, expectedTotal * 0.01, "the pair together is held to the rate");
        assertEquals(0.5, (double) bytes[0] / total, 0.02);
        assertEquals(0.5, (double) bytes[1] / total, 0.02);
    }

    @Test
    void concurrentTakesAreAllCharged() throws Exception {
        // Frozen clock: no refill, so the final debt is exactly what all threads took.
        RateLimiter rl = limiter(1_000, 1_000);
        int threads = 4;
        int perThread = 10_000;
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        try {
            CountDownLatch go = new CountDownLatch(1);
            List<Future<?>> done = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                done.add(pool.submit(() -> {
                    go.await();
                    for (int i = 0; i < perThread; i++) {
                        rl.take(1);
                    }
                    return null;
                }));
            }
            go.countDown();
            for (Future<?> f : done) {
                f.get(10, TimeUnit.SECONDS);
            }
        } finally {
            pool.shutdownNow();
        }
        long debt = (long) threads * perThread - 1_000;
        assertEquals(debt * SECOND / 1_000, rl.take(0));
    }

    @Test
    void hugeRatesAndLongIdlingDoNotOverflow() {
        long rate = 10_000_000_000L;
        long burst = rate / 8;
        RateLimiter rl = limiter(rate, burst);
        assertEquals(0, rl.take(burst));
        assertEquals(SECOND / 8, rl.take(burst), "a burst's worth of debt at 10 GB/s");

        clock.addAndGet(Duration.ofDays(10).toNanos());
        assertEquals(0, rl.take(burst), "refilled, but only to the burst");
        assertEquals(SECOND / 8, rl.take(burst));

        RateLimiter max = limiter(Long.MAX_VALUE, RateLimiter.MAX_BURST);
        assertEquals(0, max.take(RateLimiter.MAX_BURST));
        clock.addAndGet(Duration.ofDays(10).toNanos());
        assertEquals(0, max.take(RateLimiter.MAX_BURST));
        assertEquals(1, max.take(1), "any debt costs at least a nanosecond");
    }

    @Test
    void slowRateWithHugeDebtDoesNotOverflow() {
        RateLimiter rl = limiter(1, 1);
        long delay = rl.take(Long.MAX_VALUE);
        assertTrue(delay > 0, "saturated, not wrapped: " + delay);
        clock.addAndGet(Duration.ofDays(10).toNanos());
        assertTrue(rl.take(0) > 0);
    }

    @Test
    void convenienceFactoryPicksBurst() {
        RateLimiter slow = RateLimiter.of(1024);
        assertEquals(1024, slow.rate());
        assertEquals(16 * 1024, slow.burst(), "at least one typical read chunk");
        assertEquals(0, slow.take(16 * 1024));

        RateLimiter fast = RateLimiter.of(80_000_000);
        assertEquals(10_000_000, fast.burst(), "an eighth of a second");
        assertEquals(RateLimiter.MAX_BURST, RateLimiter.of(Long.MAX_VALUE).burst());
    }

    @Test
    void badArgumentsAreRejected() {
        assertThrows(IllegalArgumentException.class, () -> limiter(0, 100));
        assertThrows(IllegalArgumentException.class, () -> limiter(-5, 100));
        assertThrows(IllegalArgumentException.class, () -> limiter(100, 0));
        assertThrows(IllegalArgumentException.class, () -> limiter(100, -1));
        assertThrows(IllegalArgumentException.class, () -> limiter(100, RateLimiter.MAX_BURST + 1));
        assertThrows(IllegalArgumentException.class, () -> RateLimiter.of(0));
        RateLimiter rl = limiter(100, 100);
        assertThrows(IllegalArgumentException.class, () -> rl.take(-1));
        assertEquals(0, rl.take(100), "a rejected take charges nothing");
    }

    /**
     * Moves {@code n} bytes through {@code rl} in {@code chunk}-sized reads, pausing for every
     * delay by advancing the fake clock, and returns the total time paused.
     */
    private long transfer(RateLimiter rl, long n, long chunk) {
        long waited = 0;
        for (long sent = 0; sent < n; sent += chunk) {
            long delay = rl.take(Math.min(chunk, n - sent));
            assertTrue(delay >= 0);
            clock.addAndGet(delay);
            waited += delay;
        }
        return waited;
    }

    @Test
    void quantumIsASixteenthOfTheBurstBetweenOneAndSixteenKib() {
        assertEquals(1024, new RateLimiter(1000, 100, () -> 0L).quantum());
        assertEquals(8192, new RateLimiter(1_000_000, 131_072, () -> 0L).quantum());
        assertEquals(16 * 1024, new RateLimiter(1_000_000_000, 125_000_000, () -> 0L).quantum());
    }

    @Test
    void setRateKeepsTheDebtAndPaysItAtTheNewRate() {
        RateLimiter rl = new RateLimiter(1000, 100, clock::get);
        assertEquals(0, rl.take(100));
        // 1000 bytes of debt at 1000 B/s: one second.
        assertEquals(SECOND, rl.take(1000));
        rl.setRate(10_000);
        assertEquals(10_000, rl.rate());
        // The same debt at ten times the rate: a tenth of a second.
        assertEquals(SECOND / 10, rl.take(0));
        assertEquals(16 * 1024, rl.burst());
        assertThrows(IllegalArgumentException.class, () -> rl.setRate(0));
    }

    @Test
    void anEndlessRateNeverPauses() {
        RateLimiter rl = new RateLimiter(1000, 100, clock::get);
        rl.take(1_000_000);
        rl.setRate(Long.MAX_VALUE);
        clock.addAndGet(1);
        assertEquals(0, rl.take(1 << 30));
    }
}

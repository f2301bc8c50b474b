package dev.gt.core.internal.events;

import dev.gt.api.GtEventListener;
import dev.gt.api.MetricsRecorder;
import dev.gt.api.StreamInfo;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The hand-off from event loops to a listener: bounded, never blocking, drops counted and reported. */
@Timeout(30)
class EventDispatcherTest {
    private static final StreamInfo STREAM = new StreamInfo("id1", 1, 1, "http:id1", null, 0, 0, Duration.ZERO);

    @Test
    void withoutListenerOrRecorderNothingRunsAndNothingIsQueued() {
        EventDispatcher d = new EventDispatcher("test", GtEventListener.NONE, null, MetricsRecorder.NONE, () -> { });
        assertFalse(d.enabled());
        d.start();
        d.dispatch(l -> { throw new AssertionError("must not run"); });
        d.close();
        assertEquals(0, d.droppedEvents());
    }

    @Test
    void aBlockedListenerLosesWhatDoesNotFitCountsItAndHearsAboutItWhenItCatchesUp() throws Exception {
        CountDownLatch release = new CountDownLatch(1);
        CountDownLatch first = new CountDownLatch(1);
        AtomicLong delivered = new AtomicLong();
        AtomicLong reported = new AtomicLong();
        GtEventListener listener = new GtEventListener() {
            @Override
            public void streamOpened(StreamInfo stream) {
                if (delivered.incrementAndGet() == 1) {
                    first.countDown();
                    try {
                        release.await(20, TimeUnit.SECONDS);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                }
            }

            @Override
            public void eventsDropped(long count) {
                reported.addAndGet(count);
            }
        };
        EventDispatcher d = new EventDispatcher("test", listener, null, MetricsRecorder.NONE, () -> { });
        d.start();
        d.dispatch(l -> l.streamOpened(STREAM));
        assertTrue(first.await(10, TimeUnit.SECONDS));
        int extra = 1000;
        // Never blocks: the offers against a stuck listener all return (the test has a timeout).
        for (int i = 0; i < EventDispatcher.CAPACITY + extra; i++) {
            d.dispatch(l -> l.streamOpened(STREAM));
        }
        assertEquals(extra, d.droppedEvents());
        release.countDown();
        Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> reported.get() == extra);
        assertEquals(1 + EventDispatcher.CAPACITY, delivered.get());
        d.close();
    }

    @Test
    void eventsArrivingWhileItGathersDoNotWakeIt() throws Exception {
        CountDownLatch first = new CountDownLatch(1);
        AtomicLong delivered = new AtomicLong();
        GtEventListener listener = new GtEventListener() {
            @Override
            public void streamOpened(StreamInfo stream) {
                delivered.incrementAndGet();
                first.countDown();
            }
        };
        // A long nap, so that the test does not depend on how quickly this thread is scheduled.
        EventDispatcher d = new EventDispatcher("test", listener, null, MetricsRecorder.NONE, () -> { },
                TimeUnit.MILLISECONDS.toNanos(300));
        d.start();
        Awaitility.await().atMost(Duration.ofSeconds(5)).until(d::asleep);
        d.dispatch(l -> l.streamOpened(STREAM));
        assertTrue(first.await(5, TimeUnit.SECONDS));
        int more = 1000;
        for (int i = 0; i < more; i++) {
            d.dispatch(l -> l.streamOpened(STREAM));
        }
        Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> delivered.get() == 1 + more);
        // One wake for the first event; the thousand after it were gathered in its nap.
        assertEquals(1, d.wakeups());
        d.close();
    }

    @Test
    void aLoneEventIsDeliveredAtOnce() throws Exception {
        CountDownLatch got = new CountDownLatch(1);
        EventDispatcher d = new EventDispatcher("test", new GtEventListener() {
            @Override
            public void streamOpened(StreamInfo stream) {
                got.countDown();
            }
        }, null, MetricsRecorder.NONE, () -> { });
        d.start();
        Awaitility.await().atMost(Duration.ofSeconds(5)).until(d::asleep);
        d.dispatch(l -> l.streamOpened(STREAM));
        assertTrue(got.await(5, TimeUnit.SECONDS));
        // Delivered because the dispatch woke it, not at the end of an idle wait.
        assertEquals(1, d.wakeups());
        d.close();
    }

    @Test
    void theRecorderIsFedOnceASecondAndOnceMoreOnClose() {
        AtomicLong ticks = new AtomicLong();
        EventDispatcher d = new EventDispatcher("test", GtEventListener.NONE, null, (o, f, t) -> { },
                ticks::incrementAndGet);
        assertFalse(d.enabled(), "no listener: events are not even built");
        d.start();
        Awaitility.await().atMost(Duration.ofSeconds(5)).until(() -> ticks.get() >= 1);
        long before = ticks.get();
        d.close();
        assertTrue(ticks.get() > before, "a last tick on close reports the last bytes");
    }

    @Test
    void trafficDeltasAddUpToTheTotals() {
        Traffic t = new Traffic();
        t.fromVisitors(10);
        t.toVisitors(100);
        long[] d1 = t.takeDelta();
        t.fromVisitors(5);
        long[] d2 = t.takeDelta();
        assertEquals(10, d1[0]);
        assertEquals(100, d1[1]);
        assertEquals(5, d2[0]);
        assertEquals(0, d2[1]);
        assertEquals(15, t.fromVisitorsTotal());
    }
}

package dev.gt.core.internal.events;

import dev.gt.api.GtEventListener;
import dev.gt.api.MetricsRecorder;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Consumer;
import org.jctools.queues.MpscArrayQueue;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Hands the events of one server or client from its event loops to its listener, on a thread of
 * its own, through a bounded lock-free queue: a slow or blocking listener delays only later
 * events, never a loop. When the queue is full an event is dropped and counted; the count is
 * reported to the listener ({@link GtEventListener#eventsDropped}) and logged once it has caught
 * up. The same thread feeds the {@link MetricsRecorder} once a second. With neither set, nothing
 * is started and {@link #enabled()} is false, so the data path skips building events at all.
 *
 * <p>Waking a parked thread is a system call on the loop and a context switch on both sides; at
 * thousands of streams a second (a connection per request) one wake per event cost the relay
 * about a tenth of its CPU. So after delivering, the thread naps a millisecond without asking to
 * be woken, and events of that time wait for the next pass: a lone event is still delivered at
 * once, a busy stream of them in batches a millisecond apart.
 */
public final class EventDispatcher implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(EventDispatcher.class);
    /** Events waiting for the listener at most; beyond it they are dropped and counted. */
    public static final int CAPACITY = 65_536;
    private static final long IDLE_PARK_NANOS = TimeUnit.MILLISECONDS.toNanos(100);
    /** How long the thread gathers events after a delivery before it looks again. */
    static final long BATCH_NANOS = TimeUnit.MILLISECONDS.toNanos(1);

    private final GtEventListener listener;
    private final GtEventListener.Factory factory;
    /** Listeners made by the factory, by owner and tunnel; touched by the dispatcher thread only. */
    private final java.util.Map<String, GtEventListener> tunnelListeners = new java.util.HashMap<>();
    private final MetricsRecorder recorder;
    private final Runnable tick;
    private final String name;
    private final MpscArrayQueue<Consumer<GtEventListener>> queue;
    private final AtomicLong dropped = new AtomicLong();
    private final AtomicLong droppedTotal = new AtomicLong();
    private final AtomicLong wakeups = new AtomicLong();
    private volatile Thread thread;
    private volatile boolean sleeping;
    private volatile boolean closing;
    private final long batchNanos;
    private long nextTickNanos;

    /**
     * @param tick runs once a second on the dispatcher's thread (feeds the metrics recorder); may be null
     */
    public EventDispatcher(String name, GtEventListener listener, GtEventListener.Factory factory,
            MetricsRecorder recorder, Runnable tick) {
        this(name, listener, factory, recorder, tick, BATCH_NANOS);
    }

    /** With another batching nap than a millisecond (for tests). */
    EventDispatcher(String name, GtEventListener listener, GtEventListener.Factory factory,
            MetricsRecorder recorder, Runnable tick, long batchNanos) {
        this.batchNanos = batchNanos;
        this.name = name;
        this.listener = listener;
        this.factory = factory;
        this.recorder = recorder;
        this.tick = recorder == MetricsRecorder.NONE ? null : tick;
        boolean on = listener != GtEventListener.NONE || factory != null || this.tick != null;
        this.queue = on ? new MpscArrayQueue<>(CAPACITY) : null;
    }

    /** Whether anyone listens; when false, callers skip building events. */
    public boolean enabled() {
        return queue != null && (listener != GtEventListener.NONE || factory != null);
    }

    /** The recorder fed by the tick. */
    public MetricsRecorder recorder() {
        return recorder;
    }

    /** Events dropped so far because the listener did not keep up. */
    public long droppedEvents() {
        return droppedTotal.get();
    }

    /** Starts the dispatcher's thread (a daemon), if there is anything to dispatch. */
    public synchronized void start() {
        if (queue == null || thread != null) {
            return;
        }
        Thread t = new Thread(this::run, name + "-events");
        t.setDaemon(true);
        thread = t;
        t.start();
    }

    /** Whether the calling thread is the dispatcher's (a listener's call), where waiting for a stop would deadlock. */
    public boolean onDispatcherThread() {
        return Thread.currentThread() == thread;
    }

    /** Queues a call of the listener; never blocks. */
    public void dispatch(Consumer<GtEventListener> call) {
        if (!enabled()) {
            return;
        }
        if (!queue.offer(call)) {
            dropped.incrementAndGet();
            droppedTotal.incrementAndGet();
            return;
        }
        if (sleeping) {
            Thread t = thread;
            if (t != null) {
                wakeups.incrementAndGet();
                LockSupport.unpark(t);
            }
        }
    }

    /** How often a dispatching thread has woken the dispatcher (for tests). */
    long wakeups() {
        return wakeups.get();
    }

    /** Whether the thread waits for a dispatch to wake it (for tests). */
    boolean asleep() {
        return sleeping;
    }

    /**
     * Queues a stream event for the listener of tunnel {@code tunnel} of {@code owner} (made by the
     * factory on first use, on the dispatcher's thread), or for the main listener without a factory.
     */
    public void dispatchStream(String owner, int tunnel, Consumer<GtEventListener> call) {
        if (factory == null) {
            dispatch(call);
            return;
        }
        dispatch(main -> call.accept(tunnelListeners.computeIfAbsent(owner + "\u0000" + tunnel,
                k -> factory.create(owner, tunnel))));
    }

    /** After the last stream event of a tunnel: its factory-made listener is forgotten. */
    public void tunnelEnded(String owner, int tunnel) {
        if (factory != null) {
            dispatch(main -> tunnelListeners.remove(owner + "\u0000" + tunnel));
        }
    }

    private void run() {
        nextTickNanos = System.nanoTime() + TimeUnit.SECONDS.toNanos(1);
        boolean delivered = false;
        while (true) {
            Consumer<GtEventListener> call = queue.relaxedPoll();
            if (call != null) {
                invoke(call);
                delivered = true;
                continue;
            }
            long lost = dropped.getAndSet(0);
            if (lost > 0) {
                log.warn("{}: the event listener did not keep up; {} events were dropped", name, lost);
                invoke(l -> l.eventsDropped(lost));
            }
            long now = System.nanoTime();
            if (tick != null && now - nextTickNanos >= 0) {
                nextTickNanos = now + TimeUnit.SECONDS.toNanos(1);
                runTick();
                continue;
            }
            if (closing) {
                if (tick != null) {
                    runTick();
                }
                return;
            }
            if (delivered) {
                delivered = false;
                // Not sleeping: dispatchers do not wake this nap (close() still does).
                LockSupport.parkNanos(this, batchNanos);
                continue;
            }
            sleeping = true;
            if (queue.isEmpty() && !closing) {
                long wait = tick == null ? IDLE_PARK_NANOS : Math.min(IDLE_PARK_NANOS, nextTickNanos - now);
                LockSupport.parkNanos(this, Math.max(1, wait));
            }
            sleeping = false;
        }
    }

    private void runTick() {
        try {
            tick.run();
        } catch (RuntimeException e) {
            log.warn("{}: the metrics recorder failed: {}", name, e.toString());
        }
    }

    private void invoke(Consumer<GtEventListener> call) {
        try {
            call.accept(listener);
        } catch (RuntimeException e) {
            log.warn("{}: the event listener failed: {}", name, e.toString());
        }
    }

    /**
     * Delivers what is queued, then ends the thread; waits at most {@code timeoutMillis} unless
     * called on the dispatcher's own thread (a listener closing its server), where it only asks.
     */
    @Override
    public void close() {
        closeAndWait(2000);
    }

    public void closeAndWait(long timeoutMillis) {
        closing = true;
        Thread t = thread;
        if (t == null) {
            return;
        }
        LockSupport.unpark(t);
        if (Thread.currentThread() == t) {
            return;
        }
        try {
            t.join(timeoutMillis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}

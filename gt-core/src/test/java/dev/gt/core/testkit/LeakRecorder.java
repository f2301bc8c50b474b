package dev.gt.core.testkit;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.buffer.UnpooledByteBufAllocator;
import io.netty.util.ResourceLeakDetector;
import io.netty.util.ResourceLeakDetectorFactory;

import java.lang.ref.PhantomReference;
import java.lang.ref.Reference;
import java.lang.ref.ReferenceQueue;
import java.lang.reflect.Field;
import java.util.ArrayList;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;

/**
 * Records every leak that Netty's {@link ResourceLeakDetector}s report in this JVM, so that tests can
 * fail on them instead of leaving a log line nobody reads.
 *
 * <p>{@link #install()} must run before any Netty class creates its detector (for buffers: before
 * {@code AbstractByteBuf} is initialised), which is why {@link LeakRecorderSessionListener} calls it
 * when the JUnit launcher session opens.
 */
public final class LeakRecorder {

    private static final Queue<String> LEAKS = new ConcurrentLinkedQueue<>();
    private static volatile boolean installed;

    private LeakRecorder() {
    }

    /** Makes every leak detector created from now on record its reports. Idempotent. */
    public static synchronized void install() {
        if (!installed) {
            ResourceLeakDetectorFactory.setResourceLeakDetectorFactory(new RecordingFactory());
            installed = true;
        }
    }

    /**
     * Whether the detector that tracks {@link ByteBuf}s is a recording one. False means some code
     * touched Netty buffers before {@link #install()}, and buffer leaks would go unnoticed.
     */
    public static boolean isRecordingByteBufLeaks() {
        try {
            Field field = Class.forName("io.netty.buffer.AbstractByteBuf").getDeclaredField("leakDetector");
            field.setAccessible(true);
            return field.get(null) instanceof RecordingDetector;
        } catch (ReflectiveOperationException | RuntimeException e) {
            // A Netty version without that private field: no way to tell, trust install().
            return installed;
        }
    }

    /**
     * Collects unreachable tracked resources and makes the buffer detector report them, then returns
     * and forgets every leak recorded so far.
     */
    public static List<String> collectLeaks() {
        if (ResourceLeakDetector.isEnabled()) {
            // Netty only reports a leak when a new resource is tracked, after the GC has enqueued the
            // dead one; below paranoid only one allocation in SAMPLING_INTERVAL is tracked.
            int allocations = ResourceLeakDetector.getLevel() == ResourceLeakDetector.Level.PARANOID ? 1 : 512;
            for (int round = 0; round < 3; round++) {
                awaitGc();
                for (int i = 0; i < allocations; i++) {
                    touch(PooledByteBufAllocator.DEFAULT);
                    touch(UnpooledByteBufAllocator.DEFAULT);
                    touch(ByteBufAllocator.DEFAULT);
                }
            }
        }
        return drain();
    }

    /** Returns and forgets every leak recorded so far, without driving the detectors. */
    public static List<String> drain() {
        List<String> out = new ArrayList<>();
        for (String leak; (leak = LEAKS.poll()) != null; ) {
            out.add(leak);
        }
        return out;
    }

    private static void touch(ByteBufAllocator allocator) {
        allocator.heapBuffer(8).release();
        allocator.directBuffer(8).release();
    }

    /** Runs a GC and waits (bounded) until it has processed references, instead of sleeping. */
    private static void awaitGc() {
        ReferenceQueue<Object> queue = new ReferenceQueue<>();
        PhantomReference<Object> canary = new PhantomReference<>(new Object(), queue);
        try {
            for (int i = 0; i < 10; i++) {
                System.gc();
                if (queue.remove(100) != null) {
                    return;
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            Reference.reachabilityFence(canary);
        }
    }

    private static final class RecordingFactory extends ResourceLeakDetectorFactory {
        @Override
        @SuppressWarnings("deprecation")
        public <T> ResourceLeakDetector<T> newResourceLeakDetector(Class<T> resource, int samplingInterval,
                                                                    long maxActive) {
            return new RecordingDetector<>(resource, samplingInterval);
        }

        @Override
        public <T> ResourceLeakDetector<T> newResourceLeakDetector(Class<T> resource, int samplingInterval) {
            return new RecordingDetector<>(resource, samplingInterval);
        }
    }

    private static final class RecordingDetector<T> extends ResourceLeakDetector<T> {
        RecordingDetector(Class<T> resource, int samplingInterval) {
            super(resource, samplingInterval);
        }

        @Override
        protected boolean needReport() {
            // Netty skips reporting when its logger has ERROR disabled; a test must fail regardless.
            return true;
        }

        @Override
        protected void reportTracedLeak(String resourceType, String records) {
            LEAKS.add("LEAK: " + resourceType + ".release() was not called before it was garbage-collected."
                    + records);
            super.reportTracedLeak(resourceType, records);
        }

        @Override
        protected void reportUntracedLeak(String resourceType) {
            LEAKS.add("LEAK: " + resourceType + ".release() was not called before it was garbage-collected"
                    + " (no access records)");
            super.reportUntracedLeak(resourceType);
        }
    }
}

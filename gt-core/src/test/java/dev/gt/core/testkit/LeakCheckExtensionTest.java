package dev.gt.core.testkit;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ConditionEvaluationResult;
import org.junit.jupiter.api.extension.ExecutionCondition;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.platform.launcher.Launcher;
import org.junit.platform.launcher.LauncherDiscoveryRequest;
import org.junit.platform.launcher.core.LauncherDiscoveryRequestBuilder;
import org.junit.platform.launcher.core.LauncherFactory;
import org.junit.platform.launcher.listeners.SummaryGeneratingListener;
import org.junit.platform.launcher.listeners.TestExecutionSummary;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.platform.engine.discovery.DiscoverySelectors.selectClass;

/** Proves that {@link LeakCheckExtension} turns a leaked buffer into a failed test class. */
class LeakCheckExtensionTest {

    /** Set only by the launches below, so the sample classes never run as part of the suite. */
    private static final String SAMPLES = "dev.gt.testkit.run-samples";

    @Test
    void theBufferDetectorRecords() {
        assertTrue(LeakRecorder.isRecordingByteBufLeaks(),
                "AbstractByteBuf's leak detector should come from LeakRecorder's factory");
    }

    @Test
    void aClassThatLeaksABufferFails() {
        TestExecutionSummary summary = run(LeakingSample.class);

        // The test method itself passes; the class container fails in afterAll.
        assertEquals(1, summary.getTestsSucceededCount());
        assertEquals(1, summary.getContainersFailedCount());
        assertEquals(1, summary.getFailures().size());
        Throwable failure = summary.getFailures().get(0).getException();
        assertInstanceOf(AssertionError.class, failure);
        assertTrue(failure.getMessage().contains("LEAK: ByteBuf.release() was not called"), failure.getMessage());
        assertTrue(failure.getMessage().contains("LeakingSample"), "records should name the leaking code: "
                + failure.getMessage());
    }

    @Test
    void aClassThatReleasesItsBuffersPasses() {
        TestExecutionSummary summary = run(CleanSample.class);

        assertEquals(1, summary.getTestsSucceededCount());
        assertEquals(0, summary.getTotalFailureCount());
    }

    private static TestExecutionSummary run(Class<?> testClass) {
        LauncherDiscoveryRequest request = LauncherDiscoveryRequestBuilder.request()
                .selectors(selectClass(testClass))
                .configurationParameter("junit.jupiter.extensions.autodetection.enabled", "true")
                .configurationParameter(SAMPLES, "true")
                .build();
        Launcher launcher = LauncherFactory.create();
        SummaryGeneratingListener listener = new SummaryGeneratingListener();
        launcher.execute(request, listener);
        return listener.getSummary();
    }

    /** Runs the annotated sample class only when launched by this test. */
    static final class OnlyWhenLaunchedByTest implements ExecutionCondition {
        @Override
        public ConditionEvaluationResult evaluateExecutionCondition(ExtensionContext context) {
            return context.getConfigurationParameter(SAMPLES).isPresent()
                    ? ConditionEvaluationResult.enabled("launched by LeakCheckExtensionTest")
                    : ConditionEvaluationResult.disabled("sample for LeakCheckExtensionTest");
        }
    }

    @ExtendWith(OnlyWhenLaunchedByTest.class)
    static class LeakingSample {
        @Test
        void leaksABuffer() {
            ByteBuf leaked = ByteBufAllocator.DEFAULT.buffer(64);
            leaked.writeLong(42);
        }
    }

    @ExtendWith(OnlyWhenLaunchedByTest.class)
    static class CleanSample {
        @Test
        void releasesItsBuffer() {
            ByteBuf buf = ByteBufAllocator.DEFAULT.buffer(64);
            buf.writeLong(42);
            buf.release();
        }
    }
}

package dev.gt.runner.it;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.gt.core.testkit.LeakRecorder;
import java.io.File;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** The fixture itself: a leak in a child JVM fails the test, and gt-core's leak check runs under failsafe. */
class GtProcessLeakCheckIT {
    @TempDir
    Path dir;

    @Test
    void gtCoresLeakRecorderIsInstalledInTheFailsafeJvm() {
        // LeakRecorderSessionListener (gt-core's test-jar, META-INF/services) ran before any Netty buffer class.
        assertTrue(LeakRecorder.isRecordingByteBufLeaks());
    }

    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void aLeakReportedByAChildJvmFailsTheTest() throws Exception {
        String classpath = GtProcess.jar() + File.pathSeparator
                + Path.of(LeakingMain.class.getProtectionDomain().getCodeSource().getLocation().toURI());
        GtProcess leaking = GtProcess.java(dir, "leaking", classpath, LeakingMain.class.getName());
        leaking.awaitLine("leaked one buffer", AcceptanceBase.START);
        AssertionError e = assertThrows(AssertionError.class, leaking::stop);
        assertTrue(e.getMessage().contains("LEAK: ByteBuf.release() was not called"), e.getMessage());
        assertTrue(e.getMessage().contains("LeakingMain.main"), "the report should name the allocation:\n"
                + e.getMessage());
    }
}

package dev.gt.runner;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(value = 10, unit = TimeUnit.SECONDS)
class JitPolicyTest {

    @Test
    void autoIsQuickOnSmallMachinesOnly() {
        assertTrue(JitPolicy.quick("auto", 1));
        assertTrue(JitPolicy.quick("auto", JitPolicy.QUICK_UP_TO_CPUS));
        assertFalse(JitPolicy.quick("auto", JitPolicy.QUICK_UP_TO_CPUS + 1));
    }

    @Test
    void quickAndFullAreWhatTheySay() {
        assertTrue(JitPolicy.quick("quick", 64));
        assertFalse(JitPolicy.quick("full", 1));
        assertTrue(JitPolicy.quick("QUICK", 64));
    }

    @Test
    void anotherModeIsRefusedWithTheChoices() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> JitPolicy.quick("c2", 2));
        assertEquals("-jit 'c2': expected auto, quick or full", e.getMessage());
    }
}

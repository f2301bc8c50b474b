package dev.gt.runner;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(value = 10, unit = TimeUnit.SECONDS)
class DefaultEventLoopsTest {

    @Test
    void oneLoopOnMachinesWithAtMostTwoProcessors() {
        assertEquals(1, Instance.defaultEventLoops(1));
        assertEquals(1, Instance.defaultEventLoops(Instance.ONE_LOOP_UP_TO_CPUS));
    }

    @Test
    void theLibraryDefaultOnLargerMachines() {
        assertEquals(0, Instance.defaultEventLoops(Instance.ONE_LOOP_UP_TO_CPUS + 1));
        assertEquals(0, Instance.defaultEventLoops(64));
    }
}

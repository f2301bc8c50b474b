package dev.gt.runner;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(value = 10, unit = TimeUnit.SECONDS)
class ServerEventLoopsTest {

    @Test
    void oneLoopOnMachinesWithAtMostTwoProcessors() {
        assertEquals(1, ServerInstance.eventLoops(1));
        assertEquals(1, ServerInstance.eventLoops(2));
    }

    @Test
    void oneLoopPerProcessorOnLargerMachines() {
        assertEquals(3, ServerInstance.eventLoops(3));
        assertEquals(16, ServerInstance.eventLoops(16));
    }
}

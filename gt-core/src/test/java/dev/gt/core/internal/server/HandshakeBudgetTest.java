package dev.gt.core.internal.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** The bytes held for unrouted and unadmitted peers stay under one budget for all connections. */
class HandshakeBudgetTest {
    @Test
    void takesUpToTheLimitAndRefusesWhatWouldPassIt() {
        HandshakeBudget b = new HandshakeBudget(100);
        assertTrue(b.take(60));
        assertFalse(b.take(41), "60 + 41 > 100");
        assertEquals(60, b.held(), "a refused take holds nothing");
        assertTrue(b.take(40));
        b.giveBack(100);
        assertEquals(0, b.held());
        b.giveBack(0);
        assertEquals(0, b.held());
    }

    @Test
    void theJvmBudgetIsASixteenthOfTheHeapBetween4And64MiB() {
        long limit = HandshakeBudget.forThisJvm().limit();
        assertTrue(limit >= 4L << 20 && limit <= 64L << 20, "limit " + limit);
    }
}

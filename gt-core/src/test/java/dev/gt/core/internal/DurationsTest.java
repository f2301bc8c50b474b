package dev.gt.core.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.time.Duration;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class DurationsTest {
    @ParameterizedTest
    @CsvSource({"PT1M30S, 1m30s", "PT0S, 0s", "PT0.5S, 500ms", "PT1H, 1h0m0s", "PT2M, 2m0s", "PT1.5S, 1.5s",
        "PT0.000002S, 2µs", "PT0.000000003S, 3ns", "PT-5S, -5s", "PT25H1M1.25S, 25h1m1.25s"})
    void formatsLikeGo(String duration, String expected) {
        assertEquals(expected, Durations.format(Duration.parse(duration)));
    }
}

package dev.gt.runner.options;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class DurationsTest {
    @ParameterizedTest
    @CsvSource({
        "90s, PT1M30S",
        "5m, PT5M",
        "1h2m3s, PT1H2M3S",
        "1234m1234ms, PT20H34M1.234S",
        "500ms, PT0.5S",
        "0, PT0S",
        "0s, PT0S",
        "1.5h, PT1H30M",
        ".5s, PT0.5S",
        "1.s, PT1S",
        "2us, PT0.000002S",
        "2µs, PT0.000002S",
        "3ns, PT0.000000003S",
        "-5s, PT-5S",
        "+5s, PT5S",
    })
    void parsesGoSyntax(String text, String expected) {
        assertEquals(Duration.parse(expected), Durations.parse(text));
    }

    @Test
    void bareNumberOtherThanZeroIsMissingUnit() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Durations.parse("90"));
        assertEquals("'90' is not a duration: missing unit (expected e.g. 90s, 5m, 1h30m)", e.getMessage());
    }

    @Test
    void unknownUnitIsNamed() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Durations.parse("5d"));
        assertTrue(e.getMessage().contains("unknown unit 'd'"), e.getMessage());
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "abc", "s", "1..2s", ".s", "-", "1h 2m", "1.2.3s"})
    void rejectsGarbage(String text) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Durations.parse(text));
        assertTrue(e.getMessage().startsWith("'" + text + "' is not a duration"), e.getMessage());
        assertTrue(e.getMessage().endsWith("(expected e.g. 90s, 5m, 1h30m)"), e.getMessage());
    }

    @Test
    void rejectsOverflow() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Durations.parse("9999999999h"));
        assertTrue(e.getMessage().contains("too long"), e.getMessage());
    }

    @ParameterizedTest
    @CsvSource({"PT1M30S, 1m30s", "PT0S, 0s", "PT0.5S, 500ms", "PT1H, 1h0m0s", "PT2M, 2m0s", "PT1.5S, 1.5s",
        "PT0.000002S, 2µs"})
    void formatsLikeGo(String duration, String expected) {
        assertEquals(expected, Durations.format(Duration.parse(duration)));
    }
}

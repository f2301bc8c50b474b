package dev.gt.runner.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Bad command lines and files end the runner at once with exit status 2, nothing on stdout, and a
 * message on stderr that names the option (or file) and what was expected.
 */
class BadFlagsIT extends AcceptanceBase {

    private Cmd.Result gt(String... args) {
        List<String> cmd = new ArrayList<>(List.of(GtProcess.javaExecutable(), "-XX:TieredStopAtLevel=1",
                "-XX:+UseSerialGC", "-jar", GtProcess.jar().toString()));
        cmd.addAll(List.of(args));
        return Cmd.run(dir, START, cmd);
    }

    private static void assertUsageError(Cmd.Result r, String... fragments) {
        assertEquals(2, r.exit(), r::toString);
        assertEquals("", r.stdout(), r::toString);
        for (String f : fragments) {
            assertTrue(r.stderr().contains(f), "stderr should contain '" + f + "':\n" + r);
        }
    }

    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void missingValue() {
        assertUsageError(gt("server", "-addr"), "gt server", "-addr", "missing value", "gt server -h");
    }

    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void unsupportedLocalScheme() {
        assertUsageError(gt("client", "-remote", "tcp://x", "-local", "ftp://y", "-id", "a"),
                "gt client", "-local", "ftp://y", "expected http, https or tcp");
    }

    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void badDuration() {
        assertUsageError(gt("server", "-timeout", "abc"), "-timeout", "'abc'", "not a duration", "expected e.g. 90s");
    }

    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void unknownFlag() {
        assertUsageError(gt("server", "-addr", "0", "-noSuchFlag", "1"), "-noSuchFlag", "unknown option",
                "gt server -h");
        assertUsageError(gt("client", "-remote", "tcp://x", "-local", "http://y", "-noSuchFlag"), "-noSuchFlag",
                "unknown option", "gt client -h");
    }

    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void badYamlFile() throws Exception {
        Files.writeString(dir.resolve("broken.yaml"), "options:\n  remote: [tcp://id1.example.com:8080\n  id: id1\n");
        assertUsageError(gt("client", "-config", "broken.yaml"), "broken.yaml", "not valid YAML");

        Files.writeString(dir.resolve("badvalue.yaml"), "options:\n  remoteTimeout: soon\n");
        assertUsageError(gt("client", "-config", "badvalue.yaml"), "badvalue.yaml:2", "options.remoteTimeout",
                "not a duration");

        assertUsageError(gt("server", "-config", "missing.yaml"), "missing.yaml");
    }

    /** GT 2.x's README command lines with mistakes: each message names what was expected. */
    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void gt2CommandLinesWithMistakes() {
        assertUsageError(gt("-c", "./config.yml"), "gt: ", "config.yml is not a file");
        assertUsageError(gt("server", "-c", "./config.yml"), "gt server: -config './config.yml': file not found");
        assertUsageError(gt("-s", "reboot"), "gt: -s reboot (expected reload, restart or stop)");
        Cmd.Result v = gt("-V");
        assertEquals(0, v.exit(), v.toString());
        assertTrue(v.stdout().startsWith("gt (GT for Java) "), v.stdout());
    }
}

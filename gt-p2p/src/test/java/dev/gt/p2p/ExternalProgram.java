package dev.gt.p2p;

import static org.junit.jupiter.api.Assertions.fail;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Runs a third-party program the tests check the server against. A missing program fails the
 * test with the Debian package to install: these tests are never skipped.
 */
final class ExternalProgram {
    private ExternalProgram() {
    }

    /** The program's path, or a failed test naming the package that ships it. */
    static String require(String program, String debianPackage) {
        for (String dir : System.getenv().getOrDefault("PATH", "/usr/bin:/bin").split(File.pathSeparator)) {
            Path p = Path.of(dir, program);
            if (Files.isExecutable(p)) {
                return p.toString();
            }
        }
        fail(program + " is not installed: run apt-get install -y " + debianPackage
                + " (the STUN/TURN interoperability tests need it; .ci/run installs it)");
        return null;
    }

    /** Exit code and combined output of a finished (or killed) run. */
    record Result(int exitCode, String output, boolean timedOut) {
    }

    /** Runs the command, killing it after {@code timeoutSeconds} (some clients never give up on their own). */
    static Result run(long timeoutSeconds, String... command) throws IOException, InterruptedException {
        Path out = Files.createTempFile("gt-stun-client", ".out");
        try {
            Process p = new ProcessBuilder(List.of(command)).redirectErrorStream(true)
                    .redirectOutput(out.toFile()).start();
            boolean done = p.waitFor(timeoutSeconds, TimeUnit.SECONDS);
            if (!done) {
                p.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
            }
            return new Result(done ? p.exitValue() : -1, Files.readString(out, StandardCharsets.UTF_8), !done);
        } finally {
            Files.deleteIfExists(out);
        }
    }

    static List<String> args(String... a) {
        return new ArrayList<>(List.of(a));
    }
}

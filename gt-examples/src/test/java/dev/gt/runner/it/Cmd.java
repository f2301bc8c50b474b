package dev.gt.runner.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/** Runs a program (curl, ssh, ssh-keygen, a gt JVM expected to exit) to completion with a time limit. */
public final class Cmd {
    private static final AtomicInteger SEQ = new AtomicInteger();

    private Cmd() {
    }

    /** The outcome of one run. */
    public record Result(List<String> command, int exit, String stdout, String stderr) {
        /** Asserts exit status 0 and returns stdout. */
        public String ok() {
            assertEquals(0, exit, this::toString);
            return stdout;
        }

        @Override
        public String toString() {
            return "$ " + String.join(" ", command) + "\nexit " + exit + "\n--- stdout:\n" + stdout + "\n--- stderr:\n"
                    + stderr;
        }
    }

    /** Runs {@code command} in {@code dir}; its output goes through files in {@code dir}. */
    public static Result run(Path dir, Duration timeout, String... command) {
        return run(dir, timeout, List.of(command));
    }

    public static Result run(Path dir, Duration timeout, List<String> command) {
        int n = SEQ.incrementAndGet();
        String base = Path.of(command.get(0)).getFileName().toString().replaceAll("[^A-Za-z0-9._-]", "_");
        Path out = dir.resolve("cmd-" + n + "-" + base + ".out");
        Path err = dir.resolve("cmd-" + n + "-" + base + ".err");
        try {
            Files.createDirectories(dir);
            Process p = new ProcessBuilder(command)
                    .directory(dir.toFile())
                    .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")))
                    .redirectOutput(out.toFile())
                    .redirectError(err.toFile())
                    .start();
            if (!p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                p.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
                throw new AssertionError("$ " + String.join(" ", command) + " did not finish within " + timeout
                        + "\n--- stdout:\n" + read(out) + "\n--- stderr:\n" + read(err));
            }
            return new Result(List.copyOf(command), p.exitValue(), read(out), read(err));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot run " + command, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted while running " + command, e);
        }
    }

    /** Fails with an installation hint when {@code program} is neither an absolute executable nor on the PATH. */
    public static void requireProgram(String program, String aptPackage) {
        assertTrue(findProgram(program) != null, program + " is needed by this acceptance test; install it (e.g. "
                + "apt-get install " + aptPackage + ", as .ci/run does)");
    }

    static Path findProgram(String program) {
        if (program.contains("/")) {
            return Files.isExecutable(Path.of(program)) ? Path.of(program) : null;
        }
        String path = System.getenv().getOrDefault("PATH", "/usr/bin:/bin");
        for (String d : path.split(java.io.File.pathSeparator)) {
            Path p = Path.of(d, program);
            if (Files.isExecutable(p)) {
                return p;
            }
        }
        return null;
    }

    private static String read(Path file) throws IOException {
        return Files.exists(file) ? new String(Files.readAllBytes(file), StandardCharsets.UTF_8) : "";
    }
}

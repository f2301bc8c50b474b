package dev.gt.runner.it;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.awaitility.core.ConditionTimeoutException;

/**
 * A program running in the background for an acceptance test: a {@code java -jar gt.jar ...} JVM or
 * another daemon (sshd). Its stdout and stderr go to files, which {@link #awaitLine} polls (with
 * Awaitility, no sleeping); {@link #stop()} sends SIGTERM and waits. For a gt JVM, the output must
 * not contain Netty's leak report ({@value #LEAK}).
 */
public final class GtProcess implements AutoCloseable {
    /** How Netty's ResourceLeakDetector starts its report. */
    static final String LEAK = "LEAK:";
    /** Exit status of a JVM stopped by SIGTERM (128 + 15): the JVM's signal handler exits with it. */
    static final int SIGTERM_STATUS = 143;

    private static final Duration POLL = Duration.ofMillis(50);
    private static final Duration STOP_TIMEOUT = Duration.ofSeconds(30);

    private final String name;
    private final List<String> command;
    private final Path stdout;
    private final Path stderr;
    private final boolean gt;
    private final Process process;
    private volatile boolean leakChecked;
    private volatile boolean gcRequested;

    private GtProcess(String name, List<String> command, Path dir, boolean gt) {
        this.name = name;
        this.command = List.copyOf(command);
        this.stdout = dir.resolve(name + ".out");
        this.stderr = dir.resolve(name + ".err");
        this.gt = gt;
        try {
            Files.createDirectories(dir);
            this.process = new ProcessBuilder(command)
                    .directory(dir.toFile())
                    .redirectInput(ProcessBuilder.Redirect.from(nullDevice()))
                    .redirectOutput(stdout.toFile())
                    .redirectError(stderr.toFile())
                    .start();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start " + name + ": " + command, e);
        }
    }

    /** The gt.jar under test: the {@code gt.jar} system property set by failsafe, or the module's target. */
    public static Path jar() {
        String p = System.getProperty("gt.jar");
        Path jar = p != null ? Path.of(p) : Path.of("target", "gt.jar");
        assertTrue(Files.isRegularFile(jar), "gt.jar not found at " + jar.toAbsolutePath()
                + "; run the ITs with 'mvn verify' so that the package phase builds it");
        return jar;
    }

    /**
     * Extra options for every gt JVM, from the system property {@code gt.it.jvmArgs} (space-separated),
     * e.g. {@code mvn verify -Dgt.it.jvmArgs=-Dgt.ioEngine=epoll} to run the suite on another transport.
     */
    static List<String> extraJvmOptions() {
        String v = System.getProperty("gt.it.jvmArgs", "").trim();
        return v.isEmpty() ? List.of() : List.of(v.split("\\s+"));
    }

    /** The java launcher of the JVM running the tests. */
    static String javaExecutable() {
        return Path.of(System.getProperty("java.home"), "bin", "java").toString();
    }

    /**
     * Starts {@code java -Dio.netty.leakDetection.level=paranoid [jvmOptions] -jar gt.jar args} in
     * {@code dir}, with its output in {@code dir/name.out} and {@code dir/name.err}.
     */
    public static GtProcess gt(Path dir, String name, List<String> jvmOptions, String... args) {
        return new GtProcess(name, gtCommand(jvmOptions, args), dir, true);
    }

    /**
     * Like {@link #gt}, with at most {@code fdLimit} open file descriptors ({@code ulimit -n}, set
     * by bash, which then execs the JVM: {@link #pid()} is the JVM's).
     */
    public static GtProcess gtWithFdLimit(Path dir, String name, int fdLimit, List<String> jvmOptions,
            String... args) {
        List<String> cmd = new ArrayList<>(List.of("bash", "-c", "ulimit -n " + fdLimit + " && exec \"$@\"", "bash"));
        cmd.addAll(gtCommand(jvmOptions, args));
        return new GtProcess(name, cmd, dir, true);
    }

    private static List<String> gtCommand(List<String> jvmOptions, String... args) {
        List<String> cmd = new ArrayList<>();
        cmd.add(javaExecutable());
        cmd.add("-Dio.netty.leakDetection.level=paranoid");
        // Short-lived JVMs on small CI machines: C1 only and the serial collector start much faster.
        cmd.add("-XX:TieredStopAtLevel=1");
        cmd.add("-XX:+UseSerialGC");
        cmd.addAll(jvmOptions);
        cmd.addAll(extraJvmOptions());
        cmd.add("-jar");
        cmd.add(jar().toString());
        cmd.addAll(List.of(args));
        return cmd;
    }

    /**
     * Starts {@code java -Dio.netty.leakDetection.level=paranoid -cp classpath mainClass args} with the
     * same leak check as a gt JVM (for testing this fixture).
     */
    static GtProcess java(Path dir, String name, String classpath, String mainClass, String... args) {
        List<String> cmd = new ArrayList<>(List.of(javaExecutable(), "-Dio.netty.leakDetection.level=paranoid",
                "-cp", classpath, mainClass));
        cmd.addAll(List.of(args));
        return new GtProcess(name, cmd, dir, true);
    }

    /** Starts another program (a daemon such as sshd) with the same output handling, without the leak check. */
    public static GtProcess program(Path dir, String name, String... command) {
        return new GtProcess(name, List.of(command), dir, false);
    }

    public String name() {
        return name;
    }

    public long pid() {
        return process.pid();
    }

    public boolean isAlive() {
        return process.isAlive();
    }

    /** Everything written to stdout so far. */
    public String stdout() {
        return read(stdout);
    }

    /** Everything written to stderr so far (gt logs there). */
    public String stderr() {
        return read(stderr);
    }

    /** stdout followed by stderr. */
    public String output() {
        return stdout() + stderr();
    }

    /** Waits until the output contains {@code text}; fails early, with the output, if the process exits. */
    public void awaitLine(String text, Duration timeout) {
        awaitMatch(Pattern.compile(Pattern.quote(text)), timeout);
    }

    /** Waits until the output matches {@code pattern} and returns the first match. */
    public Matcher awaitMatch(Pattern pattern, Duration timeout) {
        return awaitMatches(pattern, 1, timeout).get(0);
    }

    /**
     * Waits until the output matches {@code pattern} at least {@code count} times and returns the
     * matches (as {@link Matcher#toMatchResult()} snapshots).
     */
    public List<Matcher> awaitMatches(Pattern pattern, int count, Duration timeout) {
        List<Matcher> found = new ArrayList<>();
        try {
            await("'" + pattern + "' x" + count + " in the output of " + name)
                    .atMost(timeout)
                    .pollDelay(Duration.ZERO)
                    .pollInterval(POLL)
                    .until(() -> {
                        found.clear();
                        boolean alive = process.isAlive();
                        String out = output();
                        Matcher m = pattern.matcher(out);
                        while (m.find()) {
                            Matcher one = pattern.matcher(out);
                            one.find(m.start());
                            found.add(one);
                        }
                        if (found.size() >= count) {
                            return true;
                        }
                        if (!alive) {
                            throw new AssertionError(name + " exited with status " + process.exitValue()
                                    + " before its output matched '" + pattern + "' " + count + " time(s):\n"
                                    + describe());
                        }
                        return false;
                    });
        } catch (ConditionTimeoutException e) {
            throw new AssertionError("no '" + pattern + "' (x" + count + ") within " + timeout + " in the output of "
                    + name + ":\n" + describe(), e);
        }
        return found;
    }

    /** How often {@code pattern} matches the output now. */
    public int count(Pattern pattern) {
        Matcher m = pattern.matcher(output());
        int n = 0;
        while (m.find()) {
            n++;
        }
        return n;
    }

    /** Waits for the process to end by itself and returns its exit status. */
    public int awaitExit(Duration timeout) {
        try {
            if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                process.destroyForcibly();
                fail(name + " did not exit within " + timeout + ":\n" + describe());
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            process.destroyForcibly();
            throw new AssertionError("interrupted while waiting for " + name, e);
        }
        checkLeaks();
        return process.exitValue();
    }

    /**
     * Stops the process with SIGTERM ({@link Process#destroy()}), waits for it to exit and returns its
     * exit status; fails if it does not exit within 30 s or (for gt) reported a leak. Before the
     * signal, a gt JVM is asked to run a full GC ({@code jcmd PID GC.run}), so that Netty's paranoid
     * leak detector sees the buffers that became unreachable and reports any leaked one while the
     * shutdown allocates its last buffers.
     */
    public int stop() {
        if (process.isAlive()) {
            if (gt && !gcRequested) {
                awaitGc(startGc());
            }
            process.destroy();
        }
        try {
            if (!process.waitFor(STOP_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)) {
                String threads = threadDump();
                process.destroyForcibly();
                fail(name + " did not stop within " + STOP_TIMEOUT + " after SIGTERM:\n" + describe()
                        + "\nthreads:\n" + threads);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            process.destroyForcibly();
            throw new AssertionError("interrupted while stopping " + name, e);
        }
        checkLeaks();
        return process.exitValue();
    }

    /** Kills the process with SIGKILL (a crash); its output is still checked for leak reports. */
    public void kill() {
        process.destroyForcibly();
        try {
            if (!process.waitFor(STOP_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)) {
                fail(name + " survived SIGKILL for " + STOP_TIMEOUT);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted while killing " + name, e);
        }
        checkLeaks();
    }

    /** Stops the process if it still runs; for gt also fails on a leak report. */
    @Override
    public void close() {
        if (process.isAlive()) {
            stop();
        } else {
            checkLeaks();
        }
    }

    /** Fails when a gt JVM's output contains Netty's leak report. */
    public void checkLeaks() {
        if (!gt || leakChecked) {
            return;
        }
        String out = output();
        if (out.contains(LEAK)) {
            leakChecked = true;
            fail("Netty reported a resource leak in " + name + " (" + command + "):\n" + out);
        }
        if (!process.isAlive()) {
            leakChecked = true;
        }
    }

    /** The command and a tail of both outputs, for failure messages. */
    public String describe() {
        return "--- " + name + " (pid " + process.pid() + "): " + String.join(" ", command) + "\n--- stdout:\n"
                + tail(stdout()) + "--- stderr:\n" + tail(stderr());
    }

    /** Asks a running gt JVM for a full GC ({@code jcmd PID GC.run}) without waiting; null if not possible. */
    private Process startGc() {
        Path jcmd = Path.of(System.getProperty("java.home"), "bin", "jcmd");
        if (!gt || !process.isAlive() || !Files.isExecutable(jcmd)) {
            return null;
        }
        gcRequested = true;
        try {
            return new ProcessBuilder(jcmd.toString(), Long.toString(process.pid()), "GC.run")
                    .redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.DISCARD)
                    .start();
        } catch (IOException e) {
            // Best effort: the leak check then relies on the GCs that happened anyway.
            return null;
        }
    }

    private static void awaitGc(Process jcmd) {
        if (jcmd == null) {
            return;
        }
        try {
            if (!jcmd.waitFor(15, TimeUnit.SECONDS)) {
                jcmd.destroyForcibly();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /**
     * Runs a full GC in every running gt JVM of {@code processes} (in parallel). Netty's leak
     * detector reports a leaked buffer at the next allocation after the GC found it unreachable:
     * stopping these processes afterwards (tunnels say goodbye, peers read it) provides those.
     */
    public static void gcAll(Iterable<GtProcess> processes) {
        List<Process> running = new ArrayList<>();
        for (GtProcess p : processes) {
            running.add(p.startGc());
        }
        running.forEach(GtProcess::awaitGc);
    }

    private String threadDump() {
        Path jstack = Path.of(System.getProperty("java.home"), "bin", "jcmd");
        if (!gt || !Files.isExecutable(jstack)) {
            return "(none)";
        }
        try {
            Process p = new ProcessBuilder(jstack.toString(), Long.toString(process.pid()), "Thread.print")
                    .redirectErrorStream(true).start();
            byte[] bytes = p.getInputStream().readAllBytes();
            p.waitFor(15, TimeUnit.SECONDS);
            return new String(bytes, StandardCharsets.UTF_8);
        } catch (IOException e) {
            return "(" + e + ")";
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return "(interrupted)";
        }
    }

    private static String tail(String s) {
        int max = 20_000;
        String t = s.length() <= max ? s : "[... " + (s.length() - max) + " chars]\n" + s.substring(s.length() - max);
        return t.isEmpty() || t.endsWith("\n") ? t : t + "\n";
    }

    private static String read(Path file) {
        try {
            // Decoded leniently: the file may end inside a multi-byte character while it is being written.
            return Files.exists(file) ? new String(Files.readAllBytes(file), StandardCharsets.UTF_8) : "";
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static java.io.File nullDevice() {
        return new java.io.File(System.getProperty("os.name").startsWith("Windows") ? "NUL" : "/dev/null");
    }

    @Override
    public String toString() {
        return name + "(pid " + process.pid() + ")";
    }
}

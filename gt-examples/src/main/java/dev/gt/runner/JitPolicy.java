package dev.gt.runner;

import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import javax.management.JMException;
import javax.management.ObjectName;

/**
 * The runner's choice of JIT compilers ({@code -jit}): {@code quick} keeps HotSpot's quick compiler
 * (C1) and turns its optimising one (C2) off, {@code full} leaves the JVM as it is, {@code auto}
 * picks {@code quick} on machines with at most {@value #QUICK_UP_TO_CPUS} CPUs when the process runs
 * no QUIC tunnel.
 *
 * <p>Why: on a 2-core machine the relay bench (wrk -c100 through a GT server and client, nginx
 * behind) gave p99 latencies of 4.3 to 9.5 ms with both compilers against 1.8 to 2.7 ms with C1
 * alone, for the same CPU per request (9.7 to 13.2 µs against 9.7 to 21.5, and far steadier), and
 * the same CPU per MiB in bulk. C2's compiler threads take whole cores for tens of milliseconds
 * while the event loops wait, and each change in traffic (new connections, another route)
 * deoptimises hot methods back to the interpreter until C2 has compiled them again. The relay's
 * own code is thin (the bytes are moved by the kernel, TLS and QUIC by native code), so C2's
 * better code gains little. QUIC is the exception: the Java side of Netty's QUIC codec does much
 * more per packet, and with C1 alone the same bench cost 51 to 57 µs a request over quic://
 * against 37 to 40 with both compilers, so {@code auto} keeps C2 for a server with a QUIC
 * listener and a client with a quic:// remote. On larger machines C2 has cores of its own:
 * nothing was measured there, so {@code auto} keeps the JVM's default.
 *
 * <p>A JVM's compilers are fixed by its command line; this applies a compiler directive at run
 * time instead (the {@code Compiler.directives_add} diagnostic command, which {@code jcmd} also
 * uses), so that {@code java -jar gt.jar} needs no JVM flags. Methods C2 may not compile are
 * compiled by C1 without profiling, which is {@code -XX:TieredStopAtLevel=1}'s code.
 */
final class JitPolicy {

    static final int QUICK_UP_TO_CPUS = 2;

    private static final String EXCLUDE_C2 = "[{ match: \"*.*\", c2: { Exclude: true } }]";

    private JitPolicy() {
    }

    /**
     * What {@code -jit MODE} means on a machine with {@code cpus} processors, for a process that
     * runs QUIC tunnels or not: true for C1 only.
     */
    static boolean quick(String mode, int cpus, boolean quic) {
        switch (mode.toLowerCase(Locale.ROOT)) {
            case "quick":
                return true;
            case "full":
                return false;
            case "auto":
                return cpus <= QUICK_UP_TO_CPUS && !quic;
            default:
                throw new IllegalArgumentException("-jit '" + mode + "': expected auto, quick or full");
        }
    }

    /**
     * Applies {@code -jit MODE} to this JVM and returns the line to log, or null when the JVM is
     * left as it is.
     */
    static String apply(String mode, boolean quic) {
        int cpus = Runtime.getRuntime().availableProcessors();
        if (!quick(mode, cpus, quic)) {
            return null;
        }
        String why = mode.equalsIgnoreCase("auto") ? cpus + " CPU" + (cpus == 1 ? "" : "s") + ", -jit auto" : "-jit quick";
        try {
            String answer = excludeOptimizingCompiler();
            if (!answer.contains("1 compiler directives added")) {
                return "JIT: the JVM refused the C1-only directive (" + answer.strip() + "); both compilers run";
            }
            return "JIT: quick compiler only (" + why + "; -jit full keeps the JVM's default)";
        } catch (JMException | RuntimeException | java.io.IOException e) {
            return "JIT: could not switch to the quick compiler only (" + e + "); both compilers run";
        }
    }

    private static String excludeOptimizingCompiler() throws JMException, java.io.IOException {
        Path file = Files.createTempFile("gt-jit", ".json");
        try {
            Files.writeString(file, EXCLUDE_C2, StandardCharsets.UTF_8);
            Object answer = ManagementFactory.getPlatformMBeanServer().invoke(
                    new ObjectName("com.sun.management:type=DiagnosticCommand"), "compilerDirectivesAdd",
                    new Object[] {new String[] {file.toString()}}, new String[] {String[].class.getName()});
            return String.valueOf(answer);
        } finally {
            Files.deleteIfExists(file);
        }
    }
}

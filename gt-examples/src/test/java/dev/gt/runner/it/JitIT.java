package dev.gt.runner.it;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * {@code -jit}: the runner switches its own JVM to the quick compiler only, without JVM flags, and
 * says so; {@code -jit full} leaves the JVM's compilers alone. The JVM's own list of compiler
 * directives (what {@code jcmd PID Compiler.directives_print} shows) is the proof.
 */
class JitIT extends AcceptanceBase {

    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void quickExcludesTheOptimisingCompilerAndSaysSo() {
        GtProcess server = server("server", "-addr", "127.0.0.1:0", "-id", "id1", "-secret", "secret1", "-jit",
                "quick");
        server.awaitLine("INFO runner - JIT: quick compiler only (-jit quick; -jit full keeps the JVM's default)", START);
        String directives = directives(server);
        assertTrue(directives.contains("c2") && directives.matches("(?s).*Exclude:\\s*true.*"), directives);
    }

    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void fullLeavesTheJvmAsItIs() {
        GtProcess client = client("client", "-remote", "tcp://127.0.0.1:1", "-id", "id1", "-secret", "secret1",
                "-local", "http://127.0.0.1:1", "-jit", "full");
        client.awaitLine("127.0.0.1:1", START);
        String directives = directives(client);
        assertFalse(directives.matches("(?s).*Exclude:\\s*true.*"), directives);
        assertFalse(client.output().contains("JIT:"), client::describe);
    }

    private String directives(GtProcess p) {
        Path jcmd = Path.of(System.getProperty("java.home"), "bin", "jcmd");
        return Cmd.run(dir, START, jcmd.toString(), Long.toString(p.pid()), "Compiler.directives_print").ok();
    }
}

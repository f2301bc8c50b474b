package dev.gt.runner;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.gt.runner.options.ClientOptions;
import dev.gt.runner.options.ServerOptions;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(value = 10, unit = TimeUnit.SECONDS)
class JitPolicyTest {

    @Test
    void autoIsQuickOnSmallMachinesOnly() {
        assertTrue(JitPolicy.quick("auto", 1, false));
        assertTrue(JitPolicy.quick("auto", JitPolicy.QUICK_UP_TO_CPUS, false));
        assertFalse(JitPolicy.quick("auto", JitPolicy.QUICK_UP_TO_CPUS + 1, false));
    }

    @Test
    void autoKeepsBothCompilersForQuic() {
        assertFalse(JitPolicy.quick("auto", 1, true));
        assertTrue(JitPolicy.quick("quick", 1, true));
    }

    @Test
    void quickAndFullAreWhatTheySay() {
        assertTrue(JitPolicy.quick("quick", 64, false));
        assertFalse(JitPolicy.quick("full", 1, false));
        assertTrue(JitPolicy.quick("QUICK", 64, false));
    }

    @Test
    void quicIsAQuicListenerOrAQuicRemote() {
        Path wd = Path.of("").toAbsolutePath();
        assertTrue(Gt.usesQuic("server", ServerOptions.parse(new String[] {"-quicAddr", "127.0.0.1:0"}, wd).values()));
        assertFalse(Gt.usesQuic("server", ServerOptions.parse(new String[] {"-addr", "127.0.0.1:0"}, wd).values()));
        assertTrue(Gt.usesQuic("client", ClientOptions.parse(new String[] {"-remote", "tcp://127.0.0.1:1",
            "-remote", "QUIC://127.0.0.1:2", "-id", "a", "-secret", "b", "-local", "http://127.0.0.1:3"}, wd).values()));
        assertFalse(Gt.usesQuic("client", ClientOptions.parse(new String[] {"-remote", "tls://127.0.0.1:1",
            "-id", "a", "-secret", "b", "-local", "http://127.0.0.1:3"}, wd).values()));
    }

    @Test
    void anotherModeIsRefusedWithTheChoices() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> JitPolicy.quick("c2", 2, false));
        assertEquals("-jit 'c2': expected auto, quick or full", e.getMessage());
    }
}

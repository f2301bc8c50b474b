package dev.gt.runner.it;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.File;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A JVM whose main only starts a server with {@code closeOnJvmShutdown()} and waits in
 * {@code awaitTermination()} stops cleanly on SIGTERM: the hook stops the server, which logs
 * "GT server stopped", and the JVM exits without an exception or a leak report.
 */
class ShutdownHookIT extends AcceptanceBase {

    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void sigtermStopsAServerThatClosesOnJvmShutdown() throws Exception {
        String classpath = GtProcess.jar() + File.pathSeparator
                + Path.of(ClosingServerMain.class.getProtectionDomain().getCodeSource().getLocation().toURI());
        GtProcess main = closeLater(GtProcess.java(dir, "closing", classpath, ClosingServerMain.class.getName()));
        int port = Integer.parseInt(main.awaitMatch(Pattern.compile("serving on port (\\d+)"), START).group(1));
        assertTrue(curl("-s", "-o", "/dev/null", "-w", "%{http_code}", "-H", "Host: nobody.example.com",
                "http://127.0.0.1:" + port + "/").ok().equals("404"));

        int status = main.stop();
        assertTrue(status == 0 || status == GtProcess.SIGTERM_STATUS, "exit status " + status + "\n" + main.describe());
        assertTrue(main.output().contains("GT server stopped"), main::describe);
        assertFalse(main.output().contains("Exception"), main::describe);
    }
}

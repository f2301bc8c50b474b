package dev.gt.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.gt.core.options.Option;
import dev.gt.core.options.OptionTable;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The runner's command handling, up to the point where a server or client would start. */
class GtTest {
    @TempDir
    Path dir;

    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final ByteArrayOutputStream err = new ByteArrayOutputStream();

    private int run(String... args) {
        return new Gt(new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true,
                StandardCharsets.UTF_8), dir).run(args);
    }

    private String out() {
        return out.toString(StandardCharsets.UTF_8);
    }

    private String err() {
        return err.toString(StandardCharsets.UTF_8);
    }

    @Test
    void badFlagExitsWithTwoAndAHint() {
        assertEquals(2, run("server", "-timeout", "abc"));
        assertEquals("gt server: -timeout 'abc' is not a duration (expected e.g. 90s, 5m, 1h30m)\n"
                + "run 'gt server -h' for the list of options\n", err());
        assertEquals("", out());
    }

    @Test
    void unknownAndUnsupportedFlags() {
        assertEquals(2, run("client", "-remoteTcpPort", "22"));
        assertTrue(err().startsWith("gt client: -remoteTcpPort: unknown option; did you mean -remoteTCPPort?\n"
                + "run 'gt client -h'"), err());
        err.reset();
        assertEquals(2, run("server", "-quicAddr", "443"));
        assertTrue(err().startsWith("gt server: option -quicAddr is not supported by this version of GT for Java\n"),
                err());
    }

    @Test
    void incompleteConfigurationsExitWithTwo() throws IOException {
        assertEquals(2, run("server"));
        assertTrue(err().startsWith("gt server: no listener is configured (expected -addr, -tlsAddr or -sniAddr)\n"), err());
        err.reset();
        assertEquals(2, run("client", "-id", "a", "-local", "http://127.0.0.1"));
        assertTrue(err().startsWith("gt client: no server is configured (expected -remote or -remoteAPI)\n"), err());
        err.reset();
        Files.writeString(dir.resolve("client.yaml"), "options:\n  timeout: 5s\n");
        assertEquals(2, run("client", "-config", "client.yaml"));
        assertTrue(err().startsWith("gt client: client.yaml:2: options.timeout: not an option of gt client (it is an "
                + "option of gt server)\n"), err());
    }

    @Test
    void versionEverywhere() {
        for (String[] args : new String[][] {{"-version"}, {"--version"}, {"version"}, {"server", "-version"},
            {"client", "-version"}}) {
            out.reset();
            assertEquals(0, run(args), String.join(" ", args));
            assertTrue(out().startsWith("gt (GT for Java) dev, Java "), out());
        }
    }

    @Test
    void helpEverywhere() {
        assertEquals(0, run("-h"));
        assertTrue(out().contains("gt server [options]") && out().contains("gt demo"), out());
        out.reset();
        assertEquals(0, run("help"));
        assertTrue(out().contains("gt client [options]"), out());
        out.reset();
        assertEquals(0, run("server", "-h"));
        for (Option o : OptionTable.SERVER.options()) {
            assertTrue(out().contains("\n  -" + o.name()), o.name());
        }
        out.reset();
        assertEquals(0, run("help", "client"));
        for (Option o : OptionTable.CLIENT.options()) {
            assertTrue(out().contains("\n  -" + o.name()), o.name());
        }
        out.reset();
        assertEquals(0, run("demo", "--help"));
        assertTrue(out().contains("\n  -duration duration\n"), out());
        assertEquals("", err());
    }

    @Test
    void noArgumentsPrintsTheOverviewAndExitsWithTwo() {
        assertEquals(2, run());
        assertTrue(err().contains("Usage:"), err());
        assertEquals("", out());
    }

    @Test
    void unknownCommands() {
        assertEquals(2, run("serve"));
        assertTrue(err().startsWith("gt: unknown command 'serve'; did you mean server?\n"), err());
        err.reset();
        assertEquals(2, run("-addr", "8080"));
        assertTrue(err().startsWith("gt: '-addr' comes before the command; write gt server -addr ..."), err());
        err.reset();
        assertEquals(2, run("frob"));
        assertTrue(err().startsWith("gt: unknown command 'frob' (expected server, client, demo, help or version)"),
                err());
    }

    @Test
    void demoFlags() {
        assertEquals(2, run("demo", "-duration", "soon"));
        assertTrue(err().startsWith("gt demo: -duration 'soon' is not a duration"), err());
        err.reset();
        assertEquals(2, run("demo", "-addr", "1"));
        assertTrue(err().startsWith("gt demo: -addr: not an option of gt demo (it is an option of gt server)"), err());
    }

    @Test
    void logLevelIsKnownBeforeParsing() {
        assertEquals(dev.gt.core.options.LogLevel.INFO, Gt.preScanLogLevel(new String[] {"-addr", "1"}));
        assertEquals(dev.gt.core.options.LogLevel.DEBUG, Gt.preScanLogLevel(new String[] {"-logLevel", "debug"}));
        assertEquals(dev.gt.core.options.LogLevel.OFF, Gt.preScanLogLevel(new String[] {"--logLevel=disabled"}));
        assertEquals(dev.gt.core.options.LogLevel.INFO, Gt.preScanLogLevel(new String[] {"-logLevel", "loud"}));
        assertEquals(dev.gt.core.options.LogLevel.INFO, Gt.preScanLogLevel(new String[] {"-logLevel"}));
    }

    @Test
    void serverThatCannotStartExitsWithOne() throws IOException {
        try (ServerSocket busy = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            assertEquals(1, run("server", "-addr", "127.0.0.1:" + busy.getLocalPort(), "-logLevel", "error"));
            assertTrue(err().contains("gt server: failed to start: "), err());
        }
    }
}

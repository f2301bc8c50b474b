package dev.gt.runner;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.gt.runner.options.Option;
import dev.gt.runner.options.OptionTable;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
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
        assertEquals(2, run("server", "-pprof"));
        assertTrue(err().startsWith("gt server: option -pprof is not supported by this version of GT for Java\n"),
                err());
    }

    @Test
    void incompleteConfigurationsExitWithTwo() throws IOException {
        assertEquals(2, run("server"));
        assertTrue(err().startsWith("gt server: no listener is configured (expected -addr, -tlsAddr, -sniAddr or -quicAddr)\n"), err());
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
    void unknownCommands() {
        assertEquals(2, run("serve"));
        assertTrue(err().startsWith("gt: unknown command 'serve'; did you mean server?\n"), err());
        err.reset();
        assertEquals(2, run("-addr", "8080"));
        assertTrue(err().startsWith("gt: -addr comes after the command; write gt server -addr ...\n"), err());
        err.reset();
        assertEquals(2, run("frob"));
        assertTrue(err().startsWith("gt: unknown command 'frob' (expected server, client, demo, help or version)"),
                err());
    }

    /** GT 2.x's top-level options: mistakes get a message that names what is expected. */
    @Test
    void gt2TopLevelOptionsCheckTheirArguments() throws IOException {
        assertEquals(2, run("-c", "missing.yaml"));
        assertTrue(err().startsWith("gt: "), err());
        assertTrue(err().contains("missing.yaml is not a file"), err());
        err.reset();
        Files.createDirectory(dir.resolve("conf.d"));
        assertEquals(2, run("-c", "conf.d"));
        assertEquals("gt: no *.yaml or *.yml file in conf.d\n", err());
        err.reset();
        assertEquals(2, run("-c", "conf.d", "-addr", "1"));
        assertTrue(err().startsWith("gt: -addr: gt -c takes only -c FILE|DIR and --depth N"), err());
        err.reset();
        assertEquals(2, run("-config", "gt.yaml"));
        assertTrue(err().startsWith("gt: -config comes after the command"), err());
        err.reset();
        assertEquals(2, run("-s", "frob"));
        assertEquals("gt: -s frob (expected reload, restart or stop)\n", err());
        err.reset();
        Files.writeString(dir.resolve("typed.yaml"), "type: proxy\n");
        assertEquals(2, run("-c", "typed.yaml"));
        assertTrue(err().contains("type 'proxy' (expected server or client)"), err());
        out.reset();
        assertEquals(0, run("-V"));
        assertTrue(out().startsWith("gt (GT for Java) "), out());
    }

    @Test
    void theKindOfAFileIsItsTypeElseServicesMeanAClient() throws IOException {
        Path client = Files.writeString(dir.resolve("c.yaml"), "services:\n  - local: http://127.0.0.1:80\n");
        Path server = Files.writeString(dir.resolve("s.yml"), "options:\n  addr: 8080\n");
        Path typed = Files.writeString(dir.resolve("t.yaml"), "type: client\noptions:\n  id: x\n");
        assertEquals("client", Gt.specOf(client).command());
        assertEquals("server", Gt.specOf(server).command());
        assertEquals("client", Gt.specOf(typed).command());
        assertEquals(List.of("-config", server.toString()), Gt.specOf(server).args());
        assertEquals(3, Gt.specsOf(dir, 1).size());
    }

    @Test
    void gt2OptionsOfTheCommands() {
        assertEquals(2, run("server", "-c", "./config.yml"));
        assertTrue(err().startsWith("gt server: -config './config.yml': file not found"), err());
        out.reset();
        assertEquals(0, run("server", "-V"));
        assertTrue(out().startsWith("gt (GT for Java) "), out());
        err.reset();
        assertEquals(2, run("client", "-s", "reload"));
        assertTrue(err().startsWith("gt client: option -s is not supported by this version of GT for Java; write gt -s "
                + "reload|restart|stop [-c FILE|DIR] (without the command)"), err());
    }

    @Test
    void optionsBeforeTheCommandAreSentToTheCommandsThatHaveThem() {
        assertEquals(2, run("-local", "http://127.0.0.1"));
        assertTrue(err().startsWith("gt: -local comes after the command; write gt client -local ...\n"), err());
        err.reset();
        assertEquals(2, run("-noSuchOption"));
        assertTrue(err().startsWith("gt: -noSuchOption: unknown option; the command comes first (gt server [options], "
                + "gt client [options] or gt demo [options])\n"), err());
        err.reset();
        assertEquals(2, run("-webAddr", ":8000"));
        assertTrue(err().startsWith("gt: -webAddr comes after the command; write gt server -webAddr ... or gt client "
                + "-webAddr ...\n"), err());
        err.reset();
        // The value after '=' may be a secret: never shown.
        assertEquals(2, run("-secret=hunter2", "server"));
        assertTrue(err().startsWith("gt: -secret comes after the command; write gt server -secret ... or gt client "
                + "-secret ...\n"), err());
        assertFalse(err().contains("hunter2"), err());
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
        assertEquals(dev.gt.runner.options.LogLevel.INFO, Gt.preScanLogLevel(new String[] {"-addr", "1"}));
        assertEquals(dev.gt.runner.options.LogLevel.DEBUG, Gt.preScanLogLevel(new String[] {"-logLevel", "debug"}));
        assertEquals(dev.gt.runner.options.LogLevel.OFF, Gt.preScanLogLevel(new String[] {"--logLevel=disabled"}));
        assertEquals(dev.gt.runner.options.LogLevel.INFO, Gt.preScanLogLevel(new String[] {"-logLevel", "loud"}));
        assertEquals(dev.gt.runner.options.LogLevel.INFO, Gt.preScanLogLevel(new String[] {"-logLevel"}));
    }

    @Test
    void serverThatCannotStartExitsWithOne() throws IOException {
        try (ServerSocket busy = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            assertEquals(1, run("server", "-addr", "127.0.0.1:" + busy.getLocalPort(), "-logLevel", "error"));
            assertTrue(err().contains("gt server: failed to start: "), err());
        }
    }
}

package dev.gt.runner.options;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.gt.api.PortRange;
import dev.gt.core.GtServerConfig;
import dev.gt.core.User;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class ServerOptionsTest {
    @TempDir
    Path dir;

    private ServerOptions parse(String... args) {
        return ServerOptions.parse(args, dir);
    }

    private GtServerConfig config(String... args) {
        return parse(args).builder().buildConfig();
    }

    private String error(String... args) {
        return assertThrows(OptionsException.class, () -> parse(args)).getMessage();
    }

    private void file(String name, String text) throws IOException {
        Files.writeString(dir.resolve(name), text);
    }

    private String fileError(String text) throws IOException {
        file("server.yaml", text);
        return error("-config", "server.yaml");
    }

    // ---- README scenarios

    @Test
    void internalHttpPenetration() {
        GtServerConfig c = config("-addr", "8080", "-id", "id1", "-secret", "secret1");
        assertEquals(8080, c.listenAddress().getPort());
        assertTrue(c.listenAddress().getAddress().isAnyLocalAddress());
        assertEquals(Map.of("id1", User.of("secret1")), c.users());
        assertFalse(c.allowAnyClient());
        assertEquals(Duration.ofSeconds(90), c.idleTimeout());
        assertEquals(10, c.maxTunnelsPerClient());
        assertEquals("Host", c.httpRoutingHeader());
        assertEquals(600, c.maxServicesPerHandshake());
        assertEquals(0, c.maxTcpPortsPerClient());
        assertEquals(List.of(), c.tcpPortRanges());
    }

    @Test
    void internalTcpPenetration() {
        GtServerConfig c = config("-addr", "8080", "-id", "id1", "-secret", "secret1", "-tcpNumber", "1",
                "-tcpRange", "1024-65535");
        assertEquals(1, c.maxTcpPortsPerClient());
        assertEquals(List.of(new PortRange(1024, 65535)), c.tcpPortRanges());
    }

    @Test
    void usersFromTheCommandLinePairByPosition() {
        assertEquals(Map.of("id1", User.of("secret1"), "id2", User.of("secret2")),
                config("-addr", "8080", "-id", "id1", "-secret", "secret1", "-id", "id2", "-secret", "secret2").users());
        ServerOptions o = parse("-addr", "8080", "-id", "a", "-id", "b", "-secret", "x", "-secret", "y");
        assertEquals(Map.of("a", User.of("x"), "b", User.of("y")), o.builder().buildConfig().users());
        assertEquals(List.of("a", "b"), o.userIds());
    }

    @Test
    void idAndSecretCountsMustMatch() {
        String m = error("-addr", "8080", "-id", "a", "-id", "b", "-secret", "x");
        assertEquals("-id is given 2 times and -secret once (expected one -secret per -id: the i-th -id pairs with "
                + "the i-th -secret)", m);
        assertTrue(error("-secret", "x").startsWith("-id is given 0 times and -secret once"));
    }

    // ---- every supported option on the command line

    @ParameterizedTest
    @CsvSource({"8080, 0.0.0.0, 8080", ":8080, 0.0.0.0, 8080", "127.0.0.1:8080, 127.0.0.1, 8080",
        "127.0.0.1:0, 127.0.0.1, 0", "[::1]:9000, 0:0:0:0:0:0:0:1, 9000"})
    void addrForms(String addr, String host, int port) {
        InetSocketAddress a = config("-addr", addr).listenAddress();
        assertEquals(port, a.getPort());
        assertEquals(host, a.getAddress().getHostAddress());
    }

    @Test
    void everySupportedOptionOnTheCommandLine() {
        ServerOptions o = parse("-addr", "127.0.0.1:0", "-id", "id1", "-secret", "secret1", "-allowAnyClient",
                "-tcpRange", "10000-10010", "-tcpRange", "20000", "-tcpNumber", "2", "-httpMUXHeader", "X-Client",
                "-timeout", "1h2m3s", "-connections", "4", "-maxHandShakeOptions", "5", "-logLevel", "debug");
        GtServerConfig c = o.builder().buildConfig();
        assertEquals(new InetSocketAddress("127.0.0.1", 0), c.listenAddress());
        assertEquals(Map.of("id1", User.of("secret1")), c.users());
        assertTrue(c.allowAnyClient());
        assertEquals(List.of(new PortRange(10000, 10010), new PortRange(20000, 20000)), c.tcpPortRanges());
        assertEquals(2, c.maxTcpPortsPerClient());
        assertEquals("X-Client", c.httpRoutingHeader());
        assertEquals(Duration.ofSeconds(3723), c.idleTimeout());
        assertEquals(4, c.maxTunnelsPerClient());
        assertEquals(5, c.maxServicesPerHandshake());
        assertEquals(LogLevel.DEBUG, o.logLevel());
        assertFalse(o.helpRequested());
        assertFalse(o.versionRequested());
        assertNull(o.configFile());
        assertEquals(OptionValues.Source.COMMAND_LINE, o.values().source("timeout"));
        assertEquals(OptionValues.Source.DEFAULT, o.values().source("version"));
    }

    @Test
    void equalsFormAndDoubleDash() {
        GtServerConfig c = config("-addr=:8081", "--timeout=5m", "--connections", "7", "-tcpRange=0",
                "--id=a=b", "-secret=s=t");
        assertEquals(8081, c.listenAddress().getPort());
        assertEquals(Duration.ofMinutes(5), c.idleTimeout());
        assertEquals(7, c.maxTunnelsPerClient());
        assertEquals(List.of(new PortRange(1, 65535)), c.tcpPortRanges());
        assertEquals(Map.of("a=b", User.of("s=t")), c.users());
    }

    @ParameterizedTest
    @CsvSource({"-allowAnyClient, true", "-allowAnyClient=true, true", "-allowAnyClient=false, false",
        "--allowAnyClient=1, true", "-allowAnyClient=0, false", "-allowAnyClient=T, true", "-allowAnyClient=FALSE, false"})
    void switches(String arg, boolean expected) {
        ServerOptions o = parse("-addr", "8080", "-id", "a", "-secret", "b", arg);
        assertEquals(expected, o.builder().buildConfig().allowAnyClient());
    }

    @Test
    void switchWithSeparateValueIsExplained() {
        assertEquals("-allowAnyClient false: a switch takes no separate value; write -allowAnyClient=false",
                error("-addr", "8080", "-allowAnyClient", "false"));
        assertEquals("-allowAnyClient true: a switch takes no separate value; write -allowAnyClient=true",
                error("-allowAnyClient", "true", "-addr", "8080"));
        // Not shown: a word after a switch may be a secret whose option name was left out.
        assertEquals("unexpected argument 2 after the switch -allowAnyClient, which takes no value (not shown: it may "
                + "be a secret)", error("-allowAnyClient", "x"));
        assertEquals("-allowAnyClient 'maybe' is not a boolean (expected true or false)",
                error("-allowAnyClient=maybe"));
    }

    @ParameterizedTest
    @CsvSource({"trace, TRACE", "debug, DEBUG", "info, INFO", "warn, WARN", "error, ERROR", "fatal, ERROR",
        "panic, ERROR", "disable, OFF", "disabled, OFF", "INFO, INFO"})
    void logLevels(String gt, LogLevel level) {
        assertEquals(level, parse("-logLevel", gt).logLevel());
    }

    @Test
    void helpAndVersion() {
        for (String h : List.of("-h", "--h", "-help", "--help")) {
            ServerOptions o = parse("-addr", "8080", h);
            assertTrue(o.helpRequested(), h);
            assertThrows(IllegalStateException.class, o::builder);
        }
        // Help wins over mistakes elsewhere on the line: the user is asking how to write it.
        assertTrue(parse("-tlsAddr", "443", "-h").helpRequested());
        assertTrue(parse("-nosuch", "-help").helpRequested());
        assertFalse(parse("-h=false", "-addr", "1").helpRequested());
        assertTrue(parse("-version").versionRequested());
        assertTrue(parse("-version=true").versionRequested());
    }

    // ---- YAML

    @Test
    void everySupportedOptionInYaml() throws IOException {
        file("server.yaml", String.join("\n",
                "type: server",
                "version: 1.0",
                "users:",
                "  id1:",
                "    secret: secret1",
                "  id2:",
                "    secret: 12345",
                "tcp:",
                "  - range: 10000-10010",
                "  - range: 20000",
                "options:",
                "  addr: 8080",
                "  allowAnyClient: true",
                "  tcpNumber: 3",
                "  httpMUXHeader: X-Client",
                "  timeout: 30s",
                "  connections: 4",
                "  maxHandShakeOptions: 5",
                "  logLevel: warn",
                ""));
        ServerOptions o = parse("-config", "server.yaml");
        GtServerConfig c = o.builder().buildConfig();
        assertEquals(8080, c.listenAddress().getPort());
        assertEquals(Map.of("id1", User.of("secret1"), "id2", User.of("12345")), c.users());
        assertTrue(c.allowAnyClient());
        assertEquals(List.of(new PortRange(10000, 10010), new PortRange(20000, 20000)), c.tcpPortRanges());
        assertEquals(3, c.maxTcpPortsPerClient());
        assertEquals("X-Client", c.httpRoutingHeader());
        assertEquals(Duration.ofSeconds(30), c.idleTimeout());
        assertEquals(4, c.maxTunnelsPerClient());
        assertEquals(5, c.maxServicesPerHandshake());
        assertEquals(LogLevel.WARN, o.logLevel());
        assertEquals(dir.resolve("server.yaml"), o.configFile());
        assertEquals(OptionValues.Source.CONFIG_FILE, o.values().source("timeout"));
        assertEquals("server.yaml:16", o.values().location("timeout"));
        assertEquals(List.of("id1", "id2"), o.userIds());
    }

    @Test
    void emptyFileAndEmptySectionsAreFine() throws IOException {
        file("server.yaml", "");
        assertEquals(Duration.ofSeconds(90), config("-config", "server.yaml", "-addr", "1").idleTimeout());
        file("server.yaml", "options:\nusers:\ntcp:\n# only comments\n");
        assertEquals(Duration.ofSeconds(90), config("-config", "server.yaml", "-addr", "1").idleTimeout());
    }

    @Test
    void commandLineWinsOverYamlWhichWinsOverDefaults() throws IOException {
        file("server.yaml", String.join("\n",
                "users:",
                "  id1: {secret: fromFile}",
                "  id2: {secret: keep}",
                "tcp:",
                "  - range: 1000-2000",
                "options:",
                "  addr: 8080",
                "  timeout: 30s",
                "  connections: 4",
                "  allowAnyClient: true",
                ""));
        GtServerConfig c = config("-config", "server.yaml", "-timeout", "10s", "-id", "id1", "-secret", "fromCli",
                "-tcpRange", "3000-4000", "-allowAnyClient=false");
        assertEquals(8080, c.listenAddress().getPort());
        assertEquals(Duration.ofSeconds(10), c.idleTimeout());
        assertEquals(4, c.maxTunnelsPerClient());
        assertEquals(600, c.maxServicesPerHandshake());
        assertEquals(Map.of("id1", User.of("fromCli"), "id2", User.of("keep")), c.users());
        assertFalse(c.allowAnyClient());
        assertEquals(List.of(new PortRange(1000, 2000), new PortRange(3000, 4000)), c.tcpPortRanges());
    }

    @Test
    void configIsResolvedAgainstTheWorkingDirectory() throws IOException {
        Files.createDirectories(dir.resolve("conf"));
        file("conf/s.yaml", "options:\n  addr: 9000\n");
        assertEquals(9000, config("-config", "conf/s.yaml").listenAddress().getPort());
        assertEquals(9000, config("-config=" + dir.resolve("conf/s.yaml")).listenAddress().getPort());
    }

    @Test
    void withoutArgumentsServerYamlInTheWorkingDirectoryIsLoaded() throws IOException {
        assertNull(parse().configFile());
        file("server.yaml", "options:\n  addr: 9001\n");
        ServerOptions o = parse();
        assertEquals(dir.resolve("server.yaml"), o.configFile());
        assertEquals(9001, o.builder().buildConfig().listenAddress().getPort());
        // With any argument GT's zero-argument mode is off.
        assertNull(parse("-logLevel", "info").configFile());
    }

    // ---- zero values stay zero (GT replaces them with defaults)

    @Test
    void zeroValuesMeanZero() throws IOException {
        assertEquals(Duration.ZERO, config("-addr", "1", "-timeout", "0").idleTimeout());
        assertEquals(Duration.ZERO, config("-addr", "1", "-timeout=0s").idleTimeout());
        assertEquals(0, config("-addr", "1", "-tcpNumber", "0").maxTcpPortsPerClient());
        file("server.yaml", "options:\n  timeout: 0\n  tcpNumber: 0\n  addr: 1\n");
        GtServerConfig c = config("-config", "server.yaml");
        assertEquals(Duration.ZERO, c.idleTimeout());
        assertEquals(0, c.maxTcpPortsPerClient());
        assertEquals(Duration.ZERO, config("-config", "server.yaml", "-timeout", "0").idleTimeout());
        // Zero where zero makes no sense is an error, not a silent default.
        assertEquals("-connections '0' is out of range (expected 1 to 2147483647)", error("-connections", "0"));
        assertEquals("-maxHandShakeOptions '0' is out of range (expected 1 to 65535)",
                error("-maxHandShakeOptions", "0"));
        // The library names its setters; the runner says which option to write.
        assertEquals("no listener is configured (expected listenAddress, tlsListenAddress, sniListenAddress or tunnelListener)",
                assertThrows(IllegalArgumentException.class, () -> parse("-addr", "").builder().build()).getMessage());
        assertEquals("no listener is configured (expected -addr, -tlsAddr, -sniAddr or -quicAddr)",
                assertThrows(OptionsException.class, () -> parse("-addr=").build()).getMessage());
        assertTrue(error("-addr", "1", "-httpMUXHeader=").startsWith("-httpMUXHeader ''"));
    }

    // ---- errors name the option, the value and the expectation

    @Test
    void unknownOptions() {
        assertEquals("-timout: unknown option; did you mean -timeout?", error("-timout", "5s"));
        assertEquals("-httpMuxHeader: unknown option; did you mean -httpMUXHeader?", error("-httpMuxHeader=X"));
        assertEquals("-frobnicate: unknown option", error("-frobnicate"));
        assertEquals("-local: not an option of gt server (it is an option of gt client)",
                error("-local", "http://127.0.0.1"));
        assertEquals("-remote: not an option of gt server (it is an option of gt client)", error("-remote=x"));
    }

    @Test
    void badValues() {
        assertEquals("-timeout 'abc' is not a duration (expected e.g. 90s, 5m, 1h30m)", error("-timeout", "abc"));
        assertEquals("-timeout '90' is not a duration: missing unit (expected e.g. 90s, 5m, 1h30m)",
                error("-timeout", "90"));
        assertEquals("-timeout '-5s' is negative (expected a duration >= 0, e.g. 90s, 5m, 1h30m)",
                error("-timeout", "-5s"));
        assertEquals("-connections 'ten' is not a whole number (expected a whole number from 1 to 2147483647)",
                error("-connections", "ten"));
        assertEquals("-tcpNumber '70000' is out of range (expected 0 to 65535)", error("-tcpNumber", "70000"));
        assertEquals("-tcpNumber '-1' is out of range (expected 0 to 65535)", error("-tcpNumber=-1"));
        assertEquals("-tcpRange '2000-1000' is not a port range (expected a-b with 1 <= a <= b <= 65535, a port p, "
                + "or 0 for all ports)", error("-tcpRange", "2000-1000"));
        assertTrue(error("-tcpRange", "x").startsWith("-tcpRange 'x' is not a port range"));
        assertEquals("-addr 'nope' is not a listen address (expected PORT, :PORT or HOST:PORT with PORT 0 to 65535)",
                error("-addr", "nope"));
        assertEquals("-addr '70000' is not a listen address (expected PORT, :PORT or HOST:PORT with PORT 0 to 65535)",
                error("-addr", "70000"));
        assertEquals("-httpMUXHeader 'X Y' is not an HTTP header name", error("-addr", "1", "-httpMUXHeader", "X Y"));
        assertEquals("-logLevel 'verbose' is not a valid value (expected one of trace, debug, info, warn, error, "
                + "fatal, panic, disable, disabled)", error("-logLevel", "verbose"));
        assertTrue(error("-id", "has space", "-secret", "s").startsWith("-id 'has space' contains a space"));
    }

    @Test
    void missingValues() {
        assertEquals("-timeout: missing value (expected a duration, e.g. 90s, 5m, 1h30m)", error("-timeout"));
        assertEquals("-addr: missing value before -id (expected a value; write -addr=VALUE if the value really "
                + "starts with '-')", error("-addr", "-id", "x"));
        assertEquals("-config: missing value before --addr (expected a value; write -config=VALUE if the value "
                + "really starts with '-')", error("-config", "--addr=80"));
        assertEquals("-config '': missing file name (expected the path of a YAML file)", error("-config="));
    }

    @ParameterizedTest
    @ValueSource(strings = {"8080", "-", "---addr", "-=x"})
    void strayArgumentsAreErrors(String arg) {
        String m = error("-addr", "1", arg);
        // Only located, never quoted: a stray word, "-=x" or "---x" may be a secret.
        assertTrue(m.startsWith("unexpected argument 3 ") || m.startsWith("argument 3 is not an option (not shown"), m);
        assertFalse(arg.length() > 1 && m.contains(arg), m);
    }

    @Test
    void strayArgumentMessages() {
        assertEquals("unexpected argument 'addr'; did you mean -addr?", error("addr", "8080"));
        assertEquals("unexpected argument 3 (not shown: it may be a secret; gt server takes only options: "
                + "-name value or -name=value)", error("-addr", "1", "8080"));
        assertEquals("unexpected argument 4 (not shown: it may be a secret; gt server takes only options: "
                + "-name value or -name=value)", error("-addr", "1", "--", "x"));
        // "-secrt s3cr3t": the misspelt name is named, the value after it is not echoed.
        assertFalse(error("-addr", "1", "-id", "a", "s3cr3t").contains("s3cr3t"));
        assertEquals(8080, config("-addr", "8080", "--").listenAddress().getPort());
    }

    @Test
    void secretsNeverAppearInMessagesOrToString() throws IOException {
        String secret = "S3cr3tValue".repeat(20);
        String m = error("-addr", "1", "-id", "a", "-secret", secret);
        assertEquals("-secret has 220 bytes (expected 1 to 200)", m);
        ServerOptions o = parse("-addr", "1", "-id", "a", "-secret", "topSecret");
        assertFalse(o.toString().contains("topSecret"), o.toString());
        assertFalse(o.builder().buildConfig().toString().contains("topSecret"));
        assertTrue(o.toString().contains("secret=***"), o.toString());
        file("server.yaml", "users:\n  id1: mySecretShorthand\n");
        String y = error("-config", "server.yaml");
        assertFalse(y.contains("mySecretShorthand"), y);
        assertEquals("server.yaml:2: users.id1: expected a mapping with the user's secret (id1: {secret: ...})", y);
    }

    @Test
    void yamlErrorsNameFileLineAndProblem() throws IOException {
        assertEquals("server.yaml:2: options.timeout 'abc' is not a duration (expected e.g. 90s, 5m, 1h30m)",
                fileError("options:\n  timeout: abc\n"));
        assertEquals("server.yaml:3: options.timeout '90' is not a duration: missing unit (expected e.g. 90s, 5m, "
                + "1h30m)", fileError("options:\n  addr: 1\n  timeout: 90\n"));
        assertEquals("server.yaml:2: options.timout: unknown option; did you mean timeout?",
                fileError("options:\n  timout: 5s\n"));
        assertEquals("server.yaml:2: options.local: not an option of gt server (it is an option of gt client)",
                fileError("options:\n  local: http://x\n"));
        assertEquals("server.yaml:2: options.id is a command-line option; in YAML write users: {<id>: {secret: "
                + "<secret>}}", fileError("options:\n  id: x\n"));
        assertEquals("server.yaml:2: options.tcpRange is a command-line option; in YAML write tcp: [{range: "
                + "1024-65535}]", fileError("options:\n  tcpRange: 1-2\n"));
        assertEquals("server.yaml:2: options.version is a command-line option only", fileError("options:\n  version: true\n"));
        assertEquals("server.yaml:2: options.connections: expected a whole number from 1 to 2147483647, found a list",
                fileError("options:\n  connections: [1, 2]\n"));
        assertEquals("server.yaml:1: options: expected a mapping of option names to values, found 'x'",
                fileError("options: x\n"));
        assertEquals("server.yaml:3: options.timeout appears twice (first on line 2)",
                fileError("options:\n  timeout: 1s\n  timeout: 2s\n"));
        assertEquals("server.yaml:1: 'addr' must be under options: (options: {addr: ...})", fileError("addr: 8080\n"));
        assertEquals("server.yaml:2: unknown top-level key 'user' for gt server; did you mean users?",
                fileError("options: {}\nuser: {}\n"));
        assertEquals("server.yaml:1: unknown top-level key 'services' for gt server (expected options, users, tcp, "
                + "host, type, version)", fileError("services: []\n"));
        assertEquals("server.yaml:1: type: client — this is a configuration file for gt client, but it was given to "
                + "gt server", fileError("type: client\n"));
        assertEquals("server.yaml:1: expected a mapping of sections at the top (options:, ...), found a list",
                fileError("- a\n- b\n"));
        assertEquals("server.yaml:3:11: not valid YAML: a ': ' where no key can start (expected a line indented like "
                + "the keys above it; quote a value that contains ': ')", fileError("options:\n  addr: 1\n   timeout: 5s\n"));
        assertEquals("server.yaml:2:1: not valid YAML: a tab character where YAML needs spaces (expected indentation "
                + "with spaces only)", fileError("options:\n\taddr: 1\n"));
        assertEquals("-config 'missing.yaml': file not found (looked for " + dir.resolve("missing.yaml") + ")",
                error("-config", "missing.yaml"));
    }

    @Test
    void yamlUsersAndTcpErrors() throws IOException {
        assertEquals("server.yaml:3: users.id1.secrte: unknown user field; did you mean secret?",
                fileError("users:\n  id1:\n    secrte: s\n"));
        assertEquals("server.yaml:2: users.id1: missing secret (expected id1: {secret: ...})",
                fileError("users:\n  id1: {}\n"));
        assertEquals("server.yaml:2: users.id1.secret has 0 bytes (expected 1 to 200)",
                fileError("users:\n  id1: {secret: ''}\n"));
        assertEquals("server.yaml:2: users.a b: -id 'a b' contains a space or control character (expected printable "
                + "text)", fileError("users:\n  a b: {secret: s}\n"));
        assertEquals("server.yaml:1: users: expected a mapping of user ids to {secret: ...}, found a list",
                fileError("users: [a]\n"));
        assertEquals("server.yaml:2: tcp[0].range 'x' is not a port range (expected a-b with 1 <= a <= b <= 65535, a "
                + "port p, or 0 for all ports)", fileError("tcp:\n  - range: x\n"));
        assertEquals("server.yaml:2: tcp[0].rang: unknown key (expected range)", fileError("tcp:\n  - rang: 1-2\n"));
        assertEquals("server.yaml:2: tcp[0]: expected {range: a-b}, found '1-2'", fileError("tcp:\n  - 1-2\n"));
        assertEquals("server.yaml:1: tcp: expected a list of {range: a-b}, found '1-2'", fileError("tcp: 1-2\n"));
    }

    @Test
    void builderProblemsWithYamlValuesCarryTheLine() throws IOException {
        assertEquals("server.yaml:2: -addr 'x' is not a listen address (expected PORT, :PORT or HOST:PORT with PORT 0 "
                + "to 65535)", fileError("options:\n  addr: x\n"));
        assertEquals("server.yaml:2: options.connections '0' is out of range (expected 1 to 2147483647)",
                fileError("options:\n  connections: 0\n"));
        assertEquals("server.yaml:2: options.allowAnyClient 'maybe' is not a boolean (expected true or false)",
                fileError("options:\n  allowAnyClient: maybe\n"));
    }

    @Test
    void yamlBooleansAcceptYaml11Spellings() throws IOException {
        file("server.yaml", "options:\n  addr: 1\n  allowAnyClient: yes\n");
        assertTrue(config("-config", "server.yaml").allowAnyClient());
        file("server.yaml", "options:\n  addr: 1\n  allowAnyClient: off\n");
        assertFalse(parse("-config", "server.yaml").values().bool("allowAnyClient"));
    }

    // ---- YAML syntax errors: file, line, column and what was expected; never the text

    private static final String MARK = "Hunter2Marker";

    /** Broken files with a secret on the broken line (or where the breakage swallows it). */
    @ParameterizedTest
    @ValueSource(strings = {
        "users:\n  id1:\n    secret: \"ab\\q" + MARK + "\"\n",
        "users:\n  id1:\n    secret: \"\\x4" + MARK + "\"\n",
        "users:\n  id1:\n    secret: *" + MARK + "\n",
        "users:\n  id1:\n    secret: &a " + MARK + "\n    tcpNumber: *" + MARK + "\n",
        "users:\n  id1:\n    secret: " + MARK + ": x\n",
        "users:\n  id1:\n    secret: [" + MARK + "\n",
        "users:\n  id1:\n    secret: {" + MARK + ",\n",
        "users:\n  id1:\n    secret: '" + MARK + "\n",
        "users:\n  id1:\n    secret: \"" + MARK + "\n",
        "users:\n  id1:\n\tsecret: " + MARK + "\n",
        "users:\n  id1:\n    secret: @" + MARK + "\n",
        "users:\n  id1:\n    secret: `" + MARK + "\n",
        "users:\n  id1:\n    secret: !<" + MARK + "\n",
        "users:\n  id1:\n    secret: |0\n      " + MARK + "\n",
        "users:\n  id1:\n    secret: " + MARK + "\n  - x\n",
        "users:\n  id1:\n    secret: " + MARK + "\n   bad: 1\n",
        "users:\n  id1:\n    secret: " + MARK + "\n...\n" + MARK + "\n",
        "users:\n  id1:\n    secret: " + MARK + "\n---\nusers: {}\n",
        "users:\n  id1:\n    secret: " + MARK + "\u0001\n",
        "users:\n  id1:\n    secret: \"" + MARK + "\u0007\"\n",
        "%YAML " + MARK + "\n---\nusers: {}\n",
    })
    void yamlSyntaxErrorsGiveLineAndColumnButNeverTheText(String yaml) throws IOException {
        String m = fileError(yaml);
        assertTrue(m.matches("server\\.yaml:\\d+:\\d+: not valid YAML: [a-z%'\\[{|:-].*"), m);
        assertFalse(m.contains(MARK) || m.contains(MARK.substring(0, 5)), m);
    }

    @Test
    void yamlSyntaxErrorsSayWhereAndWhatWasExpected() throws IOException {
        assertEquals("server.yaml:3:17: not valid YAML: an invalid escape sequence in a \"double-quoted\" value "
                + "(expected \\\\, \\\", \\n, \\t, \\xHH or \\uHHHH; in 'single quotes' a backslash is just a backslash)",
                fileError("users:\n  id1:\n    secret: \"ab\\q" + MARK + "\"\n"));
        assertEquals("server.yaml:4:1: not valid YAML: a quoted value that is not closed (expected its closing quote) "
                + "(it begins at line 3, column 13)", fileError("users:\n  id1:\n    secret: '" + MARK + "\n"));
        assertEquals("server.yaml:3:13: not valid YAML: an alias (*name) without an anchor (&name) before it (quote a "
                + "value that starts with '*')", fileError("users:\n  id1:\n    secret: *" + MARK + "\n"));
        assertEquals("server.yaml:3:21: not valid YAML: a control character (expected printable text; write it as an "
                + "escape in a \"double-quoted\" value)", fileError("users:\n  id1:\n    secret: 12345678\u0001\n"));
        // A value where the users mapping should be is not shown either: it is likely a secret.
        assertEquals("server.yaml:1: users: expected a mapping of user ids to {secret: ...}, found a single value (not "
                + "shown: it may be a secret)", fileError("users: " + MARK + "\n"));
        file("users.yaml", MARK + "\n");
        String m = error("-addr", "1", "-users", "users.yaml");
        assertEquals("users.yaml:1: expected a mapping of user ids to {secret: ...}, found a single value (not shown: it "
                + "may be a secret)", m);
    }

    // ---- -tcpBindHost

    @Test
    void tcpBindHostKeepsTcpServicePortsOnOneAddress() throws IOException {
        assertNull(config("-addr", "1").tcpBindAddress(), "default: every interface, as in GT");
        assertEquals("127.0.0.1", config("-addr", "127.0.0.1:1", "-tcpBindHost", "127.0.0.1").tcpBindAddress());
        assertEquals("0:0:0:0:0:0:0:1", config("-addr", "1", "-tcpBindHost", "[::1]").tcpBindAddress());
        assertEquals("0.0.0.0", config("-addr", "1", "-tcpBindHost=0.0.0.0").tcpBindAddress());
        assertTrue(InetAddress.getByName(config("-addr", "1", "-tcpBindHost", "localhost").tcpBindAddress())
                .isLoopbackAddress());
        assertNull(config("-addr", "1", "-tcpBindHost", "").tcpBindAddress(), "empty: every interface");
        file("server.yaml", "options:\n  addr: 1\n  tcpBindHost: 127.0.0.1\n");
        assertEquals("127.0.0.1", config("-config", "server.yaml").tcpBindAddress());
        assertTrue(ServerOptions.usage().contains("\n  -tcpBindHost string\n"), ServerOptions.usage());
    }

    @Test
    void tcpBindHostMustBeAnAddressOfThisMachine() throws IOException {
        assertEquals("-tcpBindHost 'not a host' is not an IP address or host name (expected an address of this machine "
                + "such as 127.0.0.1, ::1 or 0.0.0.0, or a host name such as localhost)",
                error("-addr", "1", "-tcpBindHost", "not a host"));
        assertTrue(error("-addr", "1", "-tcpBindHost", "300.1.2.3").startsWith("-tcpBindHost '300.1.2.3' is not an IP "
                + "address or host name"));
        assertTrue(error("-addr", "1", "-tcpBindHost", "127.0.0.1:8080").startsWith("-tcpBindHost '127.0.0.1:8080' is "
                + "not an IP address or host name"));
        // TEST-NET-3 (RFC 5737): never an address of a test machine.
        assertEquals("-tcpBindHost '203.0.113.7' is not an address of this machine (expected one of its interfaces' "
                + "addresses, 127.0.0.1 or 0.0.0.0)", error("-addr", "1", "-tcpBindHost", "203.0.113.7"));
        file("server.yaml", "options:\n  addr: 1\n  tcpBindHost: 203.0.113.7\n");
        assertTrue(error("-config", "server.yaml").startsWith("server.yaml:3: -tcpBindHost '203.0.113.7' is not an "
                + "address of this machine"), error("-config", "server.yaml"));
    }
}

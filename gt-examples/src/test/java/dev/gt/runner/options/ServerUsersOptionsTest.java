package dev.gt.runner.options;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.gt.api.PortRange;
import dev.gt.core.GtServerConfig;
import dev.gt.core.User;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The server's users (config file {@code users:}, users file, {@code -id/-secret}), per-user rules,
 * the global {@code host:} rules, and the ban, speed and authAPI options.
 */
public class ServerUsersOptionsTest {
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
        Path p = dir.resolve(name);
        Files.createDirectories(p.getParent());
        Files.writeString(p, text);
    }

    private String fileError(String text) throws IOException {
        file("server.yaml", text);
        return error("-config", "server.yaml");
    }

    private String usersFileError(String text) throws IOException {
        file("users.yaml", text);
        return error("-addr", "1", "-users", "users.yaml");
    }

    // ---- README "Server User Configuration" and "Server TCP Configuration"

    /** README: the users configuration file. */
    public static final String README_USERS_FILE = String.join("\n",
            "id3:",
            "  secret: secret3",
            "id1:",
            "  secret: secret1-overwrite",
            "");

    /**
     * README: "Configure TCP via Config Configuration File", with {@code users: users.yaml} as in
     * the brief. Dropped from {@code options:} are the entries this version rejects as
     * unsupported or cannot use: apiAddr (the status API), logFile, logFileMaxCount and
     * logFileMaxSize (log files), tlsAddr: 1234 with certFile/keyFile: /path (no such files).
     */
    private static final String README_CONFIG = String.join("\n",
            "version: 1.0",
            "users:",
            "  id1:",
            "    secret: secret1",
            "    tcp:",
            "      - range: 10000-20000",
            "    tcpNumber: 0",
            "  id2:",
            "    secret: secret2",
            "tcp:",
            "  - range: 50000-65535",
            "options:",
            "  logLevel: debug",
            "  addr: 1234",
            "  timeout: 1234m1234ms",
            "  tlsVersion: tls1.3",
            "  users: users.yaml",
            "  tcpNumber: 1",
            "");

    /** GT's README, "Configure Users via Config Configuration File", verbatim. */
    public static final String README_USERS_CONFIG_VERBATIM = String.join("\n",
            "version: 1.0",
            "users:",
            "  id1:",
            "    secret: secret1",
            "  id2:",
            "    secret: secret2",
            "options:",
            "  apiAddr: 1.2.3.4:1234",
            "  certFile: /path",
            "  keyFile: /path",
            "  logFile: /path",
            "  logFileMaxCount: 1234",
            "  logFileMaxSize: 1234",
            "  logLevel: debug",
            "  addr: 1234",
            "  timeout: 1234m1234ms",
            "  tlsAddr: 1234",
            "  tlsVersion: tls1.3",
            "  users: testdata/users.yaml",
            "");

    /** GT's README, "Configure TCP via Config Configuration File", verbatim. */
    public static final String README_TCP_CONFIG_VERBATIM = String.join("\n",
            "version: 1.0",
            "users:",
            "  id1:",
            "    secret: secret1",
            "    tcp:",
            "      - range: 10000-20000",
            "    tcpNumber: 0",
            "  id2:",
            "    secret: secret2",
            "tcp:",
            "  - range: 50000-65535",
            "options:",
            "  apiAddr: 1.2.3.4:1234",
            "  certFile: /path",
            "  keyFile: /path",
            "  logFile: /path",
            "  logFileMaxCount: 1234",
            "  logFileMaxSize: 1234",
            "  logLevel: debug",
            "  addr: 1234",
            "  timeout: 1234m1234ms",
            "  tlsAddr: 1234",
            "  tlsVersion: tls1.3",
            "  users: testdata/users.yaml",
            "  tcpNumber: 1",
            "");

    /**
     * Both README config files are accepted as written, the operations options included: the
     * status API on 1.2.3.4:1234, the log file /path rotated at 1234 bytes into 1234 files (at
     * most 20 kept), debug logging. Starting them needs that address and those files on the
     * machine; OperationsIT starts the same file with local ones.
     */
    @Test
    void readmeConfigFilesAreAcceptedVerbatim() throws IOException {
        file("testdata/users.yaml", README_USERS_FILE);
        for (String text : List.of(README_USERS_CONFIG_VERBATIM, README_TCP_CONFIG_VERBATIM)) {
            file("server.yaml", text);
            ServerOptions o = parse("-config", "server.yaml");
            GtServerConfig c = o.builder().buildConfig();
            assertEquals(1234, c.listenAddress().getPort());
            assertEquals(1234, c.tlsListenAddress().getPort());
            assertEquals(dev.gt.core.TlsVersion.TLS1_3, c.minTlsVersion());
            assertEquals(java.nio.file.Path.of("/path"), c.certificateFile());
            assertEquals(User.of("secret1-overwrite"), c.users().get("id1"));
            dev.gt.runner.ops.OpsSettings ops = dev.gt.runner.ops.OpsSettings.from(o.values(), dir, "test");
            assertEquals(new java.net.InetSocketAddress("1.2.3.4", 1234), ops.apiAddr());
            assertEquals(java.nio.file.Path.of("/path"), ops.log().file());
            assertEquals(1234, ops.log().maxFileSize());
            assertEquals(1234, ops.log().maxFiles());
            assertEquals(LogLevel.DEBUG, ops.log().level());
        }
    }

    @Test
    void readmeConfigFileAloneGivesPerUserTcpRules() throws IOException {
        file("server.yaml", README_CONFIG.replace("  users: users.yaml\n", ""));
        ServerOptions o = parse("-config", "server.yaml");
        GtServerConfig c = o.builder().buildConfig();
        // id1 may open any number of ports between 10000 and 20000; id2 one port of the global pool.
        assertEquals(Map.of("id1", User.builder("secret1").tcpPortRange("10000-20000").maxTcpPorts(0).build(),
                "id2", User.of("secret2")), c.users());
        assertEquals(List.of(new PortRange(50000, 65535)), c.tcpPortRanges());
        assertEquals(1, c.maxTcpPortsPerClient());
        assertEquals(1234, c.listenAddress().getPort());
        assertEquals(Duration.ofMinutes(1234).plusMillis(1234), c.idleTimeout());
        assertEquals(LogLevel.DEBUG, o.logLevel());
        assertEquals(List.of("id1", "id2"), o.userIds());
    }

    @Test
    void readmeUsersFileReplacesWholeConfigEntries() throws IOException {
        file("users.yaml", README_USERS_FILE);
        file("server.yaml", README_CONFIG);
        ServerOptions o = parse("-config", "server.yaml");
        GtServerConfig c = o.builder().buildConfig();
        // id1 of the users file replaces the config file's id1 entirely: its own tcp range and
        // tcpNumber are gone, so it follows the global rules now.
        assertEquals(Map.of("id1", User.of("secret1-overwrite"), "id2", User.of("secret2"),
                "id3", User.of("secret3")), c.users());
        assertEquals(List.of(new PortRange(50000, 65535)), c.tcpPortRanges());
        assertEquals(1, c.maxTcpPortsPerClient());
        assertEquals(List.of("id2", "id3", "id1"), o.userIds());
        assertEquals(OptionValues.Source.CONFIG_FILE, o.values().source("users"));
    }

    @Test
    void readmePrecedenceCommandLineOverUsersFileOverConfigFile() throws IOException {
        file("users.yaml", README_USERS_FILE);
        file("server.yaml", README_CONFIG);
        // README: the i-th -id pairs with the i-th -secret, in either order of writing.
        for (String[] cli : List.of(
                new String[] {"-config", "server.yaml", "-id", "id1", "-secret", "secret1", "-id", "id3",
                    "-secret", "fromCli"},
                new String[] {"-config", "server.yaml", "-id", "id1", "-id", "id3", "-secret", "secret1",
                    "-secret", "fromCli"})) {
            GtServerConfig c = config(cli);
            assertEquals(Map.of("id1", User.of("secret1"), "id2", User.of("secret2"), "id3", User.of("fromCli")),
                    c.users());
        }
        // A command-line user has only a secret: it replaces a user with rules of its own entirely.
        file("server.yaml", README_CONFIG.replace("  users: users.yaml\n", ""));
        assertEquals(User.of("cli"), config("-config", "server.yaml", "-id", "id1", "-secret", "cli").users().get("id1"));
    }

    @Test
    void readmeUsersFileWithTcp() throws IOException {
        // README "Configure TCP via Users Configuration File": id1 may open any port, id2 none (no global pool).
        file("users.yaml", "id1:\n  secret: secret1\n  tcp:\n    - range: 1-65535\nid2:\n  secret: secret2  \n");
        GtServerConfig c = config("-addr", "8080", "-users", "users.yaml");
        assertEquals(Map.of("id1", User.builder("secret1").tcpPortRange("1-65535").build(), "id2", User.of("secret2")),
                c.users());
        assertEquals(List.of(), c.tcpPortRanges());
    }

    // ---- per-user rules and global host rules

    private static final String FULL_USERS = String.join("\n",
            "  id1:",
            "    secret: secret1",
            "    tcp:",
            "      - range: 10000-20000",
            "      - range: 30000",
            "    tcpNumber: 0",
            "    speed: 1024",
            "    connections: 2",
            "    host:",
            "      number: 2",
            "      regex: ['^[a-z]+$']",
            "      withID: true",
            "  id2:",
            "    secret: secret2",
            "    host:",
            "      regex: []",
            "  id3:",
            "    secret: secret3",
            "    host:",
            "      regex: ^x$",
            "      number: 0",
            "");

    private static void assertFullUsers(Map<String, User> users) {
        assertEquals(User.builder("secret1").tcpPortRange("10000-20000").tcpPortRange("30000").maxTcpPorts(0).speedLimit(1024)
                .maxTunnels(2).maxHostPrefixes(2).hostPrefixPattern("^[a-z]+$").prependIdToHostPrefixes(true).build(), users.get("id1"));
        // regex: [] means no pattern restriction for id2, whatever the global list says.
        User id2 = users.get("id2");
        assertEquals(User.builder("secret2").noHostPrefixPatterns().build(), id2);
        assertEquals(List.of(), id2.hostPrefixPatterns());
        assertEquals(null, id2.maxHostPrefixes());
        assertEquals(User.builder("secret3").hostPrefixPattern("^x$").maxHostPrefixes(0).build(), users.get("id3"));
        assertEquals(3, users.size());
    }

    @Test
    void everyPerUserFieldInTheConfigFileAndGlobalHostRules() throws IOException {
        file("server.yaml", "users:\n" + FULL_USERS + String.join("\n",
                "tcp:",
                "  - range: 50000-65535",
                "host:",
                "  number: 1",
                "  regex:",
                "    - ^a$",
                "    - ^b$",
                "  withID: true",
                "options:",
                "  addr: 0",
                ""));
        GtServerConfig c = config("-config", "server.yaml");
        assertFullUsers(c.users());
        assertEquals(1, c.maxHostPrefixesPerClient());
        assertEquals(List.of("^a$", "^b$"), c.hostPrefixPatterns());
        assertTrue(c.prependIdToHostPrefixes());
        assertEquals(List.of(new PortRange(50000, 65535)), c.tcpPortRanges());
    }

    @Test
    void everyPerUserFieldInAUsersFile() throws IOException {
        file("users.yaml", FULL_USERS.replaceAll("(?m)^  ", ""));
        assertFullUsers(config("-addr", "1", "-users", "users.yaml").users());
    }

    @Test
    void commandLineHostRulesWinOverTheFileAndPatternsAreUnited() throws IOException {
        file("server.yaml", "host:\n  number: 1\n  regex: ['^a$', '^b$']\n  withID: true\noptions:\n  addr: 1\n");
        GtServerConfig fileOnly = config("-config", "server.yaml");
        assertEquals(1, fileOnly.maxHostPrefixesPerClient());
        assertTrue(fileOnly.prependIdToHostPrefixes());
        // GT keeps the YAML values here (its weak point 14); its documentation, and this version, let
        // the command line win, explicit zero and false included.
        GtServerConfig c = config("-config", "server.yaml", "-hostNumber", "0", "-hostWithID=false",
                "-hostRegex", "^b$", "-hostRegex", "^c$");
        assertEquals(0, c.maxHostPrefixesPerClient());
        assertFalse(c.prependIdToHostPrefixes());
        assertEquals(List.of("^a$", "^b$", "^c$"), c.hostPrefixPatterns());
        GtServerConfig d = config("-config", "server.yaml", "-hostNumber", "5", "-hostWithID");
        assertEquals(5, d.maxHostPrefixesPerClient());
        assertTrue(d.prependIdToHostPrefixes());
        assertEquals(List.of("^a$", "^b$"), d.hostPrefixPatterns());
    }

    @Test
    void readmeMultipleServicesServerLine() {
        // README "Client Start Multiple Services Simultaneously", server side.
        GtServerConfig c = config("-addr", "8080", "-id", "id1", "-secret", "secret1", "-tcpNumber", "2",
                "-tcpRange", "1024-65535", "-hostNumber", "2", "-hostWithID", "-hostRegex", "^[0-9]+$",
                "-hostRegex", "^[a-zA-Z]+$");
        assertEquals(Map.of("id1", User.of("secret1")), c.users());
        assertEquals(2, c.maxTcpPortsPerClient());
        assertEquals(List.of(new PortRange(1024, 65535)), c.tcpPortRanges());
        assertEquals(2, c.maxHostPrefixesPerClient());
        assertTrue(c.prependIdToHostPrefixes());
        assertEquals(List.of("^[0-9]+$", "^[a-zA-Z]+$"), c.hostPrefixPatterns());
    }

    @Test
    void defaultsOfTheGlobalRules() {
        GtServerConfig c = config("-addr", "1");
        assertEquals(0, c.maxHostPrefixesPerClient());
        assertFalse(c.prependIdToHostPrefixes());
        assertEquals(List.of(), c.hostPrefixPatterns());
        assertEquals(0, c.speedLimitPerClient());
        assertEquals(3, c.failedLoginsBeforeBan());
        assertEquals(Duration.ofMinutes(5), c.banDuration());
        assertEquals(null, c.authUrl());
    }

    // ---- users file location

    @Test
    void usersFileFromTheConfigFileIsRelativeToTheConfigFile() throws IOException {
        file("conf/users.yaml", "id9: {secret: s9}\n");
        file("conf/server.yaml", "options:\n  addr: 1\n  users: users.yaml\n");
        assertEquals(Map.of("id9", User.of("s9")), config("-config", "conf/server.yaml").users());
        // Errors name the file as seen from the working directory, with its line.
        file("conf/users.yaml", "id9:\n  secret: s9\n  tcpNumber: 70000\n");
        assertEquals("conf/users.yaml:3: id9.tcpNumber '70000' is out of range (expected 0 to 65535)",
                error("-config", "conf/server.yaml"));
        // From the command line it is relative to the working directory, and wins over options.users.
        file("users.yaml", "id8: {secret: s8}\n");
        assertEquals(Map.of("id8", User.of("s8")), config("-config", "conf/server.yaml", "-users", "users.yaml")
                .users());
        assertEquals(Map.of("id8", User.of("s8")), config("-addr", "1", "-users", dir.resolve("users.yaml").toString())
                .users());
    }

    @Test
    void usersFileProblems() throws IOException {
        assertEquals("-users 'nope.yaml': file not found (looked for " + dir.resolve("nope.yaml") + ")",
                error("-addr", "1", "-users", "nope.yaml"));
        file("server.yaml", "options:\n  addr: 1\n  users: nope.yaml\n");
        assertEquals("server.yaml:3: options.users 'nope.yaml': file not found (looked for " + dir.resolve("nope.yaml")
                + ")", error("-config", "server.yaml"));
        assertEquals("users.yaml:1: expected a mapping of user ids to {secret: ...}, found a list",
                usersFileError("- id1\n"));
        assertEquals("users.yaml:2: id1.scret: unknown user field; did you mean secret?",
                usersFileError("id1:\n  scret: x\n"));
        assertEquals("users.yaml:1: id1: missing secret (expected id1: {secret: ...})", usersFileError("id1: {}\n"));
        // An empty users file, or an empty -users, adds nobody.
        file("users.yaml", "# nobody yet\n");
        assertEquals(Map.of(), config("-addr", "1", "-users", "users.yaml").users());
        assertEquals(Map.of(), config("-addr", "1", "-users=").users());
    }

    // ---- errors

    @Test
    void unknownFieldsNameFileLineAndSuggest() throws IOException {
        assertEquals("server.yaml:4: users.id1.tcpNumbr: unknown user field; did you mean tcpNumber?",
                fileError("users:\n  id1:\n    secret: s\n    tcpNumbr: 1\n"));
        assertEquals("server.yaml:4: users.id1.frobnicate: unknown user field (expected secret, tcp, tcpNumber, "
                + "speed, connections, host)", fileError("users:\n  id1:\n    secret: s\n    frobnicate: 1\n"));
        assertEquals("server.yaml:5: users.id1.host.withId: unknown host field; did you mean withID?",
                fileError("users:\n  id1:\n    secret: s\n    host:\n      withId: true\n"));
        assertEquals("server.yaml:2: host.regexp: unknown host field; did you mean regex?",
                fileError("host:\n  regexp: x\n"));
        assertEquals("server.yaml:2: host.color: unknown host field (expected number, regex, withID)",
                fileError("host:\n  color: x\n"));
        assertEquals("server.yaml:5: users.id1.tcp[0].rnage: unknown key (expected range)",
                fileError("users:\n  id1:\n    secret: s\n    tcp:\n      - rnage: 1-2\n"));
        assertEquals("server.yaml:1: unknown top-level key 'hosts' for gt server; did you mean host?",
                fileError("hosts: {}\n"));
        assertEquals("server.yaml:2: options.hostNumber is a command-line option; in YAML write host: {number: N}",
                fileError("options:\n  hostNumber: 1\n"));
    }

    @Test
    void badValuesNameThePathAndTheExpectation() throws IOException {
        String u = "users:\n  id1:\n    secret: s\n";
        assertEquals("server.yaml:4: users.id1.tcpNumber '70000' is out of range (expected 0 to 65535)",
                fileError(u + "    tcpNumber: 70000\n"));
        assertEquals("server.yaml:4: users.id1.speed '-1' is out of range (expected 0 to 4294967295)",
                fileError(u + "    speed: -1\n"));
        assertEquals("server.yaml:4: users.id1.connections 'many' is not a whole number (expected a whole number from "
                + "0 to 2147483647)", fileError(u + "    connections: many\n"));
        assertEquals("server.yaml:5: users.id1.tcp[0].range 'x' is not a port range (expected a-b with 1 <= a <= b <= "
                + "65535, a port p, or 0 for all ports)", fileError(u + "    tcp:\n      - range: x\n"));
        assertEquals("server.yaml:4: users.id1.tcp: expected a list of {range: a-b}, found '1-2'",
                fileError(u + "    tcp: 1-2\n"));
        assertEquals("server.yaml:5: users.id1.host.number 'two' is not a whole number (expected a whole number from 0 "
                + "to 65535)", fileError(u + "    host:\n      number: two\n"));
        assertEquals("server.yaml:5: users.id1.host.withID 'maybe' is not a boolean (expected true or false)",
                fileError(u + "    host:\n      withID: maybe\n"));
        assertEquals("server.yaml:4: users.id1.host: expected {number: N, regex: [...], withID: true|false}, found '5'",
                fileError(u + "    host: 5\n"));
        assertEquals("server.yaml:2: host.number '-1' is out of range (expected 0 to 65535)",
                fileError("host:\n  number: -1\n"));
        assertEquals("server.yaml:2: users.id1.secret has 201 bytes (expected 1 to 200)",
                fileError("users:\n  id1: {secret: " + "x".repeat(201) + "}\n"));
    }

    @Test
    void badRegexIsNamedWithItsLine() throws IOException {
        assertEquals("server.yaml:2: host.regex '[' is not a valid regular expression: Unclosed character class "
                + "(expected a Java regular expression)", fileError("host:\n  regex: ['^a$', '[']\n"));
        assertEquals("server.yaml:6: users.id1.host.regex '(' is not a valid regular expression: Unclosed group "
                + "(expected a Java regular expression)",
                fileError("users:\n  id1:\n    secret: s\n    host:\n      regex:\n        - (\n"));
        assertTrue(error("-addr", "1", "-hostRegex", "[").startsWith(
                "-hostRegex '[' is not a valid regular expression: Unclosed character class"));
    }

    @Test
    void overlappingRangesNameBothOwners() throws IOException {
        file("server.yaml", "users:\n  id1:\n    secret: s1\n    tcp:\n      - range: 10000-20000\n"
                + "  id2:\n    secret: s2\n    tcp:\n      - range: 15000-16000\noptions:\n  addr: 0\n");
        ServerOptions o = parse("-config", "server.yaml");
        String m = assertThrows(OptionsException.class, o::build).getMessage();
        assertTrue(m.contains("user 'id1'") && m.contains("user 'id2'") && m.contains("overlaps"), m);
        // A user's range inside the global pool overlaps it too.
        file("server.yaml", "users:\n  id1:\n    secret: s1\n    tcp:\n      - range: 10000-20000\n");
        String g = assertThrows(OptionsException.class,
                () -> parse("-config", "server.yaml", "-addr", "0", "-tcpRange", "1024-65535").build()).getMessage();
        assertTrue(g.contains("user 'id1'") && g.contains("global"), g);
        // A user replaced by a later source no longer owns its old range.
        file("users.yaml", "id2: {secret: s2}\n");
        file("server.yaml", "users:\n  id1:\n    secret: s1\n    tcp:\n      - range: 10000-20000\n"
                + "  id2:\n    secret: s2\n    tcp:\n      - range: 15000-16000\noptions:\n  addr: 0\n  users: users.yaml\n");
        assertEquals(User.of("s2"), config("-config", "server.yaml").users().get("id2"));
    }

    @Test
    void secretsNeverAppearInMessages() throws IOException {
        String secret = "TopSecret42";
        List<String> files = List.of(
                "users:\n  id1: " + secret + "\n",
                "users:\n  id1:\n    secret: [" + secret + "]\n",
                "users:\n  id1:\n    secret: {" + secret + ": 1}\n",
                "users:\n  id1:\n    secret: " + secret + "\n    tcpNumbr: 1\n",
                "users:\n  id1:\n    secret: " + secret + "\n    speed: fast\n",
                "users:\n  id1:\n    secret: " + secret + "\n    secret: " + secret + "\n",
                "users:\n  id1:\n    secret: " + secret.repeat(20) + "\n",
                "users:\n  a b:\n    secret: " + secret + "\n");
        for (String text : files) {
            String m = fileError(text);
            assertFalse(m.contains(secret), m);
            file("users.yaml", text.substring("users:\n".length()).replaceAll("(?m)^  ", ""));
            String u = error("-addr", "1", "-users", "users.yaml");
            assertFalse(u.contains(secret), u);
            assertTrue(u.startsWith("users.yaml:"), u);
        }
        file("server.yaml", "users:\n  id1:\n    secret: " + secret + "\n    tcp: [{range: 1-2}]\n");
        String overlap = assertThrows(OptionsException.class,
                () -> parse("-config", "server.yaml", "-addr", "0", "-tcpRange", "1").build()).getMessage();
        assertFalse(overlap.contains(secret), overlap);
        ServerOptions o = parse("-config", "server.yaml", "-addr", "0");
        assertFalse(o.toString().contains(secret), o.toString());
        assertFalse(o.builder().buildConfig().toString().contains(secret));
    }

    // ---- speed, ban, authAPI

    @Test
    void zeroBanSettingsStayZero() throws IOException {
        // GT turns both back into 3 and 5m; here 0 means "ban on the first failure" and "no banning".
        GtServerConfig c = config("-addr", "1", "-reconnectTimes", "0", "-reconnectDuration", "0s");
        assertEquals(0, c.failedLoginsBeforeBan());
        assertEquals(Duration.ZERO, c.banDuration());
        file("server.yaml", "options:\n  addr: 1\n  reconnectTimes: 0\n  reconnectDuration: 0s\n");
        GtServerConfig y = config("-config", "server.yaml");
        assertEquals(0, y.failedLoginsBeforeBan());
        assertEquals(Duration.ZERO, y.banDuration());
        GtServerConfig both = config("-config", "server.yaml", "-reconnectTimes", "7", "-reconnectDuration", "1h");
        assertEquals(7, both.failedLoginsBeforeBan());
        assertEquals(Duration.ofHours(1), both.banDuration());
        assertEquals("-reconnectDuration '-1s' is negative (expected a duration >= 0, e.g. 90s, 5m, 1h30m)",
                error("-reconnectDuration", "-1s"));
        assertEquals("-reconnectTimes '-1' is out of range (expected 0 to 2147483647)",
                error("-reconnectTimes", "-1"));
    }

    @Test
    void speed() throws IOException {
        assertEquals(1024, config("-addr", "1", "-speed", "1024").speedLimitPerClient());
        file("server.yaml", "options:\n  addr: 1\n  speed: 2048\n");
        assertEquals(2048, config("-config", "server.yaml").speedLimitPerClient());
        assertEquals(1024, config("-config", "server.yaml", "-speed", "1024").speedLimitPerClient());
        assertEquals("-speed 'fast' is not a whole number (expected a whole number from 0 to 4294967295)",
                error("-speed", "fast"));
    }

    @Test
    void authApi() throws IOException {
        assertEquals(URI.create("http://127.0.0.1:1/auth"), config("-addr", "1", "-authAPI", "http://127.0.0.1:1/auth")
                .authUrl());
        assertEquals("-authAPI 'ftp://x' (expected an http:// or https:// URL)",
                error("-addr", "1", "-authAPI", "ftp://x"));
        assertEquals("server.yaml:3: -authAPI 'x' (expected an http:// or https:// URL)",
                fileError("options:\n  addr: 1\n  authAPI: x\n"));
        file("server.yaml", "options:\n  addr: 1\n  authAPI: https://auth.example/check\n");
        assertEquals(URI.create("https://auth.example/check"), config("-config", "server.yaml").authUrl());
    }

    @Test
    void aRejectedAuthApiUrlDoesNotShowItsCredentials() {
        // The API's own credentials, in the user info or the query, stay out of the message.
        assertEquals("-authAPI 'ftp://...@auth.example/check?...' (expected an http:// or https:// URL)",
                error("-addr", "1", "-authAPI", "ftp://gt:pa55word@auth.example/check?token=t0ken"));
        String m = error("-addr", "1", "-authAPI", "http://gt:pa55word@auth.example/ch eck?token=t0ken");
        assertEquals("-authAPI 'http://...@auth.example/ch eck?...' is not a URL: Illegal character in path", m);
        m = error("-addr", "1", "-authAPI", "http://auth.example/check?token=t0 ken");
        assertEquals("-authAPI 'http://auth.example/check?...' is not a URL: Illegal character in query", m);
        assertEquals("-authAPI '...@auth.example#...' (expected an http:// or https:// URL)",
                error("-addr", "1", "-authAPI", "gt:pa55word@auth.example#t0ken"));
    }
}

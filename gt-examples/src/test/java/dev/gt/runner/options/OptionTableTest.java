package dev.gt.runner.options;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** The table itself: completeness against GT, help text, and the unsupported options. */
class OptionTableTest {
    @TempDir
    Path dir;

    /** The operations options, which the runner reads itself (status API, logs, Sentry, dashboard). */
    private static final Set<String> OPERATIONS = Set.of("apiAddr", "apiCertFile", "apiKeyFile", "apiTLSVersion",
            "logFile", "logFileMaxSize", "logFileMaxCount", "sentryDSN", "sentryLevel", "sentrySampleRate",
            "sentryRelease", "sentryEnvironment", "sentryServerName", "sentryDebug", "webAddr", "webCertFile",
            "webKeyFile", "admin", "password");
    private static final Set<String> SERVER_SUPPORTED = union(OPERATIONS, "addr", "id", "secret", "allowAnyClient", "tcpRange",
            "tcpNumber", "httpMUXHeader", "timeout", "connections", "maxHandShakeOptions", "logLevel", "config",
            "version", "h", "workerThreads", "jit", "tlsAddr", "sniAddr", "certFile", "keyFile", "tlsVersion", "users",
            "authAPI", "speed", "reconnectTimes", "reconnectDuration", "hostNumber", "hostRegex", "hostWithID",
            "tcpBindHost", "quicAddr", "bbr", "stunAddr", "stunOnAddr", "turnUser", "turnSecret", "turnRealm",
            "turnRelayPorts", "turnRelayAddr", "turnAllowPeer", "turnDenyPeer", "turnUserQuota", "turnTotalQuota",
            "turnBandwidth", "stunSoftware", "turnCredentialsTTL");
    private static final Set<String> CLIENT_SUPPORTED = union(OPERATIONS, "id", "secret", "remote", "local", "hostPrefix",
            "remoteTCPPort", "remoteTCPRandom", "useLocalAsHTTPHost", "localTimeout", "reconnectDelay",
            "remoteTimeout", "remoteConnections", "remoteIdleConnections", "logLevel", "config", "version", "h",
            "workerThreads", "jit", "remoteCert", "remoteCertInsecure", "remoteCertFingerprint", "remoteAPI", "remoteSTUN",
            "remoteProbeInterval", "bbr");

    /**
     * Every flag of GT's server and client -h output (README) plus the ones GT added later, and GT
     * for Java's own (workerThreads, jit, tcpBindHost, the STUN/TURN server's).
     */
    private static final Set<String> GT_SERVER = Set.of("addr", "allowAnyClient", "apiAddr", "apiCertFile",
            "apiKeyFile", "apiTLSVersion", "authAPI", "certFile", "config", "connections", "hostNumber", "hostRegex",
            "hostWithID", "httpMUXHeader", "id", "keyFile", "logFile", "logFileMaxCount", "logFileMaxSize",
            "logLevel", "reconnectDuration", "reconnectTimes", "secret", "sentryDSN", "sentryDebug",
            "sentryEnvironment", "sentryLevel", "sentryRelease", "sentrySampleRate", "sentryServerName", "sniAddr",
            "speed", "stunAddr", "tcpNumber", "tcpRange", "timeout", "timeoutOnUnidirectionalTraffic", "tlsAddr",
            "tlsVersion", "users", "version", "maxHandShakeOptions", "stunLogLevel", "webAddr", "webCertFile",
            "webKeyFile", "pprof", "signingKey", "admin", "password", "s", "quicAddr", "bbr", "h",
            "workerThreads", "jit", "tcpBindHost", "stunOnAddr", "turnUser", "turnSecret", "turnRealm", "turnRelayPorts",
            "turnRelayAddr", "turnAllowPeer", "turnDenyPeer", "turnUserQuota", "turnTotalQuota", "turnBandwidth",
            "stunSoftware", "turnCredentialsTTL");
    private static final Set<String> GT_CLIENT = Set.of("config", "hostPrefix", "id", "local", "localTimeout",
            "logFile", "logFileMaxCount", "logFileMaxSize", "logLevel", "reconnectDelay", "remote", "remoteAPI",
            "remoteCert", "remoteCertInsecure", "remoteConnections", "remoteIdleConnections", "remoteSTUN",
            "remoteTCPPort", "remoteTCPRandom", "remoteTimeout", "s", "secret", "sentryDSN", "sentryDebug",
            "sentryEnvironment", "sentryLevel", "sentryRelease", "sentrySampleRate", "sentryServerName",
            "tcpForwardAddr", "tcpForwardConnections", "tcpForwardHostPrefix", "useLocalAsHTTPHost", "version",
            "webrtcConnectionIdleTimeout", "webrtcLogLevel", "webrtcMaxPort", "webrtcMinPort", "webrtcConnections",
            "webrtcThreadMode", "webAddr", "webCertFile", "webKeyFile", "pprof", "signingKey", "admin", "password",
            "bbr", "h", "workerThreads", "jit", "remoteCertFingerprint", "remoteProbeInterval",
            // GT for Java's own on the client: the status API.
            "apiAddr", "apiCertFile", "apiKeyFile", "apiTLSVersion");

    private static Set<String> union(Set<String> a, String... b) {
        Set<String> s = new java.util.HashSet<>(a);
        s.addAll(Set.of(b));
        return Set.copyOf(s);
    }

    private static Set<String> names(OptionTable<?> t) {
        return t.options().stream().map(Option::name).collect(Collectors.toSet());
    }

    private static Set<String> supported(OptionTable<?> t) {
        return t.options().stream().filter(Option::supported).map(Option::name).collect(Collectors.toSet());
    }

    @Test
    void theLibrarysSettingNamesInItsLogLinesAreSaidAsFlags() {
        assertEquals("the certificate of tls://h:443 is NOT checked (-remoteCertInsecure): pin it with "
                + "-remoteCertFingerprint instead", OptionTable.flagNamesIn("the certificate of tls://h:443 is NOT "
                + "checked (trustAnyCertificate): pin it with pinnedCertificateSha256 instead"));
        assertEquals("neither -tcpNumber nor -hostNumber limits it", OptionTable.flagNamesIn(
                "neither maxTcpPortsPerClient nor maxHostPrefixesPerClient limits it"));
        assertEquals("no data for 2s (-remoteTimeout)", OptionTable.flagNamesIn("no data for 2s (serverTimeout)"));
        // Words that only contain a setting's name, and lower-case words, stay as they are.
        assertEquals("xserverTimeout serverTimeouts the secret", OptionTable.flagNamesIn(
                "xserverTimeout serverTimeouts the secret"));
        assertEquals("", OptionTable.flagNamesIn(""));
        assertNull(OptionTable.flagNamesIn(null));
    }

    @Test
    void tablesHaveEveryGtOptionAndExactlyTheSupportedOnes() {
        assertEquals(GT_SERVER, names(OptionTable.SERVER));
        assertEquals(GT_CLIENT, names(OptionTable.CLIENT));
        assertEquals(SERVER_SUPPORTED, supported(OptionTable.SERVER));
        assertEquals(CLIENT_SUPPORTED, supported(OptionTable.CLIENT));
    }

    @Test
    void perServiceOptionsAreTheClientsPositionalFlags() {
        Set<String> perService = OptionTable.CLIENT.options().stream().filter(Option::perService).map(Option::name)
                .collect(Collectors.toSet());
        assertEquals(Set.of("local", "hostPrefix", "remoteTCPPort", "remoteTCPRandom", "useLocalAsHTTPHost",
                "localTimeout"), perService);
        assertTrue(OptionTable.SERVER.options().stream().noneMatch(Option::perService));
    }

    @Test
    void cliOnlyOptionsAreGtsYamlDashFields() {
        Set<String> serverCli = OptionTable.SERVER.options().stream().filter(o -> !o.yaml()).map(Option::name)
                .collect(Collectors.toSet());
        assertEquals(Set.of("config", "id", "secret", "tcpRange", "hostNumber", "hostRegex", "hostWithID", "version",
                "s", "h"), serverCli);
        Set<String> clientCli = OptionTable.CLIENT.options().stream().filter(o -> !o.yaml() && !o.perService())
                .map(Option::name).collect(Collectors.toSet());
        assertEquals(Set.of("config", "version", "s", "h"), clientCli);
    }

    @Test
    void defaultsAreGts() {
        assertEquals(java.time.Duration.ofSeconds(90), OptionTable.SERVER.find("timeout").defaultValue());
        assertEquals(10, OptionTable.SERVER.find("connections").defaultValue());
        assertEquals(600, OptionTable.SERVER.find("maxHandShakeOptions").defaultValue());
        assertEquals("Host", OptionTable.SERVER.find("httpMUXHeader").defaultValue());
        assertEquals(java.time.Duration.ofSeconds(5), OptionTable.CLIENT.find("reconnectDelay").defaultValue());
        assertEquals(java.time.Duration.ofSeconds(45), OptionTable.CLIENT.find("remoteTimeout").defaultValue());
        assertEquals(java.time.Duration.ofSeconds(120), OptionTable.CLIENT.find("localTimeout").defaultValue());
        assertEquals(3, OptionTable.CLIENT.find("remoteConnections").defaultValue());
        assertEquals(1, OptionTable.CLIENT.find("remoteIdleConnections").defaultValue());
        assertEquals("info", OptionTable.CLIENT.find("logLevel").defaultValue());
        assertEquals(3, OptionTable.SERVER.find("reconnectTimes").defaultValue());
        assertEquals(java.time.Duration.ofMinutes(5), OptionTable.SERVER.find("reconnectDuration").defaultValue());
        assertEquals(0L, OptionTable.SERVER.find("speed").defaultValue());
        assertEquals(0, OptionTable.SERVER.find("hostNumber").defaultValue());
    }

    @Test
    void helpDescribesUsersHostAndBanOptions() {
        String s = ServerOptions.usage();
        assertTrue(s.contains("  -users string\n"), s);
        assertTrue(s.contains("  -hostRegex value\n"), s);
        assertTrue(s.contains("[command line only; YAML: host: {regex: [...]}]"), s);
        assertTrue(s.contains("[command line only; YAML: host: {number: N}]"), s);
        assertTrue(s.contains("[also YAML: options.authAPI]"), s);
        // Help lines are wrapped; compare with the line breaks and indentation folded into spaces.
        assertTrue(s.replaceAll("\\s+", " ").contains("0 turns banning off. (default 5m)"), s);
        assertTrue(s.contains("  host:  "), s);
        assertTrue(ClientOptions.usage().contains("[also YAML: options.remoteAPI]"), ClientOptions.usage());
    }

    static Stream<OptionTable<?>> tables() {
        return Stream.of(OptionTable.SERVER, OptionTable.CLIENT);
    }

    @ParameterizedTest
    @MethodSource("tables")
    void helpListsEveryOptionOfTheTable(OptionTable<?> table) {
        String usage = table.usage();
        assertTrue(usage.startsWith("Usage: gt " + table.command() + " [options]"), usage);
        int unsupportedHeader = usage.indexOf("GT options not supported by this version");
        assertTrue(unsupportedHeader > 0);
        for (Option<?, ?> o : table.options()) {
            String line = header(o);
            int at = usage.indexOf("\n" + line + "\n");
            assertTrue(at > 0, "usage lacks " + line);
            assertEquals(!o.supported(), at > unsupportedHeader, "section of -" + o.name());
        }
        assertTrue(usage.contains("\n  -h, -help\n"), usage);
        for (String line : usage.split("\n")) {
            assertTrue(line.length() <= 100, "too long: " + line);
        }
    }

    private static String header(Option<?, ?> o) {
        StringBuilder sb = new StringBuilder("  -").append(o.name());
        o.aliases().forEach(a -> sb.append(", -").append(a));
        if (!o.type().helpName().isEmpty()) {
            sb.append(' ').append(o.type().helpName());
        }
        return sb.toString();
    }

    @Test
    void helpShowsDefaultsTypesAndWhereOptionsGo() {
        String s = ServerOptions.usage();
        assertTrue(s.contains("  -timeout duration\n"), s);
        assertTrue(s.contains("(default 90s)"), s);
        assertTrue(s.contains("(default \"Host\")"), s);
        assertTrue(s.contains("[also YAML: options.timeout]"), s);
        assertTrue(s.contains("users: {<id>: {secret: <secret>}}"), s);
        assertTrue(s.contains("tcp: [{range: 1024-65535}]"), s);
        String c = ClientOptions.usage();
        assertTrue(c.contains("  -remoteTCPRandom\n"), c);
        assertTrue(c.contains("[per service: belongs to the preceding -local"), c);
        assertTrue(c.contains("services:"), c);
    }

    static Stream<Arguments> unsupportedOptions() {
        return tables().flatMap(t -> t.options().stream().filter(o -> !o.supported()).map(o -> Arguments.of(t, o)));
    }

    @ParameterizedTest
    @MethodSource("unsupportedOptions")
    void unsupportedOptionsAreRejectedByNameOnTheCommandLine(OptionTable<?> table, Option<?, ?> o) {
        String[] args = o.type() == OptionType.BOOL ? new String[] {"-" + o.name()}
                : new String[] {"-" + o.name(), sample(o)};
        OptionsException e = assertThrows(OptionsException.class, () -> parse(table, args));
        assertEquals("option -" + o.name() + " is not supported by this version of GT for Java"
                + (o.instead() == null ? "" : "; " + o.instead()), e.getMessage());
        OptionsException eq = assertThrows(OptionsException.class,
                () -> parse(table, new String[] {"--" + o.name() + "=" + sample(o)}));
        assertEquals(e.getMessage(), eq.getMessage());
    }

    @ParameterizedTest
    @MethodSource("unsupportedOptions")
    void unsupportedOptionsAreRejectedByNameInYaml(OptionTable<?> table, Option<?, ?> o) throws IOException {
        Path f = dir.resolve("x.yaml");
        Files.writeString(f, "options:\n  " + o.name() + ": " + sample(o) + "\n");
        OptionsException e = assertThrows(OptionsException.class,
                () -> parse(table, new String[] {"-config", "x.yaml"}));
        if (o.yaml()) {
            assertEquals("x.yaml:2: option -" + o.name() + " is not supported by this version of GT for Java"
                    + (o.instead() == null ? "" : "; " + o.instead()), e.getMessage());
        } else {
            assertTrue(e.getMessage().contains("-" + o.name()), e.getMessage());
            assertTrue(e.getMessage().startsWith("x.yaml:2: "), e.getMessage());
        }
    }

    private static String sample(Option<?, ?> o) {
        if (o.type() == OptionType.BOOL) {
            return "true";
        } else if (o.type() == OptionType.DURATION) {
            return "5s";
        } else if (o.type() == OptionType.INT || o.type() == OptionType.UINT || o.type() == OptionType.ULONG) {
            return "1";
        } else if (o.type() == OptionType.FLOAT) {
            return "0.5";
        }
        return "x";
    }

    private Object parse(OptionTable<?> table, String[] args) {
        return table == OptionTable.SERVER ? ServerOptions.parse(args, dir) : ClientOptions.parse(args, dir);
    }

    @Test
    void suggestsCloseNames() {
        assertEquals("remoteTCPPort", OptionTable.CLIENT.suggest("remoteTcpPort"));
        assertEquals("httpMUXHeader", OptionTable.SERVER.suggest("httpMuxHeader"));
        assertEquals("timeout", OptionTable.SERVER.suggest("timeuot"));
        assertEquals("allowAnyClient", OptionTable.SERVER.suggest("allowAnyClients"));
        assertNull(OptionTable.SERVER.suggest("x"));
        assertNull(OptionTable.SERVER.suggest("frobnicate"));
    }

    @Test
    void runnerTablesParseTheSameWay() {
        OptionTable<Object> demo = new OptionTable<>("demo", "A demo.", null, List.of(
                Option.define("duration", OptionType.DURATION).help("How long.").build(),
                Option.define("h", OptionType.BOOL).alias("help").help("Help.").build()));
        OptionValues v = demo.parse(new String[] {"-duration=0"});
        assertEquals(java.time.Duration.ZERO, v.duration("duration"));
        assertTrue(v.isSet("duration"));
        assertFalse(demo.parse(new String[0]).isSet("duration"));
        assertNull(demo.parse(new String[0]).duration("duration"));
        assertTrue(demo.parse(new String[] {"--help"}).helpRequested());
        OptionsException e = assertThrows(OptionsException.class, () -> demo.parse(new String[] {"-duration", "x"}));
        assertEquals("-duration 'x' is not a duration (expected e.g. 90s, 5m, 1h30m)", e.getMessage());
        assertFalse(demo.usage().contains("Configuration file"), demo.usage());
    }

    @Test
    void duplicateNamesAreRejected() {
        Option<Object, Boolean> a = Option.define("a", OptionType.BOOL).help("A.").build();
        assertThrows(IllegalArgumentException.class, () -> new OptionTable<>("x", "X.", null, List.of(a, a)));
    }
}

package dev.gt.runner.options;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.gt.api.ServiceKind;
import dev.gt.api.ServiceSpec;
import dev.gt.core.GtClientConfig;
import dev.gt.core.RemoteUrl;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ClientOptionsTest {
    @TempDir
    Path dir;

    private static final String[] BASE = {"-id", "id1", "-secret", "secret1", "-remote", "tcp://id1.example.com:8080"};

    private ClientOptions parse(String... args) {
        return ClientOptions.parse(args, dir);
    }

    /** Parses {@link #BASE} plus {@code more}. */
    private ClientOptions withBase(String... more) {
        List<String> all = new ArrayList<>(List.of(BASE));
        all.addAll(List.of(more));
        return parse(all.toArray(new String[0]));
    }

    private String error(String... args) {
        return assertThrows(OptionsException.class, () -> parse(args)).getMessage();
    }

    private String baseError(String... more) {
        return assertThrows(OptionsException.class, () -> withBase(more)).getMessage();
    }

    private void file(String name, String text) throws IOException {
        Files.writeString(dir.resolve(name), text);
    }

    private String fileError(String text) throws IOException {
        file("client.yaml", text);
        return error("-config", "client.yaml");
    }

    /** Field-by-field view of a service, since ServiceSpec has no equals. */
    private static String describe(ServiceSpec s) {
        return s.kind() + " " + s.localUrl() + " prefix=" + s.hostPrefix() + " port=" + s.serverPort()
                + " random=" + s.allowRandomServerPort() + " useLocal=" + s.rewriteHostHeader() + " timeout="
                + s.idleTimeout();
    }

    private static List<String> describe(List<ServiceSpec> services) {
        List<String> out = new ArrayList<>();
        services.forEach(s -> out.add(describe(s)));
        return out;
    }

    // ---- README scenarios

    @Test
    void internalHttpPenetration() {
        ClientOptions o = parse("-local", "http://127.0.0.1:80", "-remote", "tcp://id1.example.com:8080", "-id", "id1",
                "-secret", "secret1");
        GtClientConfig c = o.builder().buildConfig();
        assertEquals("id1", c.id());
        assertEquals("secret1", c.secret());
        assertEquals(List.of(new RemoteUrl("tcp", "id1.example.com", 8080)), c.servers());
        assertEquals(1, c.services().size());
        ServiceSpec s = c.services().get(0);
        assertEquals(ServiceKind.HTTP, s.kind());
        assertEquals("http://127.0.0.1:80", s.localUrl());
        assertNull(s.hostPrefix());
        assertFalse(s.rewriteHostHeader());
        assertEquals(Duration.ofSeconds(120), s.idleTimeout());
        assertEquals(Duration.ofSeconds(5), c.reconnectDelay());
        assertEquals(Duration.ofSeconds(45), c.serverTimeout());
        assertEquals(3, c.maxTunnels());
        assertEquals(1, c.idleTunnels());
        assertEquals(LogLevel.INFO, o.logLevel());
    }

    @Test
    void internalTcpPenetrationWithFlagsAfterEverything() {
        // The README puts -remoteTCPPort/-remoteTCPRandom last: with a single -local they still apply to it.
        GtClientConfig c = parse("-local", "tcp://127.0.0.1:22", "-remote", "tcp://id1.example.com:8080", "-id", "id1",
                "-secret", "secret1", "-remoteTCPPort", "2222", "-remoteTCPRandom").builder().buildConfig();
        ServiceSpec s = c.services().get(0);
        assertEquals(ServiceKind.TCP, s.kind());
        assertEquals("tcp://127.0.0.1:22", s.localUrl());
        assertEquals(2222, s.serverPort());
        assertTrue(s.allowRandomServerPort());
    }

    @Test
    void singleLocalTakesFlagsWrittenBeforeIt() {
        ServiceSpec s = withBase("-hostPrefix", "blog", "-useLocalAsHTTPHost", "-local", "http://127.0.0.1:8080")
                .services().get(0);
        assertEquals("blog", s.hostPrefix());
        assertTrue(s.rewriteHostHeader());
    }

    private static final String SEED_YAML = String.join("\n",
            "services:",
            "  - local: http://127.0.0.1:80",
            "    useLocalAsHTTPHost: true",
            "    hostPrefix: 1",
            "  - local: http://127.0.0.1:8080",
            "    useLocalAsHTTPHost: true",
            "    hostPrefix: 2",
            "  - local: tcp://127.0.0.1:2222",
            "    remoteTCPPort: 2222",
            "  - local: tcp://127.0.0.1:2223",
            "    remoteTCPPort: 2223",
            "options:",
            "  remote: tcp://id1.example.com:8080",
            "  id: id1",
            "  secret: secret1",
            "");

    @Test
    void seedMultipleServicesCommandLineAndYamlAreTheSame() throws IOException {
        ClientOptions cli = parse("-remote", "tcp://id1.example.com:8080", "-id", "id1", "-secret", "secret1",
                "-local", "http://127.0.0.1:80", "-useLocalAsHTTPHost", "-hostPrefix", "1",
                "-local", "http://127.0.0.1:8080", "-useLocalAsHTTPHost", "-hostPrefix", "2",
                "-local", "tcp://127.0.0.1:2222", "-remoteTCPPort", "2222",
                "-local", "tcp://127.0.0.1:2223", "-remoteTCPPort", "2223");
        file("client.yaml", SEED_YAML);
        ClientOptions yaml = parse("-config", "client.yaml");

        List<String> expected = List.of(
                "HTTP http://127.0.0.1:80 prefix=1 port=0 random=false useLocal=true timeout=PT2M",
                "HTTP http://127.0.0.1:8080 prefix=2 port=0 random=false useLocal=true timeout=PT2M",
                "TCP tcp://127.0.0.1:2222 prefix=null port=2222 random=false useLocal=false timeout=PT2M",
                "TCP tcp://127.0.0.1:2223 prefix=null port=2223 random=false useLocal=false timeout=PT2M");
        assertEquals(expected, describe(cli.services()));
        assertEquals(expected, describe(yaml.services()));
        GtClientConfig a = cli.builder().buildConfig();
        GtClientConfig b = yaml.builder().buildConfig();
        assertEquals(describe(a.services()), describe(b.services()));
        assertEquals(a.id(), b.id());
        assertEquals(a.secret(), b.secret());
        assertEquals(a.servers(), b.servers());
    }

    @Test
    void commandLineServicesComeFirstThenYamlServices() throws IOException {
        file("client.yaml", SEED_YAML);
        ClientOptions o = parse("-config", "client.yaml", "-local", "tcp://127.0.0.1:22", "-remoteTCPPort", "22",
                "-local", "https://127.0.0.1", "-hostPrefix", "www");
        List<String> urls = new ArrayList<>();
        o.builder().buildConfig().services().forEach(s -> urls.add(s.localUrl()));
        assertEquals(List.of("tcp://127.0.0.1:22", "https://127.0.0.1:443", "http://127.0.0.1:80",
                "http://127.0.0.1:8080", "tcp://127.0.0.1:2222", "tcp://127.0.0.1:2223"), urls);
    }

    // ---- every supported option

    @Test
    void everySupportedOptionOnTheCommandLine() {
        ClientOptions o = parse("-id", "c1", "-secret=s1", "-remote", "tcp://a.example:1", "--remote", "b.example:2",
                "-local", "tcp://127.0.0.1:22", "-remoteTCPPort", "0", "-remoteTCPRandom=true", "-localTimeout", "1m",
                "-local", "http://127.0.0.1:81", "-hostPrefix", "web", "-useLocalAsHTTPHost=true",
                "-reconnectDelay", "250ms", "-remoteTimeout", "10s", "-remoteConnections", "5",
                "-remoteIdleConnections", "2", "-logLevel", "trace");
        GtClientConfig c = o.builder().buildConfig();
        assertEquals("c1", c.id());
        assertEquals("s1", c.secret());
        assertEquals(List.of(new RemoteUrl("tcp", "a.example", 1), new RemoteUrl("tcp", "b.example", 2)), c.servers());
        assertEquals(List.of(
                "TCP tcp://127.0.0.1:22 prefix=null port=0 random=true useLocal=false timeout=PT1M",
                "HTTP http://127.0.0.1:81 prefix=web port=0 random=false useLocal=true timeout=PT2M"),
                describe(c.services()));
        assertEquals(Duration.ofMillis(250), c.reconnectDelay());
        assertEquals(Duration.ofSeconds(10), c.serverTimeout());
        assertEquals(5, c.maxTunnels());
        assertEquals(2, c.idleTunnels());
        assertEquals(LogLevel.TRACE, o.logLevel());
        assertFalse(o.versionRequested());
        assertTrue(parse("-version").versionRequested());
        assertTrue(parse("-local", "x", "--help").helpRequested());
        assertThrows(IllegalStateException.class, () -> parse("-h").builder());
    }

    @Test
    void everySupportedOptionInYaml() throws IOException {
        file("client.yaml", String.join("\n",
                "type: client",
                "version: 1.0",
                "services:",
                "  - local: tcp://127.0.0.1:22",
                "    remoteTCPPort: 2222",
                "    remoteTCPRandom: true",
                "    localTimeout: 30s",
                "  - local: http://127.0.0.1",
                "    hostPrefix: blog",
                "    useLocalAsHTTPHost: true",
                "options:",
                "  id: c1",
                "  secret: s1",
                "  remote:",
                "    - tcp://a.example:1",
                "    - b.example:2",
                "  reconnectDelay: 1m",
                "  remoteTimeout: 2m",
                "  remoteConnections: 4",
                "  remoteIdleConnections: 3",
                "  logLevel: disabled",
                ""));
        ClientOptions o = parse("-config", "client.yaml");
        GtClientConfig c = o.builder().buildConfig();
        assertEquals("c1", c.id());
        assertEquals("s1", c.secret());
        assertEquals(List.of(new RemoteUrl("tcp", "a.example", 1), new RemoteUrl("tcp", "b.example", 2)), c.servers());
        assertEquals(List.of(
                "TCP tcp://127.0.0.1:22 prefix=null port=2222 random=true useLocal=false timeout=PT30S",
                "HTTP http://127.0.0.1:80 prefix=blog port=0 random=false useLocal=true timeout=PT2M"),
                describe(c.services()));
        assertEquals(Duration.ofMinutes(1), c.reconnectDelay());
        assertEquals(Duration.ofMinutes(2), c.serverTimeout());
        assertEquals(4, c.maxTunnels());
        assertEquals(3, c.idleTunnels());
        assertEquals(LogLevel.OFF, o.logLevel());
        assertEquals(dir.resolve("client.yaml"), o.configFile());
    }

    @Test
    void commandLineWinsOverYaml() throws IOException {
        file("client.yaml", SEED_YAML + "  reconnectDelay: 1s\n  remoteConnections: 4\n");
        GtClientConfig c = parse("-config", "client.yaml", "-id", "other", "-remote", "tcp://x.example:9",
                "-remote", "tcp://y.example:9", "-reconnectDelay", "2s").builder().buildConfig();
        assertEquals("other", c.id());
        assertEquals("secret1", c.secret());
        // A list given on the command line replaces the file's list, as in GT.
        assertEquals(List.of(new RemoteUrl("tcp", "x.example", 9), new RemoteUrl("tcp", "y.example", 9)), c.servers());
        assertEquals(Duration.ofSeconds(2), c.reconnectDelay());
        assertEquals(4, c.maxTunnels());
        assertEquals(Duration.ofSeconds(45), c.serverTimeout());
    }

    @Test
    void zeroValuesMeanZero() throws IOException {
        ClientOptions o = withBase("-local", "tcp://127.0.0.1:22", "-remoteTCPPort", "0", "-localTimeout", "0",
                "-reconnectDelay", "0");
        GtClientConfig c = o.builder().buildConfig();
        assertEquals(Duration.ZERO, c.reconnectDelay());
        assertEquals(Duration.ZERO, c.services().get(0).idleTimeout());
        assertEquals(0, c.services().get(0).serverPort());
        assertTrue(c.services().get(0).allowRandomServerPort());
        file("client.yaml", "services:\n  - local: http://127.0.0.1\n    localTimeout: 0\n"
                + "options:\n  reconnectDelay: 0s\n");
        GtClientConfig y = parse("-config", "client.yaml", "-id", "a", "-remote", "x:1").builder().buildConfig();
        assertEquals(Duration.ZERO, y.reconnectDelay());
        assertEquals(Duration.ZERO, y.services().get(0).idleTimeout());
        // Zero where it makes no sense is an error rather than GT's silent default.
        assertEquals("-remoteConnections '0' is out of range (expected 1 to 10)", error("-remoteConnections", "0"));
        assertEquals("-remoteTimeout 0s (expected at least 1s)", error("-remoteTimeout", "0"));
        // An explicit false is kept too: a tcp service without port then has no way to get one.
        assertTrue(baseError("-local", "tcp://127.0.0.1:22", "-remoteTCPRandom=false")
                .contains("has neither remoteTCPPort nor remoteTCPRandom"));
    }

    // ---- positional per-service flags

    @Test
    void perServiceFlagsFollowTheirLocal() {
        List<ServiceSpec> s = withBase("-local", "http://127.0.0.1:1", "-hostPrefix", "a",
                "-local", "http://127.0.0.1:2", "-local", "http://127.0.0.1:3", "-hostPrefix", "c", "-localTimeout", "3s")
                .services();
        assertEquals("a", s.get(0).hostPrefix());
        assertNull(s.get(1).hostPrefix());
        assertEquals("c", s.get(2).hostPrefix());
        assertEquals(Duration.ofSeconds(3), s.get(2).idleTimeout());
        assertEquals(Duration.ofSeconds(120), s.get(0).idleTimeout());
    }

    @Test
    void perServiceFlagBeforeTheFirstOfSeveralLocalsIsAnError() {
        assertEquals("-hostPrefix comes before the first -local; with several -local options each per-service option "
                + "must follow the -local it describes",
                baseError("-hostPrefix", "a", "-local", "http://127.0.0.1:1", "-local", "http://127.0.0.1:2"));
    }

    @Test
    void perServiceFlagWithoutLocalIsAnError() throws IOException {
        assertEquals("-remoteTCPPort is a per-service option but there is no -local to apply it to (write it after "
                + "the -local it describes)", baseError("-remoteTCPPort", "22"));
        // Also when the services come from the file: command-line flags never reach into it.
        file("client.yaml", SEED_YAML);
        assertTrue(error("-config", "client.yaml", "-hostPrefix", "x").startsWith("-hostPrefix is a per-service"));
    }

    @Test
    void perServiceFlagTwiceForOneLocalIsAnError() {
        assertEquals("-hostPrefix is given twice for -local http://127.0.0.1:1 (expected each per-service option at "
                + "most once per -local)", baseError("-local", "http://127.0.0.1:1", "-hostPrefix", "a",
                "-hostPrefix", "b"));
    }

    @Test
    void serviceProblemsNameTheService() {
        assertEquals("-local: local service URL 'ftp://x' has scheme 'ftp' (expected http, https or tcp)",
                baseError("-local", "ftp://x"));
        assertEquals("-local http://127.0.0.1:1: hostPrefix 'a.b' has character '.' (expected letters, digits, '-' or "
                + "'_', as in a DNS label)", baseError("-local", "http://127.0.0.1:1", "-hostPrefix", "a.b"));
        assertTrue(baseError("-local", "tcp://127.0.0.1:1", "-hostPrefix", "a")
                .startsWith("-local tcp://127.0.0.1:1: hostPrefix 'a' is set on TCP service"));
        assertEquals("-remoteTCPPort '65536' is out of range (expected 0 to 65535)",
                baseError("-local", "tcp://127.0.0.1:1", "-remoteTCPPort", "65536"));
        assertEquals("-localTimeout '5' is not a duration: missing unit (expected e.g. 90s, 5m, 1h30m)",
                baseError("-local", "tcp://127.0.0.1:1", "-localTimeout", "5"));
        assertEquals("-useLocalAsHTTPHost no: a switch takes no separate value; write -useLocalAsHTTPHost=no",
                baseError("-local", "http://127.0.0.1:1", "-useLocalAsHTTPHost", "no"));
    }

    @Test
    void buildChecksWholeConfigurations() {
        // The library names its setters; the runner says which option to write.
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> withBase("-local", "http://127.0.0.1:1", "-local", "http://127.0.0.1:2").builder().build());
        assertTrue(e.getMessage().contains("more than one http service has no hostPrefix"), e.getMessage());
        e = assertThrows(OptionsException.class,
                () -> withBase("-local", "http://127.0.0.1:1", "-local", "http://127.0.0.1:2").build());
        assertTrue(e.getMessage().contains("more than one http service has no -hostPrefix"), e.getMessage());
        assertEquals("no client id is configured (expected id)", assertThrows(IllegalArgumentException.class,
                () -> parse("-remote", "x:1", "-local", "http://a").builder().build()).getMessage());
        assertEquals("no client id is configured (expected -id)", assertThrows(OptionsException.class,
                () -> parse("-remote", "x:1", "-local", "http://a").build()).getMessage());
        // build() reports the same as OptionsException, the one type the runner catches.
        assertEquals("no service is configured (expected -local)", assertThrows(OptionsException.class,
                () -> parse("-id", "a", "-remote", "x:1").build()).getMessage());
        assertEquals("-remoteIdleConnections 4 is more than -remoteConnections 3 (expected at most as many idle "
                + "tunnels as tunnels)", error("-remoteIdleConnections", "4"));
    }

    // ---- errors

    @Test
    void unknownAndUnsupported() {
        assertEquals("-remoteTcpPort: unknown option; did you mean -remoteTCPPort?", error("-remoteTcpPort", "22"));
        assertEquals("-useLocalAsHttpHost: unknown option; did you mean -useLocalAsHTTPHost?",
                error("-useLocalAsHttpHost"));
        assertEquals("-addr: not an option of gt client (it is an option of gt server)", error("-addr", "80"));
        assertEquals("option -webrtcMinPort is not supported by this version of GT for Java",
                error("-webrtcMinPort", "1000", "-local", "http://a"));
        assertEquals("-remote 'udp://id1.example.com' has scheme 'udp' (expected tcp, tls or quic)",
                error("-remote", "udp://id1.example.com"));
    }

    @Test
    void secretsNeverAppear() throws IOException {
        ClientOptions o = withBase("-local", "http://127.0.0.1");
        assertFalse(o.toString().contains("secret1"), o.toString());
        assertFalse(o.builder().buildConfig().toString().contains("secret1"));
        assertEquals("-secret has 201 bytes (expected 1 to 200)", error("-secret", "x".repeat(201)));
        assertEquals("-secret: missing value before -id (expected a value; write -secret=VALUE if the value really "
                + "starts with '-')", error("-secret", "-id", "x"));
        assertEquals("client.yaml:2: options.secret: expected a value, found a list",
                fileError("options:\n  secret: [hidden1, hidden2]\n"));
    }

    @Test
    void emptySecretMeansGenerated() {
        GtClientConfig c = parse("-id", "a", "-secret=", "-remote", "x:1", "-local", "http://a").builder().buildConfig();
        assertEquals(64, c.secret().length());
    }

    @Test
    void yamlErrors() throws IOException {
        assertEquals("client.yaml:3: services[0].remoteTcpPort: unknown service key; did you mean remoteTCPPort?",
                fileError("services:\n  - local: tcp://127.0.0.1:22\n    remoteTcpPort: 1\n"));
        assertEquals("client.yaml:2: services[0]: missing local (expected local: http://host[:port], "
                + "https://host[:port] or tcp://host:port)", fileError("services:\n  - hostPrefix: a\n"));
        assertEquals("client.yaml:3: services[1]: local service URL 'udp://x:1' has scheme 'udp' (expected http, "
                + "https or tcp)", fileError("services:\n  - local: http://a\n  - local: udp://x:1\n"));
        assertEquals("client.yaml:3: services[0].remoteTCPPort '99999' is out of range (expected 0 to 65535)",
                fileError("services:\n  - local: tcp://127.0.0.1:22\n    remoteTCPPort: 99999\n"));
        assertEquals("client.yaml:3: services[0].localTimeout '120' is not a duration: missing unit (expected e.g. "
                + "90s, 5m, 1h30m)", fileError("services:\n  - local: tcp://127.0.0.1:22\n    localTimeout: 120\n"));
        assertEquals("client.yaml:2: options.hostPrefix is a per-service option; write it in a services: entry "
                + "(services: [{local: ..., hostPrefix: ...}])", fileError("options:\n  hostPrefix: a\n"));
        // A service under options: (as GT's seed configs are sometimes misread) gets a hint that reads.
        assertEquals("client.yaml:2: options.local: a service is not an option; write it as a services: entry "
                + "(services: [{local: http://127.0.0.1:80}])", fileError("options:\n  local: http://127.0.0.1:80\n"));
        assertEquals("client.yaml:2: options.remoteTcpPort: unknown option; did you mean remoteTCPPort?",
                fileError("options:\n  remoteTcpPort: 1\n"));
        assertEquals("client.yaml:2: option -webrtcThreadMode is not supported by this version of GT for Java",
                fileError("options:\n  webrtcThreadMode: true\n"));
        assertEquals("client.yaml:1: unknown top-level key 'users' for gt client (expected options, services, type, "
                + "version)", fileError("users: {}\n"));
        assertEquals("client.yaml:1: type: Server — this is a configuration file for gt server, but it was given to "
                + "gt client", fileError("type: Server\n"));
        assertEquals("client.yaml:2: services: expected a list of services (- local: http://127.0.0.1:80), found a "
                + "mapping", fileError("services:\n  local: http://a\n"));
        assertEquals("client.yaml:2: options.reconnectDelay '5' is not a duration: missing unit (expected e.g. 90s, 5m,"
                + " 1h30m)", fileError("options:\n  reconnectDelay: 5\n"));
        assertEquals("client.yaml:2: -remote 'ws://a' has scheme 'ws' (expected tcp, tls or quic)",
                fileError("options:\n  remote: ws://a\n"));
        assertEquals("client.yaml:2: -remoteIdleConnections 5 is more than -remoteConnections 3 (expected at most as "
                + "many idle tunnels as tunnels)", fileError("options:\n  remoteIdleConnections: 5\n"));
    }

    @Test
    void withoutArgumentsClientYamlInTheWorkingDirectoryIsLoaded() throws IOException {
        file("client.yaml", SEED_YAML);
        ClientOptions o = parse();
        assertEquals(4, o.services().size());
        assertEquals("id1", o.builder().buildConfig().id());
    }

    @Test
    void remoteApiReplacesRemote() throws IOException {
        GtClientConfig c = parse("-id", "id1", "-secret", "secret1", "-remoteAPI", "http://127.0.0.1:1/remote",
                "-local", "http://127.0.0.1:80").builder().buildConfig();
        assertEquals(java.net.URI.create("http://127.0.0.1:1/remote"), c.serverLookupUrl());
        assertEquals(List.of(), c.servers());
        file("client.yaml", "options:\n  id: id1\n  remoteAPI: https://api.example/server\n"
                + "services:\n  - local: http://127.0.0.1:80\n");
        assertEquals(java.net.URI.create("https://api.example/server"),
                parse("-config", "client.yaml").builder().buildConfig().serverLookupUrl());
        assertEquals("-remoteAPI 'ftp://x' (expected an http:// or https:// URL)", error("-remoteAPI", "ftp://x"));
        assertEquals("client.yaml:2: -remoteAPI 'x' (expected an http:// or https:// URL)",
                fileError("options:\n  remoteAPI: x\n"));
        String both = assertThrows(OptionsException.class, () -> parse("-id", "id1", "-remote", "x:1", "-remoteAPI",
                "http://127.0.0.1:1/remote", "-local", "http://127.0.0.1:80").build()).getMessage();
        assertTrue(both.startsWith("both -remote and -remoteAPI are set"), both);
        String neither = assertThrows(OptionsException.class,
                () -> parse("-id", "id1", "-local", "http://127.0.0.1:80").build()).getMessage();
        assertEquals("no server is configured (expected -remote or -remoteAPI)", neither);
    }
}

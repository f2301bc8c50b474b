package dev.gt.runner.options;

import dev.gt.api.PortRange;
import dev.gt.core.GtServer;
import dev.gt.core.User;
import io.netty.util.NetUtil;
import java.net.InetAddress;
import java.net.NetworkInterface;
import java.net.SocketException;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;
import org.snakeyaml.engine.v2.nodes.MappingNode;
import org.snakeyaml.engine.v2.nodes.Node;
import org.snakeyaml.engine.v2.nodes.ScalarNode;
import org.snakeyaml.engine.v2.nodes.SequenceNode;

/**
 * The options of {@code gt server}: GT's server flags and {@code server.yaml}, turned into a
 * {@link GtServer.Builder}.
 *
 * <pre>{@code
 * ServerOptions o = ServerOptions.parse(new String[] {"-addr", "8080", "-id", "id1", "-secret", "s1"}, Path.of(""));
 * GtServer server = o.builder().build();
 * }</pre>
 *
 * Users come from three sources, as in GT: the config file's {@code users:} section, then the
 * users file ({@code -users} / {@code options.users}), then {@code -id}/{@code -secret}. A later
 * source replaces the whole entry of an id (a command-line user has only a secret, so it follows
 * every global rule). Global TCP port ranges are the union of the file's {@code tcp:} section and
 * {@code -tcpRange}; global host patterns the union of {@code host.regex} and {@code -hostRegex};
 * {@code -hostNumber} and {@code -hostWithID} win over {@code host.number} and {@code host.withID}.
 */
public final class ServerOptions extends CommandOptions<GtServer.Builder, GtServer> {
    private static final List<String> TOP_LEVEL = List.of("options", "users", "tcp", "host", "type", "version");
    private static final List<String> USER_FIELDS = List.of("secret", "tcp", "tcpNumber", "speed", "connections",
            "host");
    private static final List<String> HOST_FIELDS = List.of("number", "regex", "withID");
    private static final String USERS_EXPECTED = "a mapping of user ids to {secret: ...}";

    // The value types of the users' fields and of host:, parsed with the options' own rules and
    // messages. Per user, 0 speed/connections means "the global value" (GT), so 0 is allowed here
    // even where the global option (-connections) needs at least 1.
    private static final Option USER_TCP_NUMBER = Option.define("tcpNumber", OptionType.UINT).range(0, 65535)
            .help("TCP ports the user may hold; 0 means no limit.").build();
    private static final Option USER_SPEED = Option.define("speed", OptionType.UINT)
            .help("Bytes per second; 0 means the global -speed.").build();
    private static final Option USER_CONNECTIONS = Option.define("connections", OptionType.UINT)
            .range(0, Integer.MAX_VALUE).help("Tunnels; 0 means the global -connections.").build();
    private static final Option HOST_NUMBER = Option.define("number", OptionType.UINT).range(0, 65535)
            .help("Host prefixes; 0 means no limit.").build();
    private static final Option HOST_REGEX = Option.define("regex", OptionType.STRING_LIST)
            .help("Patterns a host prefix must match one of.").build();
    private static final Option HOST_WITH_ID = Option.define("withID", OptionType.BOOL)
            .help("Register prefixes as <id>-<prefix>.").build();

    /** A {@code host:} section (global or a user's); {@code null} fields were not given. */
    private static final class HostRules {
        Integer number;
        List<String> regex;
        Boolean withId;
    }

    private final List<String> userIds;

    private ServerOptions(boolean help, OptionValues values, GtServer.Builder builder, LogLevel logLevel,
            Path configFile, List<String> userIds) {
        super(help, values, builder, logLevel, configFile);
        this.userIds = List.copyOf(userIds);
    }

    /** The table of server options. */
    public static OptionTable table() {
        return OptionTable.SERVER;
    }

    /** The {@code -h} text of {@code gt server}. */
    public static String usage() {
        return OptionTable.SERVER.usage();
    }

    /**
     * Parses a command line (without the {@code server} word) and the {@code -config} file it names.
     * When the command line is empty and {@code server.yaml} exists in the working directory, that
     * file is loaded, as GT does.
     *
     * @param workingDir the directory relative {@code -config} paths are resolved against
     * @throws OptionsException for any unknown, unsupported or invalid option or file content
     */
    public static ServerOptions parse(String[] args, Path workingDir) {
        Objects.requireNonNull(args, "args");
        Objects.requireNonNull(workingDir, "workingDir");
        OptionTable table = OptionTable.SERVER;
        CommandLine cl = CommandLine.parse(table, args);
        OptionValues values = new OptionValues(table);
        if (cl.helpRequested()) {
            values.set(table.require("h"), Boolean.TRUE, OptionValues.Source.COMMAND_LINE, "command line");
            return new ServerOptions(true, values, null, LogLevel.INFO, null, List.of());
        }
        GtServer.Builder b = GtServer.builder();
        List<String> ids = new ArrayList<>();
        List<PortRange> fileRanges = new ArrayList<>();
        HostRules fileHost = new HostRules();
        ConfigFiles.Located located = ConfigFiles.locate(cl, args, workingDir, "server.yaml");
        if (located != null) {
            YamlConfig yaml = YamlConfig.load(located.path(), located.label());
            for (YamlConfig.Item item : yaml.top()) {
                if (ConfigFiles.common(yaml, item, table, values)) {
                    continue;
                }
                switch (item.key()) {
                    case "users":
                        if (!YamlConfig.isNull(item.value())) {
                            MappingNode users = yaml.mappingHidingText(item.value(), "users", USERS_EXPECTED);
                            for (YamlConfig.Item user : yaml.items(users, "users.")) {
                                addUser(yaml, user, "users." + user.key(), b, ids);
                            }
                        }
                        break;
                    case "tcp":
                        readTcp(yaml, item.value(), fileRanges, "tcp");
                        break;
                    case "host":
                        if (!YamlConfig.isNull(item.value())) {
                            fileHost = readHost(yaml, item.value(), "host");
                        }
                        break;
                    default:
                        throw ConfigFiles.unknownTopLevel(yaml, item, table, TOP_LEVEL);
                }
            }
        }
        values.applyCommandLine(cl);

        // The users file comes after the config file's users: and before -id/-secret, whichever of
        // the two named it (GT reads it once the options are merged).
        String usersFile = values.string("users");
        if (usersFile != null && !usersFile.isBlank()) {
            YamlConfig yaml = loadUsersFile(values, usersFile, located, workingDir);
            for (YamlConfig.Item user : yaml.top()) {
                addUser(yaml, user, user.key(), b, ids);
            }
        }

        List<String> cliIds = values.strings("id");
        List<String> cliSecrets = values.strings("secret");
        if (cliIds.size() != cliSecrets.size()) {
            throw new OptionsException("-id is given " + times(cliIds.size()) + " and -secret " + times(cliSecrets.size())
                    + " (expected one -secret per -id: the i-th -id pairs with the i-th -secret)");
        }
        for (int i = 0; i < cliIds.size(); i++) {
            String id = cliIds.get(i);
            String secret = cliSecrets.get(i);
            use(values, "id", () -> b.user(id, secret));
            ids.remove(id);
            ids.add(id);
        }
        use(values, "addr", () -> b.addr(values.string("addr")));
        use(values, "tlsAddr", () -> b.tlsAddr(values.string("tlsAddr")));
        use(values, "sniAddr", () -> b.sniAddr(values.string("sniAddr")));
        use(values, "tlsVersion", () -> b.tlsVersion(dev.gt.core.TlsVersion.parse(values.string("tlsVersion"))));
        if (values.string("certFile") != null && !values.string("certFile").isEmpty()) {
            use(values, "certFile", () -> b.certFile(java.nio.file.Path.of(values.string("certFile"))));
        }
        if (values.string("keyFile") != null && !values.string("keyFile").isEmpty()) {
            use(values, "keyFile", () -> b.keyFile(java.nio.file.Path.of(values.string("keyFile"))));
        }
        use(values, "allowAnyClient", () -> b.allowAnyClient(values.bool("allowAnyClient")));
        use(values, "authAPI", () -> b.authApi(values.string("authAPI")));
        use(values, "speed", () -> b.speed(values.number("speed")));
        // Explicit zeros stay zero: GT's MergeConfig turns -reconnectTimes 0 back into 3 and
        // -reconnectDuration 0 into 5m, so banning can be neither immediate nor turned off there.
        use(values, "reconnectTimes", () -> b.reconnectTimes((int) values.number("reconnectTimes")));
        use(values, "reconnectDuration", () -> b.reconnectDuration(values.duration("reconnectDuration")));
        // Global host rules. GT documents "command line > config file", but its parseHost keeps the
        // YAML host.number/host.withID whenever they are set (GT's weak point 14); here the command
        // line wins, as documented. Patterns are the union of both, without repeats.
        if (values.source("hostNumber") == OptionValues.Source.COMMAND_LINE || fileHost.number == null) {
            use(values, "hostNumber", () -> b.hostNumber((int) values.number("hostNumber")));
        } else {
            b.hostNumber(fileHost.number);
        }
        if (values.source("hostWithID") == OptionValues.Source.COMMAND_LINE || fileHost.withId == null) {
            use(values, "hostWithID", () -> b.hostWithId(values.bool("hostWithID")));
        } else {
            b.hostWithId(fileHost.withId);
        }
        Set<String> patterns = new LinkedHashSet<>();
        if (fileHost.regex != null) {
            for (String r : fileHost.regex) {
                if (patterns.add(r)) {
                    b.hostRegex(r); // checked with its line by readHost
                }
            }
        }
        for (String r : values.strings("hostRegex")) {
            if (patterns.add(r)) {
                use(values, "hostRegex", () -> b.hostRegex(r));
            }
        }
        for (PortRange r : fileRanges) {
            b.tcpRange(r);
        }
        for (PortRange r : values.portRanges("tcpRange")) {
            b.tcpRange(r);
        }
        use(values, "tcpNumber", () -> b.tcpNumber((int) values.number("tcpNumber")));
        String bindHost = values.string("tcpBindHost");
        if (bindHost != null && !bindHost.isBlank()) {
            use(values, "tcpBindHost", () -> b.tcpBindHost(tcpBindHost(bindHost)));
        }
        use(values, "httpMUXHeader", () -> b.httpMuxHeader(values.string("httpMUXHeader")));
        use(values, "timeout", () -> b.timeout(values.duration("timeout")));
        use(values, "connections", () -> b.connections((int) values.number("connections")));
        use(values, "maxHandShakeOptions", () -> b.maxHandshakeOptions((int) values.number("maxHandShakeOptions")));
        if (values.number("workerThreads") > 0) {
            use(values, "workerThreads", () -> b.workerThreads((int) values.number("workerThreads")));
        }
        LogLevel level = LogLevel.of(values.string("logLevel"));
        return new ServerOptions(false, values, b, level, located == null ? null : located.path(), ids);
    }

    /**
     * Opens the users file: a path from the config file is relative to that file's directory, one
     * from the command line to the working directory.
     */
    private static YamlConfig loadUsersFile(OptionValues values, String usersFile, ConfigFiles.Located located,
            Path workingDir) {
        boolean fromFile = values.source("users") == OptionValues.Source.CONFIG_FILE;
        String origin = fromFile ? values.location("users") + ": options.users '" + usersFile + "'"
                : "-users '" + usersFile + "'";
        Path written;
        try {
            written = Path.of(usersFile);
        } catch (InvalidPathException e) {
            throw new OptionsException(origin + ": not a valid path (" + e.getReason() + ")", e);
        }
        Path base = workingDir;
        String label = usersFile;
        if (fromFile && located != null) {
            base = located.path().toAbsolutePath().getParent();
            // Messages name the file as seen from the working directory, like the -config label.
            Path configDir = Path.of(located.label()).getParent();
            if (configDir != null && !written.isAbsolute()) {
                label = configDir.resolve(written).normalize().toString();
            }
        }
        return YamlConfig.load(base.resolve(written).normalize(), label, origin, USERS_EXPECTED);
    }

    /**
     * Reads one user ({@code id: {secret: ..., tcp: ..., ...}}) and puts it into the builder,
     * replacing an entry with the same id from an earlier source.
     *
     * @param path the user's path in messages: {@code users.id1} in the config file, {@code id1} in a
     *     users file
     */
    private static void addUser(YamlConfig yaml, YamlConfig.Item user, String path, GtServer.Builder b,
            List<String> ids) {
        if (!(user.value() instanceof MappingNode)) {
            // Never echo the value: "id1: secret1" is a likely shorthand and would print the secret.
            throw yaml.error(user.value(), path + ": expected a mapping with the user's secret "
                    + "(" + user.key() + ": {secret: ...})");
        }
        String secret = null;
        Node secretNode = null;
        List<PortRange> tcp = new ArrayList<>();
        Object tcpNumber = null;
        Object speed = null;
        Object connections = null;
        HostRules host = null;
        for (YamlConfig.Item field : yaml.items((MappingNode) user.value(), path + ".")) {
            String at = path + "." + field.key();
            switch (field.key()) {
                case "secret":
                    if (!(field.value() instanceof ScalarNode) || YamlConfig.isNull(field.value())) {
                        throw yaml.error(field.value(), at + ": expected the secret as text");
                    }
                    secret = ((ScalarNode) field.value()).getValue();
                    secretNode = field.value();
                    break;
                case "tcp":
                    readTcp(yaml, field.value(), tcp, at);
                    break;
                case "tcpNumber":
                    tcpNumber = yaml.value(USER_TCP_NUMBER, field.value(), at);
                    break;
                case "speed":
                    speed = yaml.value(USER_SPEED, field.value(), at);
                    break;
                case "connections":
                    connections = yaml.value(USER_CONNECTIONS, field.value(), at);
                    break;
                case "host":
                    if (!YamlConfig.isNull(field.value())) {
                        host = readHost(yaml, field.value(), at);
                    }
                    break;
                default:
                    String s = OptionTable.closest(field.key(), USER_FIELDS);
                    throw yaml.error(field.keyNode(), at + ": unknown user field"
                            + (s == null ? " (expected " + String.join(", ", USER_FIELDS) + ")"
                                    : "; did you mean " + s + "?"));
            }
        }
        if (secret == null) {
            throw yaml.error(user.keyNode(), path + ": missing secret (expected " + user.key() + ": {secret: ...})");
        }
        int n = secret.getBytes(StandardCharsets.UTF_8).length;
        if (n < 1 || n > 200) {
            throw yaml.error(secretNode, path + ".secret has " + n + " bytes (expected 1 to 200)");
        }
        try {
            User.Builder ub = User.builder(secret);
            tcp.forEach(ub::tcpRange);
            if (tcpNumber != null) {
                ub.tcpNumber((int) (long) (Long) tcpNumber);
            }
            if (speed != null) {
                ub.speed((Long) speed);
            }
            if (connections != null) {
                ub.connections((int) (long) (Long) connections);
            }
            if (host != null) {
                if (host.number != null) {
                    ub.hostNumber(host.number);
                }
                if (host.regex != null) {
                    // An explicit empty list lifts the global patterns for this user (GT: regex: []).
                    ub.noHostRegex();
                    host.regex.forEach(ub::hostRegex);
                }
                if (host.withId != null) {
                    ub.hostWithId(host.withId);
                }
            }
            b.user(user.key(), ub.build());
        } catch (IllegalArgumentException e) {
            // The values were checked above; what is left is the id (and no message contains the secret).
            throw yaml.error(user.keyNode(), path + ": " + e.getMessage());
        }
        ids.remove(user.key());
        ids.add(user.key());
    }

    /** Reads a {@code host:} section: {@code number}, {@code regex} (one or a list) and {@code withID}. */
    private static HostRules readHost(YamlConfig yaml, Node node, String path) {
        MappingNode m = yaml.mapping(node, path, "{number: N, regex: [...], withID: true|false}");
        HostRules rules = new HostRules();
        for (YamlConfig.Item field : yaml.items(m, path + ".")) {
            String at = path + "." + field.key();
            switch (field.key()) {
                case "number":
                    Object n = yaml.value(HOST_NUMBER, field.value(), at);
                    if (n != null) {
                        rules.number = (int) (long) (Long) n;
                    }
                    break;
                case "regex":
                    Object v = yaml.value(HOST_REGEX, field.value(), at);
                    if (v != null) {
                        List<String> list = new ArrayList<>();
                        for (Object o : (List<?>) v) {
                            String r = (String) o;
                            try {
                                Pattern.compile(r);
                            } catch (PatternSyntaxException e) {
                                throw yaml.error(field.value(), at + " '" + r + "' is not a valid regular expression: "
                                        + e.getDescription() + " (expected a Java regular expression)");
                            }
                            list.add(r);
                        }
                        rules.regex = list;
                    }
                    break;
                case "withID":
                    Object w = yaml.value(HOST_WITH_ID, field.value(), at);
                    if (w != null) {
                        rules.withId = (Boolean) w;
                    }
                    break;
                default:
                    String s = OptionTable.closest(field.key(), HOST_FIELDS);
                    throw yaml.error(field.keyNode(), at + ": unknown host field"
                            + (s == null ? " (expected " + String.join(", ", HOST_FIELDS) + ")"
                                    : "; did you mean " + s + "?"));
            }
        }
        return rules;
    }

    /** Reads a {@code tcp:} list ({@code - range: a-b}), the global one or a user's. */
    private static void readTcp(YamlConfig yaml, Node node, List<PortRange> out, String listPath) {
        if (YamlConfig.isNull(node)) {
            return;
        }
        Option rangeType = OptionTable.SERVER.require("tcpRange");
        SequenceNode list = yaml.sequence(node, listPath, "a list of {range: a-b}");
        int i = 0;
        for (Node entry : list.getValue()) {
            String path = listPath + "[" + i++ + "]";
            MappingNode m = yaml.mapping(entry, path, "{range: a-b}");
            boolean found = false;
            for (YamlConfig.Item field : yaml.items(m, path + ".")) {
                if (!field.key().equals("range")) {
                    throw yaml.error(field.keyNode(), path + "." + field.key() + ": unknown key (expected range)");
                }
                Object v = yaml.value(rangeType, field.value(), path + ".range");
                if (v != null) {
                    for (Object r : (List<?>) v) {
                        out.add((PortRange) r);
                    }
                    found = true;
                }
            }
            if (!found) {
                throw yaml.error(entry, path + ": missing range (expected {range: a-b})");
            }
        }
    }

    /**
     * Checks {@code -tcpBindHost} and returns the IP address to bind: an IP literal ({@code [::1]}
     * too) or a host name, which must be an address of this machine. Checked now, because the ports
     * are bound only when a client asks for one, and a failure then would reach only that client.
     */
    static String tcpBindHost(String text) {
        String host = text.trim();
        if (host.startsWith("[") && host.endsWith("]")) {
            host = host.substring(1, host.length() - 1);
        }
        boolean literal = NetUtil.isValidIpV4Address(host) || NetUtil.isValidIpV6Address(host);
        if (!literal && !isHostName(host)) {
            throw new IllegalArgumentException("-tcpBindHost '" + text + "' is not an IP address or host name "
                    + "(expected an address of this machine such as 127.0.0.1, ::1 or 0.0.0.0, or a host name such as "
                    + "localhost)");
        }
        InetAddress address;
        try {
            // A literal is converted without a lookup.
            address = InetAddress.getByName(host);
        } catch (UnknownHostException e) {
            throw new IllegalArgumentException("-tcpBindHost '" + text + "': the host name does not resolve "
                    + "(expected an address of this machine, e.g. 127.0.0.1)", e);
        }
        if (!isLocal(address)) {
            throw new IllegalArgumentException("-tcpBindHost '" + text + "'" + (literal ? "" : " ("
                    + address.getHostAddress() + ")") + " is not an address of this machine (expected one of its "
                    + "interfaces' addresses, 127.0.0.1 or 0.0.0.0)");
        }
        return address.getHostAddress();
    }

    private static boolean isLocal(InetAddress a) {
        if (a.isAnyLocalAddress() || a.isLoopbackAddress()) {
            return true;
        }
        try {
            return NetworkInterface.getByInetAddress(a) != null;
        } catch (SocketException e) {
            return false;
        }
    }

    /** A DNS host name: dot-separated labels of letters, digits and inner hyphens, 63 bytes each, 253 in all. */
    private static boolean isHostName(String s) {
        if (s.isEmpty() || s.length() > 253) {
            return false;
        }
        for (String label : s.split("\\.", -1)) {
            if (label.isEmpty() || label.length() > 63 || label.startsWith("-") || label.endsWith("-")) {
                return false;
            }
            for (int i = 0; i < label.length(); i++) {
                char c = label.charAt(i);
                if (!(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-')) {
                    return false;
                }
            }
        }
        // All digits and dots is a malformed IPv4 address, not a name.
        return !s.chars().allMatch(c -> c == '.' || c >= '0' && c <= '9');
    }

    private static String times(int n) {
        return n == 1 ? "once" : n + " times";
    }

    /** Runs a builder setter, turning its IllegalArgumentException into an OptionsException with the value's origin. */
    static void use(OptionValues values, String name, Runnable setter) {
        try {
            setter.run();
        } catch (IllegalArgumentException e) {
            throw values.problem(name, e);
        }
    }

    @Override
    GtServer create(GtServer.Builder builder) {
        return builder.build();
    }

    /** The ids of the configured users (config file, users file, command line), for logging. */
    public List<String> userIds() {
        return userIds;
    }

    @Override
    public String toString() {
        return "ServerOptions" + values() + (userIds.isEmpty() ? "" : " users=" + userIds);
    }
}

package dev.gt.runner.options;

import dev.gt.api.PortRange;
import dev.gt.core.GtServer;
import dev.gt.core.User;
import io.netty.util.NetUtil;
import java.net.InetAddress;
import java.net.NetworkInterface;
import java.net.SocketException;
import java.net.UnknownHostException;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.function.Consumer;
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
    private static final String USERS_EXPECTED = "a mapping of user ids to {secret: ...}";

    // A users: entry, field by field, each with the User.Builder setter it feeds; parsed with the
    // options' own rules and messages. Per user, 0 speed/connections means "the global value" (GT),
    // so 0 is allowed here even where the global option (-connections) needs at least 1. The
    // secret is not among them (User.builder takes it), nor tcp: and host:, which have structure.
    private static final List<Option<User.Builder, ?>> USER_FIELDS = List.of(
            Option.define("tcpNumber", OptionType.UINT).range(0, 65535)
                    .help("TCP ports the user may hold; 0 means no limit.")
                    .to("maxTcpPorts", User.Builder::maxTcpPorts),
            Option.define("speed", OptionType.ULONG)
                    .help("Bytes per second; 0 means the global -speed.")
                    .to("speedLimit", User.Builder::speedLimit),
            Option.define("connections", OptionType.UINT).range(0, Integer.MAX_VALUE)
                    .help("Tunnels; 0 means the global -connections.")
                    .to("maxTunnels", User.Builder::maxTunnels));
    /** A user's {@code host:} section. The global one feeds -hostNumber, -hostRegex and -hostWithID. */
    private static final List<Option<User.Builder, ?>> HOST_FIELDS = List.of(
            Option.define("number", OptionType.UINT).range(0, 65535)
                    .help("Host prefixes; 0 means no limit.")
                    .to("maxHostPrefixes", User.Builder::maxHostPrefixes),
            Option.define("regex", OptionType.STRING_LIST)
                    .help("Patterns a host prefix must match one of.")
                    .to("hostPrefixPattern", (User.Builder u, List<String> patterns) -> {
                        // An explicit empty list lifts the global patterns for this user (GT: regex: []).
                        u.noHostPrefixPatterns();
                        patterns.forEach(u::hostPrefixPattern);
                    }),
            Option.define("withID", OptionType.BOOL)
                    .help("Register prefixes as <id>-<prefix>.")
                    .to("prependIdToHostPrefixes", User.Builder::prependIdToHostPrefixes));
    /** The {@code range} of a {@code tcp:} entry. */
    private static final Option<Object, List<PortRange>> TCP_RANGE = Option.define("range", OptionType.PORT_RANGE_LIST)
            .help("Ports a-b, a port p, or 0 for all ports.").build();
    private static final List<String> USER_KEYS = List.of("secret", "tcp", "tcpNumber", "speed", "connections",
            "host");
    private static final List<String> HOST_KEYS = List.of("number", "regex", "withID");

    private final List<String> userIds;

    private ServerOptions(boolean help, OptionValues values, GtServer.Builder builder, LogLevel logLevel,
            Path configFile, List<String> userIds) {
        super(help, values, builder, logLevel, configFile);
        this.userIds = List.copyOf(userIds);
    }

    /** The table of server options. */
    public static OptionTable<GtServer.Builder> table() {
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
        OptionTable<GtServer.Builder> table = OptionTable.SERVER;
        CommandLine cl = CommandLine.parse(table, args);
        OptionValues values = new OptionValues(table);
        if (cl.helpRequested()) {
            values.set(table.require("h"), Boolean.TRUE, OptionValues.Source.COMMAND_LINE, "command line");
            return new ServerOptions(true, values, null, LogLevel.INFO, null, List.of());
        }
        GtServer.Builder b = GtServer.builder();
        List<String> ids = new ArrayList<>();
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
                        // Added to -tcpRange: the command line adds to these ranges.
                        List<PortRange> ranges = readTcp(yaml, item.value(), "tcp");
                        values.addFromFile(table.require("tcpRange"), ranges, yaml.at(item.value()));
                        break;
                    case "host":
                        if (!YamlConfig.isNull(item.value())) {
                            readGlobalHost(yaml, item.value(), values);
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
            try {
                b.user(id, secret);
            } catch (IllegalArgumentException e) {
                throw values.problem(table.require("id"), e);
            }
            ids.remove(id);
            ids.add(id);
        }
        // Everything else goes to its setter. Explicit zeros stay zero: GT's MergeConfig turns
        // -reconnectTimes 0 back into 3 and -reconnectDuration 0 into 5m, so banning can be neither
        // immediate nor turned off there. GT documents "command line > config file" for the host
        // rules but keeps the YAML host.number/host.withID whenever they are set (GT's weak point
        // 14); here the command line wins, as documented, because the host: section went into the
        // same values the command line overrides.
        values.applyTo(table.commandOptions(), b);
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
        // The fields in file order, applied once User.builder has the secret, wherever it stood.
        List<Consumer<User.Builder>> fields = new ArrayList<>();
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
                    List<PortRange> ranges = readTcp(yaml, field.value(), at);
                    fields.add(u -> ranges.forEach(u::tcpPortRange));
                    break;
                case "host":
                    if (!YamlConfig.isNull(field.value())) {
                        MappingNode host = yaml.mapping(field.value(), at, HOST_EXPECTED);
                        for (YamlConfig.Item h : yaml.items(host, at + ".")) {
                            fields.add(field(yaml, h, at + "." + h.key(), HOST_FIELDS, HOST_KEYS, "host"));
                        }
                    }
                    break;
                default:
                    fields.add(field(yaml, field, at, USER_FIELDS, USER_KEYS, "user"));
            }
        }
        if (secret == null) {
            throw yaml.error(user.keyNode(), path + ": missing secret (expected " + user.key() + ": {secret: ...})");
        }
        User.Builder ub;
        try {
            ub = User.builder(secret);
        } catch (IllegalArgumentException e) {
            // "secret has 0 bytes (expected 1 to 200)": never the secret itself.
            throw yaml.error(secretNode, path + "." + e.getMessage());
        }
        try {
            fields.forEach(f -> f.accept(ub));
            b.user(user.key(), ub.build());
        } catch (IllegalArgumentException e) {
            // The values were checked above; what is left is the id.
            throw yaml.error(user.keyNode(), path + ": " + OptionTable.SERVER.translate(e.getMessage(), true));
        }
        ids.remove(user.key());
        ids.add(user.key());
    }

    private static final String HOST_EXPECTED = "{number: N, regex: [...], withID: true|false}";

    /**
     * Parses one field of a user ({@code tcpNumber: 4}) or of its {@code host:} section with the
     * field's option, and returns what puts it into the user's builder.
     *
     * @param kind "user" or "host", for the message about an unknown field
     */
    private static Consumer<User.Builder> field(YamlConfig yaml, YamlConfig.Item field, String at,
            List<Option<User.Builder, ?>> table, List<String> keys, String kind) {
        for (Option<User.Builder, ?> o : table) {
            if (o.name().equals(field.key())) {
                Object v = yaml.value(o, field.value(), at);
                if (v == null) {
                    return u -> { };
                }
                if (o.name().equals("regex")) {
                    checkPatterns(yaml, field.value(), at, o.type().isList() ? (List<?>) v : List.of(v));
                }
                return u -> o.applyTo(u, v);
            }
        }
        String s = OptionTable.closest(field.key(), keys);
        throw yaml.error(field.keyNode(), at + ": unknown " + kind + " field"
                + (s == null ? " (expected " + String.join(", ", keys) + ")" : "; did you mean " + s + "?"));
    }

    /**
     * Reads the global {@code host:} section into the values of -hostNumber, -hostRegex and
     * -hostWithID, parsed by those options, so the command line overrides (or adds to) them.
     */
    private static void readGlobalHost(YamlConfig yaml, Node node, OptionValues values) {
        MappingNode m = yaml.mapping(node, "host", HOST_EXPECTED);
        OptionTable<?> table = values.table();
        for (YamlConfig.Item field : yaml.items(m, "host.")) {
            String at = "host." + field.key();
            Option<?, ?> o;
            switch (field.key()) {
                case "number":
                    o = table.require("hostNumber");
                    break;
                case "regex":
                    o = table.require("hostRegex");
                    break;
                case "withID":
                    o = table.require("hostWithID");
                    break;
                default:
                    String s = OptionTable.closest(field.key(), HOST_KEYS);
                    throw yaml.error(field.keyNode(), at + ": unknown host field"
                            + (s == null ? " (expected " + String.join(", ", HOST_KEYS) + ")"
                                    : "; did you mean " + s + "?"));
            }
            Object v = yaml.value(o, field.value(), at);
            if (v == null) {
                continue;
            }
            if (o.type().isList()) {
                checkPatterns(yaml, field.value(), at, (List<?>) v);
                values.addFromFile(o, (List<?>) v, yaml.at(field.value()));
            } else {
                values.set(o, v, OptionValues.Source.CONFIG_FILE, yaml.at(field.value()));
            }
        }
    }

    /** Compiles host patterns from the file now, so that a bad one is reported with its line. */
    private static void checkPatterns(YamlConfig yaml, Node node, String at, List<?> patterns) {
        for (Object p : patterns) {
            String r = (String) p;
            try {
                Pattern.compile(r);
            } catch (PatternSyntaxException e) {
                throw yaml.error(node, at + " '" + r + "' is not a valid regular expression: "
                        + e.getDescription() + " (expected a Java regular expression)");
            }
        }
    }

    /** Reads a {@code tcp:} list ({@code - range: a-b}), the global one or a user's. */
    private static List<PortRange> readTcp(YamlConfig yaml, Node node, String listPath) {
        List<PortRange> out = new ArrayList<>();
        if (YamlConfig.isNull(node)) {
            return out;
        }
        Option<?, List<PortRange>> rangeType = TCP_RANGE;
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
                    out.addAll(rangeType.type().cast(v));
                    found = true;
                }
            }
            if (!found) {
                throw yaml.error(entry, path + ": missing range (expected {range: a-b})");
            }
        }
        return out;
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

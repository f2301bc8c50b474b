package dev.gt.core.options;

import dev.gt.api.PortRange;
import dev.gt.core.GtServer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Set;
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
 * Users come from the file's {@code users:} section and then from {@code -id}/{@code -secret} (a
 * command-line user replaces a file user with the same id); TCP port ranges are the union of the
 * file's {@code tcp:} section and {@code -tcpRange}.
 */
public final class ServerOptions extends CommandOptions<GtServer.Builder, GtServer> {
    private static final List<String> TOP_LEVEL = List.of("options", "users", "tcp", "type", "version");
    private static final Set<String> GT_USER_FIELDS = Set.of("tcp", "tcpNumber", "speed", "connections", "host");

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
        ConfigFiles.Located located = ConfigFiles.locate(cl, args, workingDir, "server.yaml");
        if (located != null) {
            YamlConfig yaml = YamlConfig.load(located.path(), located.label());
            for (YamlConfig.Item item : yaml.top()) {
                if (ConfigFiles.common(yaml, item, table, values)) {
                    continue;
                }
                switch (item.key()) {
                    case "users":
                        readUsers(yaml, item.value(), b, ids);
                        break;
                    case "tcp":
                        readTcp(yaml, item.value(), fileRanges);
                        break;
                    case "host":
                        throw yaml.error(item.keyNode(), "host: (host number, regex and withID rules, GT's "
                                + "-hostNumber, -hostRegex and -hostWithID) is not supported by this version of "
                                + "GT for Java");
                    default:
                        throw ConfigFiles.unknownTopLevel(yaml, item, table, TOP_LEVEL);
                }
            }
        }
        values.applyCommandLine(cl);

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
        for (PortRange r : fileRanges) {
            b.tcpRange(r);
        }
        for (PortRange r : values.portRanges("tcpRange")) {
            b.tcpRange(r);
        }
        use(values, "tcpNumber", () -> b.tcpNumber((int) values.number("tcpNumber")));
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

    private static void readUsers(YamlConfig yaml, Node node, GtServer.Builder b, List<String> ids) {
        if (YamlConfig.isNull(node)) {
            return;
        }
        MappingNode users = yaml.mapping(node, "users", "a mapping of user ids to {secret: ...}");
        for (YamlConfig.Item user : yaml.items(users, "users.")) {
            String path = "users." + user.key();
            if (!(user.value() instanceof MappingNode)) {
                // Never echo the value: "id1: secret1" is a likely shorthand and would print the secret.
                throw yaml.error(user.value(), path + ": expected a mapping with the user's secret "
                        + "(" + user.key() + ": {secret: ...})");
            }
            String secret = null;
            for (YamlConfig.Item field : yaml.items((MappingNode) user.value(), path + ".")) {
                if (field.key().equals("secret")) {
                    if (!(field.value() instanceof ScalarNode) || YamlConfig.isNull(field.value())) {
                        throw yaml.error(field.value(), path + ".secret: expected the secret as text");
                    }
                    secret = ((ScalarNode) field.value()).getValue();
                } else if (GT_USER_FIELDS.contains(field.key())) {
                    throw yaml.error(field.keyNode(), path + "." + field.key() + ": per-user option '" + field.key()
                            + "' is not supported by this version of GT for Java");
                } else {
                    String s = OptionTable.closest(field.key(), List.of("secret", "tcp", "tcpNumber", "speed",
                            "connections", "host"));
                    throw yaml.error(field.keyNode(), path + "." + field.key() + ": unknown user field"
                            + (s == null ? " (expected secret)" : "; did you mean " + s + "?"));
                }
            }
            if (secret == null) {
                throw yaml.error(user.keyNode(), path + ": missing secret (expected " + user.key()
                        + ": {secret: ...})");
            }
            int n = secret.getBytes(StandardCharsets.UTF_8).length;
            if (n < 1 || n > 200) {
                throw yaml.error(user.value(), path + ".secret has " + n + " bytes (expected 1 to 200)");
            }
            try {
                b.user(user.key(), secret);
            } catch (IllegalArgumentException e) {
                throw yaml.error(user.keyNode(), path + ": " + e.getMessage());
            }
            ids.add(user.key());
        }
    }

    private static void readTcp(YamlConfig yaml, Node node, List<PortRange> out) {
        if (YamlConfig.isNull(node)) {
            return;
        }
        Option rangeType = OptionTable.SERVER.require("tcpRange");
        SequenceNode list = yaml.sequence(node, "tcp", "a list of {range: a-b}");
        int i = 0;
        for (Node entry : list.getValue()) {
            String path = "tcp[" + i++ + "]";
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

    /** The ids of the configured users (file first, then command line), for logging. */
    public List<String> userIds() {
        return userIds;
    }

    @Override
    public String toString() {
        return "ServerOptions" + values() + (userIds.isEmpty() ? "" : " users=" + userIds);
    }
}

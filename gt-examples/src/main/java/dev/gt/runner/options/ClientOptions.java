package dev.gt.runner.options;

import dev.gt.api.ServiceSpec;
import dev.gt.core.GtClient;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.snakeyaml.engine.v2.nodes.MappingNode;
import org.snakeyaml.engine.v2.nodes.Node;

/**
 * The options of {@code gt client}: GT's client flags and {@code client.yaml}, turned into a
 * {@link GtClient.Builder}.
 *
 * <p>Services: each {@code -local} starts one; the per-service flags ({@code -hostPrefix},
 * {@code -remoteTCPPort}, {@code -remoteTCPRandom}, {@code -useLocalAsHTTPHost},
 * {@code -localTimeout}) belong to the nearest {@code -local} before them. With a single
 * {@code -local} they apply to it wherever they stand; with several, a per-service flag before the
 * first {@code -local} is an error (GT silently ignores it), and so is a flag given twice for one
 * service. Command-line services come first, then the file's {@code services:}, in order: that
 * order is the services' numbering on the wire.
 *
 * <pre>{@code
 * ClientOptions o = ClientOptions.parse(new String[] {"-id", "id1", "-secret", "s1",
 *         "-remote", "tcp://id1.example.com:8080", "-local", "http://127.0.0.1:80"}, Path.of(""));
 * GtClient client = o.builder().build();
 * }</pre>
 */
public final class ClientOptions extends CommandOptions<GtClient.Builder, GtClient> {
    private static final List<String> TOP_LEVEL = List.of("options", "services", "type", "version");

    private final List<ServiceSpec> services;

    private ClientOptions(boolean help, OptionValues values, GtClient.Builder builder, LogLevel logLevel,
            Path configFile, List<ServiceSpec> services) {
        super(help, values, builder, logLevel, configFile);
        this.services = List.copyOf(services);
    }

    /** The table of client options. */
    public static OptionTable<GtClient.Builder> table() {
        return OptionTable.CLIENT;
    }

    /** The {@code -h} text of {@code gt client}. */
    public static String usage() {
        return OptionTable.CLIENT.usage();
    }

    /** A service being assembled from a {@code -local} or a {@code services:} entry. */
    private static final class Draft {
        final String local;
        final String urlWhere;
        final String where;
        final Map<Option<? super ServiceSpec.Builder, ?>, Object> flags = new LinkedHashMap<>();

        /**
         * @param urlWhere prefix of a problem with the URL itself (which the message already quotes)
         * @param where prefix of a problem with the service's other settings
         */
        Draft(String local, String urlWhere, String where) {
            this.local = local;
            this.urlWhere = urlWhere;
            this.where = where;
        }

        ServiceSpec build() {
            ServiceSpec.Builder sb;
            try {
                sb = ServiceSpec.local(local);
            } catch (IllegalArgumentException e) {
                throw new OptionsException(urlWhere + ": " + e.getMessage(), e);
            }
            try {
                flags.forEach((o, v) -> o.applyTo(sb, v));
                return sb.build();
            } catch (IllegalArgumentException e) {
                throw new OptionsException(where + ": " + OptionTable.CLIENT.translate(e.getMessage(), false), e);
            }
        }
    }

    /**
     * Parses a command line (without the {@code client} word) and the {@code -config} file it names.
     * When the command line is empty and {@code client.yaml} exists in the working directory, that
     * file is loaded, as GT does.
     *
     * @param workingDir the directory relative {@code -config} paths are resolved against
     * @throws OptionsException for any unknown, unsupported or invalid option or file content
     */
    public static ClientOptions parse(String[] args, Path workingDir) {
        Objects.requireNonNull(args, "args");
        Objects.requireNonNull(workingDir, "workingDir");
        OptionTable<GtClient.Builder> table = OptionTable.CLIENT;
        CommandLine cl = CommandLine.parse(table, args);
        OptionValues values = new OptionValues(table);
        if (cl.helpRequested()) {
            values.set(table.require("h"), Boolean.TRUE, OptionValues.Source.COMMAND_LINE, "command line");
            return new ClientOptions(true, values, null, LogLevel.INFO, null, List.of());
        }
        List<Draft> drafts = commandLineServices(cl);
        ConfigFiles.Located located = ConfigFiles.locate(cl, args, workingDir, "client.yaml");
        if (located != null) {
            YamlConfig yaml = YamlConfig.load(located.path(), located.label());
            for (YamlConfig.Item item : yaml.top()) {
                if (ConfigFiles.common(yaml, item, table, values)) {
                    continue;
                }
                if (item.key().equals("services")) {
                    drafts.addAll(fileServices(yaml, item.value()));
                } else {
                    throw ConfigFiles.unknownTopLevel(yaml, item, table, TOP_LEVEL);
                }
            }
        }
        values.applyCommandLine(cl);

        // GT's behaviour: the runner keeps trying for ever, whatever the server says.
        GtClient.Builder b = GtClient.builder().startTimeout(Duration.ZERO).keepRetryingAfterRefusal(true);
        // -remoteAPI stands in for -remote; the builder rejects both together, and neither, when it builds.
        values.applyTo(table.commandOptions(), b);
        List<ServiceSpec> services = new ArrayList<>();
        for (Draft d : drafts) {
            ServiceSpec spec = d.build();
            services.add(spec);
            b.service(spec);
        }
        long idle = values.number("remoteIdleConnections");
        long max = values.number("remoteConnections");
        if (idle > max) {
            String where = values.source("remoteIdleConnections") == OptionValues.Source.CONFIG_FILE
                    ? values.location("remoteIdleConnections") + ": " : "";
            throw new OptionsException(where + "-remoteIdleConnections " + idle + " is more than -remoteConnections "
                    + max + " (expected at most as many idle tunnels as tunnels)");
        }
        LogLevel level = LogLevel.of(values.string("logLevel"));
        return new ClientOptions(false, values, b, level, located == null ? null : located.path(), services);
    }

    private static List<Draft> commandLineServices(CommandLine cl) {
        List<Draft> drafts = new ArrayList<>();
        List<Integer> positions = new ArrayList<>();
        for (CommandLine.Occurrence o : cl.occurrences()) {
            if (o.option().name().equals("local")) {
                drafts.add(new Draft((String) o.value(), "-local", "-local " + o.value()));
                positions.add(o.position());
            }
        }
        for (CommandLine.Occurrence o : cl.occurrences()) {
            String name = o.option().name();
            if (!o.option().perService() || name.equals("local")) {
                continue;
            }
            Draft target = null;
            if (drafts.isEmpty()) {
                throw new OptionsException("-" + name + " is a per-service option but there is no -local to apply "
                        + "it to (write it after the -local it describes)");
            } else if (drafts.size() == 1) {
                target = drafts.get(0);
            } else {
                for (int i = 0; i < positions.size() && positions.get(i) < o.position(); i++) {
                    target = drafts.get(i);
                }
                if (target == null) {
                    throw new OptionsException("-" + name + " comes before the first -local; with several -local "
                            + "options each per-service option must follow the -local it describes");
                }
            }
            if (target.flags.containsKey(OptionTable.CLIENT.serviceOption(name))) {
                throw new OptionsException("-" + name + " is given twice for " + target.where
                        + " (expected each per-service option at most once per -local)");
            }
            target.flags.put(OptionTable.CLIENT.serviceOption(name), o.value());
        }
        return drafts;
    }

    private static List<Draft> fileServices(YamlConfig yaml, Node node) {
        List<Draft> drafts = new ArrayList<>();
        if (YamlConfig.isNull(node)) {
            return drafts;
        }
        OptionTable<GtClient.Builder> table = OptionTable.CLIENT;
        List<String> keys = new ArrayList<>();
        for (Option<?, ?> o : table.options()) {
            if (o.perService()) {
                keys.add(o.name());
            }
        }
        int i = 0;
        for (Node entry : yaml.sequence(node, "services", "a list of services (- local: http://127.0.0.1:80)")
                .getValue()) {
            String path = "services[" + i++ + "]";
            MappingNode m = yaml.mapping(entry, path, "a service ({local: http://127.0.0.1:80, ...})");
            String local = null;
            Map<Option<? super ServiceSpec.Builder, ?>, Object> flags = new LinkedHashMap<>();
            for (YamlConfig.Item field : yaml.items(m, path + ".")) {
                Option<? super ServiceSpec.Builder, ?> o = table.serviceOption(field.key());
                if (o == null || !o.name().equals(field.key())) {
                    String s = OptionTable.closest(field.key(), keys);
                    throw yaml.error(field.keyNode(), path + "." + field.key() + ": unknown service key"
                            + (s != null ? "; did you mean " + s + "?" : " (expected " + String.join(", ", keys) + ")"));
                }
                Object v = yaml.value(o, field.value(), path + "." + field.key());
                if (v == null) {
                    continue;
                }
                if (o.name().equals("local")) {
                    local = (String) v;
                } else {
                    flags.put(o, v);
                }
            }
            if (local == null) {
                throw yaml.error(entry, path + ": missing local (expected local: http://host[:port], "
                        + "https://host[:port] or tcp://host:port)");
            }
            String where = yaml.at(entry) + ": " + path;
            Draft d = new Draft(local, where, where);
            d.flags.putAll(flags);
            drafts.add(d);
        }
        return drafts;
    }

    /**
     * Builds the client. What a command line lacks is said here in the runner's words (the
     * library's messages name its setters, and "expected id" is no help to someone who writes -id).
     */
    @Override
    GtClient create(GtClient.Builder builder) {
        OptionValues v = values();
        if (!v.isSet("id")) {
            throw new OptionsException("no client id is configured (expected -id)");
        }
        boolean remote = !v.strings("remote").isEmpty();
        boolean api = v.string("remoteAPI") != null && !v.string("remoteAPI").isBlank();
        if (!remote && !api) {
            throw new OptionsException("no server is configured (expected -remote or -remoteAPI)");
        }
        if (remote && api) {
            throw new OptionsException("both -remote and -remoteAPI are set (expected one: -remoteAPI tells the "
                    + "server's address)");
        }
        if (services.isEmpty()) {
            throw new OptionsException("no service is configured (expected -local)");
        }
        return builder.build();
    }

    /** The services, command line first, then the file's, in wire order. */
    public List<ServiceSpec> services() {
        return services;
    }

    @Override
    public String toString() {
        return "ClientOptions" + values() + " services=" + services;
    }
}

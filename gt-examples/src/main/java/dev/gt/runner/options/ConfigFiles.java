package dev.gt.runner.options;

import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.List;
import org.snakeyaml.engine.v2.nodes.MappingNode;

/** What the server and client share when reading a {@code -config} file. */
final class ConfigFiles {
    private ConfigFiles() {
    }

    /** A resolved config file and the name used for it in messages. */
    record Located(Path path, String label) {
    }

    /**
     * The file to load: {@code -config} resolved against the working directory; or, when the
     * command line is empty and {@code ./<defaultName>} exists, that file (GT's zero-argument mode);
     * or {@code null}.
     */
    static Located locate(CommandLine cl, String[] args, Path workingDir, String defaultName) {
        String config = (String) cl.last("config");
        if (config != null) {
            if (config.isBlank()) {
                throw new OptionsException("-config '': missing file name (expected the path of a YAML file)");
            }
            try {
                return new Located(workingDir.resolve(config).normalize(), config);
            } catch (InvalidPathException e) {
                throw new OptionsException("-config '" + config + "': not a valid path (" + e.getReason() + ")", e);
            }
        }
        if (args.length == 0) {
            Path p = workingDir.resolve(defaultName);
            if (Files.isRegularFile(p)) {
                return new Located(p, defaultName);
            }
        }
        return null;
    }

    /**
     * Handles the keys every file may have ({@code type}, {@code version}, {@code options}) and
     * returns false for the others, which the caller handles.
     */
    static boolean common(YamlConfig yaml, YamlConfig.Item item, OptionTable<?> table, OptionValues values) {
        switch (item.key()) {
            case "version":
                return true;
            case "type":
                String type = yaml.scalar(item.value(), "type", "server or client");
                for (OptionTable<?> other : OptionTable.builtins()) {
                    if (other != table && other.command().equalsIgnoreCase(type.trim())) {
                        throw yaml.error(item.value(), "type: " + type + " — this is a configuration file for gt "
                                + other.command() + ", but it was given to gt " + table.command());
                    }
                }
                return true;
            case "options":
                if (!YamlConfig.isNull(item.value())) {
                    readOptions(yaml, yaml.mapping(item.value(), "options", "a mapping of option names to values"),
                            table, values);
                }
                return true;
            default:
                return false;
        }
    }

    private static void readOptions(YamlConfig yaml, MappingNode options,
            OptionTable<?> table, OptionValues values) {
        for (YamlConfig.Item item : yaml.items(options, "options.")) {
            String name = item.key();
            Option<?, ?> o = table.find(name);
            if (o == null || !o.name().equals(name)) {
                // Aliases (-help) are command-line spellings, never YAML keys.
                throw yaml.error(item.keyNode(), CommandLine.unknown(table, name, "options.", "").getMessage());
            }
            if (!o.supported()) {
                throw yaml.error(item.keyNode(), CommandLine.unsupported(o).getMessage());
            }
            if (o.perService()) {
                throw yaml.error(item.keyNode(), name.equals("local")
                        ? "options.local: a service is not an option; write it as a services: entry (services: "
                                + "[{local: http://127.0.0.1:80}])"
                        : "options." + name + " is a per-service option; write it in a services: entry (services: "
                                + "[{local: ..., " + name + ": ...}])");
            }
            if (!o.yaml()) {
                throw yaml.error(item.keyNode(), "options." + name + " is a command-line option"
                        + (o.yamlHint() == null ? " only" : "; in YAML write " + o.yamlHint()));
            }
            Object v = yaml.value(o, item.value(), "options." + name);
            if (v != null) {
                values.set(o, v, OptionValues.Source.CONFIG_FILE, yaml.at(item.value()));
            }
        }
    }

    /** The error for a top-level key the command does not know. */
    static OptionsException unknownTopLevel(YamlConfig yaml, YamlConfig.Item item, OptionTable<?> table,
            List<String> known) {
        String key = item.key();
        Option<?, ?> o = table.find(key);
        if (o != null && o.name().equals(key) && o.yaml()) {
            return yaml.error(item.keyNode(), "'" + key + "' must be under options: (options: {" + key + ": ...})");
        }
        String suggestion = OptionTable.closest(key, known);
        return yaml.error(item.keyNode(), "unknown top-level key '" + key + "' for gt " + table.command()
                + (suggestion != null ? "; did you mean " + suggestion + "?"
                        : " (expected " + String.join(", ", known) + ")"));
    }
}

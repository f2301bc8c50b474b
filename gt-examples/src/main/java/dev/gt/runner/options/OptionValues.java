package dev.gt.runner.options;

import dev.gt.api.PortRange;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The values of a table's options after merging defaults, the YAML file and the command line, each
 * with where it came from. Per-service options are not here: they are part of the services.
 */
public final class OptionValues {
    /** Where a value came from. */
    public enum Source {
        /** The table's default. */
        DEFAULT,
        /** The {@code -config} file: its {@code options:} section, or a section such as {@code host:}. */
        CONFIG_FILE,
        /** The command line. */
        COMMAND_LINE
    }

    private static final class Entry {
        final Object value;
        final Source source;
        final String location;

        Entry(Object value, Source source, String location) {
            this.value = value;
            this.source = source;
            this.location = location;
        }
    }

    private final OptionTable<?> table;
    private final Map<Option<?, ?>, Entry> entries = new LinkedHashMap<>();

    OptionValues(OptionTable<?> table) {
        this.table = table;
        for (Option<?, ?> o : table.options()) {
            if (o.supported() && !o.perService() && o.defaultValue() != null) {
                entries.put(o, new Entry(o.defaultValue(), Source.DEFAULT, "default"));
            }
        }
    }

    void set(Option<?, ?> o, Object value, Source source, String location) {
        entries.put(o, new Entry(value, source, location));
    }

    /**
     * Adds the elements of a file section to a list option that the command line adds to
     * ({@code tcp:} to {@code -tcpRange}, {@code host.regex} to {@code -hostRegex}).
     */
    void addFromFile(Option<?, ?> o, List<?> elements, String location) {
        Entry current = entries.get(o);
        List<Object> list = new ArrayList<>();
        if (current != null && current.source != Source.DEFAULT) {
            list.addAll((List<?>) current.value);
        }
        list.addAll(elements);
        set(o, Collections.unmodifiableList(list), Source.CONFIG_FILE, location);
    }

    /**
     * Applies the command line over what is there: a single-valued option's last occurrence wins;
     * a list option given on the command line replaces the file's list (as in GT), or adds to it
     * for an option that {@linkplain Option#addsToFile() adds to the file}, and accumulates.
     */
    void applyCommandLine(CommandLine cl) {
        for (CommandLine.Occurrence occurrence : cl.occurrences()) {
            Option<?, ?> o = occurrence.option();
            if (o.perService()) {
                continue;
            }
            if (o.type().isList()) {
                Entry current = entries.get(o);
                List<Object> list = new ArrayList<>();
                if (current != null && (current.source == Source.COMMAND_LINE
                        || current.source == Source.CONFIG_FILE && o.addsToFile())) {
                    list.addAll((List<?>) current.value);
                }
                list.add(occurrence.value());
                set(o, Collections.unmodifiableList(list), Source.COMMAND_LINE, "command line");
            } else {
                set(o, occurrence.value(), Source.COMMAND_LINE, "command line");
            }
        }
    }

    /** The table the values belong to. */
    public OptionTable<?> table() {
        return table;
    }

    /**
     * The value of an option, or {@code null} when it has no default and was not given (an empty
     * list for a list option).
     */
    public <T> T get(Option<?, T> o) {
        Entry e = entries.get(o);
        if (e == null) {
            return o.type().isList() ? o.type().cast(List.of()) : null;
        }
        return o.type().cast(e.value);
    }

    /**
     * The value of an option by name: {@link String}, {@link Boolean}, {@link Integer} or
     * {@link Long}, {@link Duration}, {@link Double}, or an unmodifiable {@link List} for list
     * types; {@code null} when the option has no default and was not given.
     *
     * @throws IllegalArgumentException if the table has no such option
     */
    public Object get(String name) {
        Entry e = entries.get(table.require(name));
        return e == null ? null : e.value;
    }

    /** A string option's value, or {@code null}. */
    public String string(String name) {
        return (String) get(name);
    }

    /** A switch's value; {@code false} when not given and without default. */
    public boolean bool(String name) {
        return Boolean.TRUE.equals(get(name));
    }

    /** A numeric option's value; 0 when not given and without default. */
    public long number(String name) {
        Object v = get(name);
        return v == null ? 0 : ((Number) v).longValue();
    }

    /** A duration option's value, or {@code null}. */
    public Duration duration(String name) {
        return (Duration) get(name);
    }

    /** A decimal option's value; 0 when not given and without default. */
    public double decimal(String name) {
        Object v = get(name);
        return v == null ? 0 : (Double) v;
    }

    /** A string list option's values (empty when not given). */
    public List<String> strings(String name) {
        return get(OptionType.STRING_LIST, name);
    }

    /** A port range list option's values (empty when not given). */
    public List<PortRange> portRanges(String name) {
        return get(OptionType.PORT_RANGE_LIST, name);
    }

    private <T> T get(OptionType<T> type, String name) {
        Option<?, ?> o = table.require(name);
        if (o.type() != type) {
            throw new IllegalArgumentException("-" + name + " is of type " + o.type() + ", not " + type);
        }
        Object v = get(name);
        return type.cast(v == null ? List.of() : v);
    }

    /** Whether the option was given in the file or on the command line (not just defaulted). */
    public boolean isSet(String name) {
        return source(name) != Source.DEFAULT;
    }

    /** Where the value came from ({@link Source#DEFAULT} also when there is no value at all). */
    public Source source(String name) {
        return source(table.require(name));
    }

    Source source(Option<?, ?> o) {
        Entry e = entries.get(o);
        return e == null ? Source.DEFAULT : e.source;
    }

    /** Where the value came from, for messages: {@code command line}, {@code server.yaml:3} or {@code default}. */
    public String location(String name) {
        Entry e = entries.get(table.require(name));
        return e == null ? "default" : e.location;
    }

    /** Whether {@code -h} or {@code -help} was given. */
    public boolean helpRequested() {
        Option<?, ?> h = table.find("h");
        return h != null && bool("h");
    }

    /**
     * Puts every option that was given (in the file or on the command line) and has a setter into
     * the builder. Defaults are not applied: the builder has them already, and the table took them
     * from the library (see {@link Option.Builder#defaultValue(Object)}).
     *
     * @throws OptionsException what a setter rejects, naming the option and, for a value from the
     *     file, its line
     */
    <B> void applyTo(List<? extends Option<? super B, ?>> options, B builder) {
        for (Option<? super B, ?> o : options) {
            Entry e = entries.get(o);
            if (o.hasSetter() && e != null && e.source != Source.DEFAULT) {
                try {
                    o.applyTo(builder, e.value);
                } catch (IllegalArgumentException ex) {
                    throw problem(o, ex);
                }
            }
        }
    }

    /**
     * Wraps a problem found while using an option's value (a builder rejecting it) in the runner's
     * words: the library's setting names become option names ({@link OptionTable#translate}), a
     * message about the value alone ({@code 'tls1.1' is not supported ...}) gets the option's name,
     * and a value from the YAML file gets the file and line.
     */
    OptionsException problem(Option<?, ?> o, IllegalArgumentException e) {
        if (e instanceof OptionsException) {
            return (OptionsException) e;
        }
        String message = table.translate(String.valueOf(e.getMessage()), true);
        if (message.startsWith("'")) {
            message = "-" + o.name() + " " + message;
        }
        Entry entry = entries.get(o);
        String prefix = entry != null && entry.source == Source.CONFIG_FILE ? entry.location + ": " : "";
        return new OptionsException(prefix + message, e);
    }

    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder("{");
        for (Map.Entry<Option<?, ?>, Entry> e : entries.entrySet()) {
            if (sb.length() > 1) {
                sb.append(", ");
            }
            Option<?, ?> o = e.getKey();
            sb.append(o.name()).append('=').append(o.sensitive() ? "***" : show(e.getValue().value));
            if (e.getValue().source != Source.DEFAULT) {
                sb.append(" (").append(e.getValue().location).append(')');
            }
        }
        return sb.append('}').toString();
    }

    private static String show(Object v) {
        return v instanceof Duration ? Durations.format((Duration) v) : String.valueOf(v);
    }
}

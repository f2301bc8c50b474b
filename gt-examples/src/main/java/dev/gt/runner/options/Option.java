package dev.gt.runner.options;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.function.BiConsumer;

/**
 * The definition of one option: its name (exactly as GT spells it), type, default, where it may be
 * written (command line only, or also under {@code options:} in YAML), whether it is a per-service
 * flag that belongs to the preceding {@code -local}, its help text, whether GT for Java supports it
 * yet, and the library setter it feeds. Immutable.
 *
 * <pre>{@code
 * Option<GtServer.Builder, Duration> timeout = Option.define("timeout", OptionType.DURATION).yaml()
 *         .defaultValue(libraryDefaults.idleTimeout())
 *         .help("Idle timeout of tunnels and visitor connections; 0 disables it.")
 *         .to("idleTimeout", GtServer.Builder::idleTimeout);
 * }</pre>
 *
 * @param <B> what the value is put into (a library builder); {@code Object} for an option without
 *     setter, which its command reads itself
 * @param <T> the Java type of a value, fixed by the {@link OptionType}
 */
public final class Option<B, T> {
    private final String name;
    private final List<String> aliases;
    private final OptionType<T> type;
    private final String defaultText;
    private final T defaultValue;
    private final boolean yaml;
    private final boolean perService;
    private final boolean supported;
    private final boolean sensitive;
    private final boolean addsToFile;
    private final long min;
    private final long max;
    private final List<String> choices;
    private final String help;
    private final String yamlHint;
    private final String instead;
    private final String setting;
    private final BiConsumer<? super B, ? super T> setter;

    private Option(Builder<T> b, String setting, BiConsumer<? super B, ? super T> setter) {
        this.name = b.name;
        this.aliases = List.copyOf(b.aliases);
        this.type = b.type;
        this.yaml = b.yaml;
        this.perService = b.perService;
        this.supported = b.supported;
        this.sensitive = b.sensitive;
        this.addsToFile = b.addsToFile;
        this.min = b.min;
        this.max = b.max;
        this.choices = List.copyOf(b.choices);
        this.help = Objects.requireNonNull(b.help, "help");
        this.yamlHint = b.yamlHint;
        this.instead = b.instead;
        this.setting = setting;
        this.setter = setter;
        if (type == OptionType.UINT && (min < 0 || max > Integer.MAX_VALUE)) {
            throw new IllegalStateException("-" + name + ": a uint option's range must lie within 0 to "
                    + Integer.MAX_VALUE);
        }
        if (b.defaultValue != null) {
            this.defaultValue = b.defaultValue;
            this.defaultText = type.format(b.defaultValue);
        } else if (b.defaultText != null) {
            this.defaultText = b.defaultText;
            try {
                Object v = type.parse(this, b.defaultText, false);
                this.defaultValue = type.cast(type.isList() ? List.of(v) : v);
            } catch (OptionType.BadValue e) {
                throw new IllegalStateException("default of -" + name + ": " + e.getMessage(), e);
            }
        } else {
            this.defaultText = null;
            this.defaultValue = null;
        }
    }

    /** Starts the definition of an option. */
    public static <T> Builder<T> define(String name, OptionType<T> type) {
        return new Builder<>(name, type);
    }

    /** The name, without dash, exactly as GT spells it ({@code httpMUXHeader}). */
    public String name() {
        return name;
    }

    /** Other accepted names ({@code help} for {@code h}). */
    public List<String> aliases() {
        return aliases;
    }

    /** The value type. */
    public OptionType<T> type() {
        return type;
    }

    /** The default as written in the help text, or {@code null} when there is none. */
    public String defaultText() {
        return defaultText;
    }

    /** The default (a list for list types), or {@code null} when there is none. */
    public T defaultValue() {
        return defaultValue;
    }

    /** Whether the option may also be written under {@code options:} in a YAML file. */
    public boolean yaml() {
        return yaml;
    }

    /**
     * Whether this is a per-service flag ({@code -local} and the flags that describe it): on the
     * command line it belongs to the nearest preceding {@code -local}; in YAML it is a key of a
     * {@code services:} entry.
     */
    public boolean perService() {
        return perService;
    }

    /** Whether GT for Java implements the option; unsupported ones are recognised and rejected. */
    public boolean supported() {
        return supported;
    }

    /** Whether the value is a secret that must never appear in messages or {@code toString}. */
    public boolean sensitive() {
        return sensitive;
    }

    /**
     * Whether the command line adds to what the file gave (GT's {@code -tcpRange} and
     * {@code -hostRegex} add to the file's {@code tcp:} and {@code host.regex}) rather than
     * replacing it, as other list options do.
     */
    public boolean addsToFile() {
        return addsToFile;
    }

    /** The smallest accepted value of a numeric option. */
    public long min() {
        return min;
    }

    /** The largest accepted value of a numeric option. */
    public long max() {
        return max;
    }

    /** The accepted values of a string option (matched ignoring case), or an empty list for any. */
    public List<String> choices() {
        return choices;
    }

    /** One or two sentences of English help. */
    public String help() {
        return help;
    }

    /** For a command-line-only option: where its YAML equivalent goes, or {@code null}. */
    public String yamlHint() {
        return yamlHint;
    }

    /**
     * For an unsupported option: what to do instead today, for the message that rejects it
     * ({@code "to stop a running gt, send it SIGTERM"}), or {@code null}.
     */
    public String instead() {
        return instead;
    }

    /**
     * The name of the library setting this option feeds, as the library's messages name it
     * ({@code idleTimeout} for {@code -timeout}), or {@code null} for an option without one.
     */
    public String setting() {
        return setting;
    }

    /** Whether the option feeds a library setter (else its command reads the value itself). */
    public boolean hasSetter() {
        return setter != null;
    }

    /**
     * Puts a value of this option into the builder through its setter.
     *
     * @param value a value of this option's type, as parsed (a list for list types)
     * @throws IllegalArgumentException what the setter throws for a value it rejects
     * @throws IllegalStateException if the option has no setter
     */
    void applyTo(B builder, Object value) {
        if (setter == null) {
            throw new IllegalStateException("-" + name + " has no setter; its command applies it");
        }
        setter.accept(builder, type.cast(value));
    }

    /** Whether {@code n} is the name or an alias. */
    public boolean hasName(String n) {
        return name.equals(n) || aliases.contains(n);
    }

    @Override
    public String toString() {
        return "-" + name;
    }

    /**
     * Builds an {@link Option}: {@link #to} ends a definition with the setter the value goes to,
     * {@link #build()} one without.
     *
     * @param <T> the Java type of a value
     */
    public static final class Builder<T> {
        private final String name;
        private final OptionType<T> type;
        private final List<String> aliases = new ArrayList<>();
        private String defaultText;
        private T defaultValue;
        private boolean yaml;
        private boolean perService;
        private boolean supported = true;
        private boolean sensitive;
        private boolean addsToFile;
        private long min;
        private long max;
        private final List<String> choices = new ArrayList<>();
        private String help;
        private String yamlHint;
        private String instead;
        private String setting;

        private Builder(String name, OptionType<T> type) {
            this.name = Objects.requireNonNull(name, "name");
            this.type = Objects.requireNonNull(type, "type");
            this.min = type.defaultMin();
            this.max = type.defaultMax();
        }

        /** Another accepted name. */
        public Builder<T> alias(String alias) {
            aliases.add(alias);
            return this;
        }

        /**
         * The default, written as on the command line: for the runner's own options and for GT's
         * options that have no library setting. An option that feeds a library setter takes the
         * library's default with {@link #defaultValue(Object)} instead, so the two cannot differ.
         */
        public Builder<T> defaultText(String text) {
            this.defaultText = text;
            return this;
        }

        /** The default as a value, read from the library: what a builder has when nothing is set. */
        public Builder<T> defaultValue(T value) {
            this.defaultValue = Objects.requireNonNull(value, "defaultValue");
            return this;
        }

        /** Also accepted under {@code options:} in YAML. */
        public Builder<T> yaml() {
            this.yaml = true;
            return this;
        }

        /** A per-service flag (see {@link Option#perService()}). */
        public Builder<T> perService() {
            this.perService = true;
            return this;
        }

        /** Recognised, but rejected as not supported by this version of GT for Java. */
        public Builder<T> unsupported() {
            this.supported = false;
            return this;
        }

        /** The value is a secret. */
        public Builder<T> sensitive() {
            this.sensitive = true;
            return this;
        }

        /** The command line adds to the file's values (see {@link Option#addsToFile()}). */
        public Builder<T> addsToFile() {
            this.addsToFile = true;
            return this;
        }

        /** Bounds of a numeric option, inclusive. */
        public Builder<T> range(long min, long max) {
            this.min = min;
            this.max = max;
            return this;
        }

        /** The accepted values of a string option. */
        public Builder<T> choices(String... values) {
            choices.addAll(List.of(values));
            return this;
        }

        /** The help text. */
        public Builder<T> help(String text) {
            this.help = text;
            return this;
        }

        /** Where the YAML equivalent of a command-line-only option goes. */
        public Builder<T> yamlHint(String hint) {
            this.yamlHint = hint;
            return this;
        }

        /** For an unsupported option: what to do instead today, shown when it is rejected. */
        public Builder<T> instead(String text) {
            this.instead = text;
            return this;
        }

        /**
         * For an option its command applies itself: the library setting whose messages name it
         * ({@code id} for the server's {@code -id}, which {@code user(id, secret)} takes), so that
         * the runner can name the option instead.
         */
        public Builder<T> setting(String name) {
            this.setting = Objects.requireNonNull(name, "setting");
            return this;
        }

        /**
         * The definition of an option whose value goes to a library setter.
         *
         * @param setting the setter's name as the library's messages use it ({@code idleTimeout}),
         *     so that the runner can name the option instead
         * @param setter puts a value into the builder; what it throws is reported with the option
         */
        public <B> Option<B, T> to(String setting, BiConsumer<? super B, ? super T> setter) {
            return new Option<>(this, Objects.requireNonNull(setting, "setting"), Objects.requireNonNull(setter,
                    "setter"));
        }

        /** The definition of an option that its command reads itself (or that is not supported). */
        public Option<Object, T> build() {
            return new Option<>(this, setting, null);
        }
    }
}

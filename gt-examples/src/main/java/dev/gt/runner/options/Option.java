package dev.gt.core.options;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * The definition of one option: its name (exactly as GT spells it), type, default, where it may be
 * written (command line only, or also under {@code options:} in YAML), whether it is a per-service
 * flag that belongs to the preceding {@code -local}, its help text, and whether GT for Java
 * supports it yet. Immutable.
 */
public final class Option {
    private final String name;
    private final List<String> aliases;
    private final OptionType type;
    private final String defaultText;
    private final Object defaultValue;
    private final boolean yaml;
    private final boolean perService;
    private final boolean supported;
    private final boolean sensitive;
    private final long min;
    private final long max;
    private final List<String> choices;
    private final String help;
    private final String yamlHint;
    private final String instead;

    private Option(Builder b) {
        this.name = b.name;
        this.aliases = List.copyOf(b.aliases);
        this.type = b.type;
        this.defaultText = b.defaultText;
        this.yaml = b.yaml;
        this.perService = b.perService;
        this.supported = b.supported;
        this.sensitive = b.sensitive;
        this.min = b.min;
        this.max = b.max;
        this.choices = List.copyOf(b.choices);
        this.help = Objects.requireNonNull(b.help, "help");
        this.yamlHint = b.yamlHint;
        this.instead = b.instead;
        if (b.defaultText == null) {
            this.defaultValue = type.isList() ? List.of() : null;
        } else {
            try {
                Object v = type.parse(this, b.defaultText, false);
                this.defaultValue = type.isList() ? List.of(v) : v;
            } catch (OptionType.BadValue e) {
                throw new IllegalStateException("default of -" + name + ": " + e.getMessage(), e);
            }
        }
    }

    /** Starts the definition of an option. */
    public static Builder define(String name, OptionType type) {
        return new Builder(name, type);
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
    public OptionType type() {
        return type;
    }

    /** The default as written in the help text, or {@code null} when there is none. */
    public String defaultText() {
        return defaultText;
    }

    /**
     * The default as a value of the type ({@link String}, {@link Boolean}, {@link Long},
     * {@link java.time.Duration}, {@link Double}, or a {@link List} for list types), or
     * {@code null} when there is none.
     */
    public Object defaultValue() {
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

    /** Whether {@code n} is the name or an alias. */
    public boolean hasName(String n) {
        return name.equals(n) || aliases.contains(n);
    }

    @Override
    public String toString() {
        return "-" + name;
    }

    /** Builds an {@link Option}. */
    public static final class Builder {
        private final String name;
        private final OptionType type;
        private final List<String> aliases = new ArrayList<>();
        private String defaultText;
        private boolean yaml;
        private boolean perService;
        private boolean supported = true;
        private boolean sensitive;
        private long min;
        private long max;
        private final List<String> choices = new ArrayList<>();
        private String help;
        private String yamlHint;
        private String instead;

        private Builder(String name, OptionType type) {
            this.name = Objects.requireNonNull(name, "name");
            this.type = Objects.requireNonNull(type, "type");
            this.min = type == OptionType.INT ? Long.MIN_VALUE : 0;
            this.max = type == OptionType.INT ? Long.MAX_VALUE : 0xFFFF_FFFFL;
        }

        /** Another accepted name. */
        public Builder alias(String alias) {
            aliases.add(alias);
            return this;
        }

        /** The default, written as on the command line. */
        public Builder defaultValue(String text) {
            this.defaultText = text;
            return this;
        }

        /** Also accepted under {@code options:} in YAML. */
        public Builder yaml() {
            this.yaml = true;
            return this;
        }

        /** A per-service flag (see {@link Option#perService()}). */
        public Builder perService() {
            this.perService = true;
            return this;
        }

        /** Recognised, but rejected as not supported by this version of GT for Java. */
        public Builder unsupported() {
            this.supported = false;
            return this;
        }

        /** The value is a secret. */
        public Builder sensitive() {
            this.sensitive = true;
            return this;
        }

        /** Bounds of a numeric option, inclusive. */
        public Builder range(long min, long max) {
            this.min = min;
            this.max = max;
            return this;
        }

        /** The accepted values of a string option. */
        public Builder choices(String... values) {
            choices.addAll(List.of(values));
            return this;
        }

        /** The help text. */
        public Builder help(String text) {
            this.help = text;
            return this;
        }

        /** Where the YAML equivalent of a command-line-only option goes. */
        public Builder yamlHint(String hint) {
            this.yamlHint = hint;
            return this;
        }

        /** For an unsupported option: what to do instead today, shown when it is rejected. */
        public Builder instead(String text) {
            this.instead = text;
            return this;
        }

        /** The definition. */
        public Option build() {
            return new Option(this);
        }
    }
}

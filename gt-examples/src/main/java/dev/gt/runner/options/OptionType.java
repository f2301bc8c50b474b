package dev.gt.runner.options;

import dev.gt.api.PortRange;
import java.time.Duration;
import java.util.List;
import java.util.Locale;

/**
 * The value types of GT's options, with their parsing rules. {@code T} is what a value of the type
 * is in Java, so an {@link Option} of this type hands its setter a {@code T} without casts.
 *
 * @param <T> the Java type of a value
 */
public final class OptionType<T> {
    private enum Kind { STRING, BOOL, INT, UINT, ULONG, DURATION, FLOAT, STRING_LIST, PORT_RANGE_LIST }

    /** Text, taken as is. */
    public static final OptionType<String> STRING = new OptionType<>(Kind.STRING, "string", String.class);
    /** A switch: {@code -flag} or {@code -flag=true|false}; in YAML {@code true}/{@code false}. */
    public static final OptionType<Boolean> BOOL = new OptionType<>(Kind.BOOL, "", Boolean.class);
    /** A signed whole number. */
    public static final OptionType<Long> INT = new OptionType<>(Kind.INT, "int", Long.class);
    /** A non-negative whole number that fits an {@code int}: a count or a port. */
    public static final OptionType<Integer> UINT = new OptionType<>(Kind.UINT, "uint", Integer.class);
    /** A non-negative whole number up to 2<sup>32</sup>-1 by default: bytes per second, sizes. */
    public static final OptionType<Long> ULONG = new OptionType<>(Kind.ULONG, "uint", Long.class);
    /** A Go duration such as {@code 90s}, {@code 5m} or {@code 1h30m}; see {@link Durations}. */
    public static final OptionType<Duration> DURATION = new OptionType<>(Kind.DURATION, "duration", Duration.class);
    /** A decimal number. */
    public static final OptionType<Double> FLOAT = new OptionType<>(Kind.FLOAT, "float", Double.class);
    /** Text, repeatable: every {@code -flag} adds one; in YAML a single value or a list. */
    public static final OptionType<List<String>> STRING_LIST = new OptionType<>(Kind.STRING_LIST, "value", List.class);
    /** Port ranges ({@code a-b}, {@code p} or {@code 0} for all ports), repeatable. */
    public static final OptionType<List<PortRange>> PORT_RANGE_LIST =
            new OptionType<>(Kind.PORT_RANGE_LIST, "range", List.class);

    private final Kind kind;
    private final String helpName;
    private final Class<?> javaType;

    private OptionType(Kind kind, String helpName, Class<?> javaType) {
        this.kind = kind;
        this.helpName = helpName;
        this.javaType = javaType;
    }

    /** The word shown after the option's name in {@code -h}, as Go's flag package does. */
    public String helpName() {
        return helpName;
    }

    /** Whether the option may be given several times, each occurrence adding to a list. */
    public boolean isList() {
        return kind == Kind.STRING_LIST || kind == Kind.PORT_RANGE_LIST;
    }

    /** Whether values are whole numbers, which take a range. */
    boolean isWholeNumber() {
        return kind == Kind.INT || kind == Kind.UINT || kind == Kind.ULONG;
    }

    /** The smallest value a whole-number option takes unless it says otherwise. */
    long defaultMin() {
        return kind == Kind.INT ? Long.MIN_VALUE : 0;
    }

    /** The largest value a whole-number option takes unless it says otherwise. */
    long defaultMax() {
        switch (kind) {
            case INT:
                return Long.MAX_VALUE;
            case UINT:
                return Integer.MAX_VALUE;
            default:
                return 0xFFFF_FFFFL;
        }
    }

    /**
     * A value as this type's {@code T}: what {@link #parse} returned (for list types, an
     * unmodifiable list of what it returned for each element).
     */
    @SuppressWarnings("unchecked")
    T cast(Object value) {
        // The one unchecked cast of the options model: every value was made by parse() of this type.
        return (T) javaType.cast(value);
    }

    /** Describes a valid value, for messages: "a duration (e.g. 90s)". */
    String expectation(Option<?, ?> o) {
        switch (kind) {
            case BOOL:
                return "true or false";
            case INT:
            case UINT:
            case ULONG:
                return "a whole number from " + o.min() + " to " + o.max();
            case DURATION:
                return "a duration, e.g. 90s, 5m, 1h30m";
            case FLOAT:
                return "a decimal number";
            case PORT_RANGE_LIST:
                return "a port range a-b, a port p, or 0 for all ports";
            default:
                return o.choices().isEmpty() ? "a value" : "one of " + String.join(", ", o.choices());
        }
    }

    /**
     * Converts one textual value (one list element for list types).
     *
     * @param yaml whether the text comes from YAML, where booleans may also be yes/no/on/off
     * @throws BadValue whose message starts with the quoted value (or a placeholder for secrets)
     */
    Object parse(Option<?, ?> o, String text, boolean yaml) throws BadValue {
        String shown = o.sensitive() ? "(the value)" : "'" + text + "'";
        switch (kind) {
            case BOOL:
                Boolean b = parseBool(text, yaml);
                if (b == null) {
                    throw new BadValue(shown + " is not a boolean (expected true or false)");
                }
                return b;
            case INT:
            case UINT:
            case ULONG:
                long n;
                try {
                    n = Long.parseLong(text.trim());
                } catch (NumberFormatException e) {
                    throw new BadValue(shown + " is not a whole number (expected " + expectation(o) + ")");
                }
                if (n < o.min() || n > o.max()) {
                    throw new BadValue(shown + " is out of range (expected " + o.min() + " to " + o.max() + ")");
                }
                if (kind == Kind.UINT) {
                    // The range of a UINT option lies within int (Option checks it), so this is exact.
                    return Integer.valueOf((int) n);
                }
                return Long.valueOf(n);
            case DURATION:
                Duration d;
                try {
                    d = Durations.parse(text.trim());
                } catch (IllegalArgumentException e) {
                    throw new BadValue(e.getMessage());
                }
                if (d.isNegative()) {
                    throw new BadValue(shown + " is negative (expected a duration >= 0, e.g. 90s, 5m, 1h30m)");
                }
                return d;
            case FLOAT:
                try {
                    double v = Double.parseDouble(text.trim());
                    if (Double.isNaN(v) || Double.isInfinite(v)) {
                        throw new NumberFormatException();
                    }
                    return v;
                } catch (NumberFormatException e) {
                    throw new BadValue(shown + " is not a number (expected a decimal number, e.g. 0.5)");
                }
            case PORT_RANGE_LIST:
                try {
                    return PortRange.parse(text);
                } catch (IllegalArgumentException e) {
                    throw new BadValue(shown + " is not a port range (expected a-b with 1 <= a <= b <= 65535, "
                            + "a port p, or 0 for all ports)");
                }
            default:
                if (!o.choices().isEmpty()) {
                    for (String c : o.choices()) {
                        if (c.equalsIgnoreCase(text.trim())) {
                            return c;
                        }
                    }
                    throw new BadValue(shown + " is not a valid value (expected one of "
                            + String.join(", ", o.choices()) + ")");
                }
                return text;
        }
    }

    /**
     * How {@code -h} shows a default: as it would be written on the command line, durations in
     * their shortest Go form ({@code 90s}, {@code 5m}).
     */
    String format(T value) {
        if (value instanceof Duration) {
            return Durations.formatShort((Duration) value);
        }
        if (value instanceof List) {
            List<?> list = (List<?>) value;
            return list.isEmpty() ? "" : list.size() == 1 ? String.valueOf(list.get(0)) : list.toString();
        }
        return String.valueOf(value);
    }

    /** Go's strconv.ParseBool on the command line; YAML 1.1 spellings too in files, as yaml.v3 does. */
    private static Boolean parseBool(String text, boolean yaml) {
        switch (text) {
            case "1": case "t": case "T": case "true": case "TRUE": case "True":
                return Boolean.TRUE;
            case "0": case "f": case "F": case "false": case "FALSE": case "False":
                return Boolean.FALSE;
            default:
                break;
        }
        if (yaml) {
            switch (text.toLowerCase(Locale.ROOT)) {
                case "yes": case "on": case "y":
                    return Boolean.TRUE;
                case "no": case "off": case "n":
                    return Boolean.FALSE;
                default:
                    break;
            }
        }
        return null;
    }

    /** Whether a stray argument after a switch looks like the value the user meant for it. */
    static boolean looksBoolean(String text) {
        return parseBool(text, true) != null;
    }

    @Override
    public String toString() {
        return kind.name();
    }

    /** A value that does not fit its option; the message lacks the option's name, callers add it. */
    static final class BadValue extends Exception {
        private static final long serialVersionUID = 1L;

        BadValue(String problem) {
            super(problem, null, false, false);
        }
    }
}

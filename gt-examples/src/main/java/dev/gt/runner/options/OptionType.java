package dev.gt.core.options;

import dev.gt.api.PortRange;
import java.time.Duration;
import java.util.Locale;

/** The value types of GT's options, with their parsing rules. */
public enum OptionType {
    /** Text, taken as is. */
    STRING("string"),
    /** A switch: {@code -flag} or {@code -flag=true|false}; in YAML {@code true}/{@code false}. */
    BOOL(""),
    /** A signed whole number. */
    INT("int"),
    /** A non-negative whole number. */
    UINT("uint"),
    /** A Go duration such as {@code 90s}, {@code 5m} or {@code 1h30m}; see {@link Durations}. */
    DURATION("duration"),
    /** A decimal number. */
    FLOAT("float"),
    /** Text, repeatable: every {@code -flag} adds one; in YAML a single value or a list. */
    STRING_LIST("value"),
    /** Port ranges ({@code a-b}, {@code p} or {@code 0} for all ports), repeatable. */
    PORT_RANGE_LIST("range");

    private final String helpName;

    OptionType(String helpName) {
        this.helpName = helpName;
    }

    /** The word shown after the option's name in {@code -h}, as Go's flag package does. */
    public String helpName() {
        return helpName;
    }

    /** Whether the option may be given several times, each occurrence adding to a list. */
    public boolean isList() {
        return this == STRING_LIST || this == PORT_RANGE_LIST;
    }

    /** Describes a valid value, for messages: "a duration (e.g. 90s)". */
    String expectation(Option o) {
        switch (this) {
            case BOOL:
                return "true or false";
            case INT:
            case UINT:
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
    Object parse(Option o, String text, boolean yaml) throws BadValue {
        String shown = o.sensitive() ? "(the value)" : "'" + text + "'";
        switch (this) {
            case BOOL:
                Boolean b = parseBool(text, yaml);
                if (b == null) {
                    throw new BadValue(shown + " is not a boolean (expected true or false)");
                }
                return b;
            case INT:
            case UINT:
                long n;
                try {
                    n = Long.parseLong(text.trim());
                } catch (NumberFormatException e) {
                    throw new BadValue(shown + " is not a whole number (expected " + expectation(o) + ")");
                }
                if (n < o.min() || n > o.max()) {
                    throw new BadValue(shown + " is out of range (expected " + o.min() + " to " + o.max() + ")");
                }
                return n;
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

    /** A value that does not fit its option; the message lacks the option's name, callers add it. */
    static final class BadValue extends Exception {
        private static final long serialVersionUID = 1L;

        BadValue(String problem) {
            super(problem, null, false, false);
        }
    }
}

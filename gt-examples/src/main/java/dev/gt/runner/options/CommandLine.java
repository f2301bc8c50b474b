package dev.gt.runner.options;

import java.util.ArrayList;
import java.util.List;

/**
 * A command line split into option occurrences, with Go's flag syntax as GT uses it: {@code -name
 * value}, {@code -name=value}, switches as {@code -name} or {@code -name=false}, one or two dashes.
 * Unlike Go it rejects stray arguments instead of silently stopping there, so {@code -flag false}
 * gets a message rather than a misparse.
 */
final class CommandLine {
    /** One option as written: its typed value (one element for list types) and its argument index. */
    record Occurrence(Option<?, ?> option, Object value, int position) {
    }

    private final List<Occurrence> occurrences;
    private final boolean help;

    private CommandLine(List<Occurrence> occurrences, boolean help) {
        this.occurrences = List.copyOf(occurrences);
        this.help = help;
    }

    List<Occurrence> occurrences() {
        return occurrences;
    }

    boolean helpRequested() {
        return help;
    }

    /** The value of the last occurrence of a single-valued option, or {@code null}. */
    Object last(String name) {
        Object v = null;
        for (Occurrence o : occurrences) {
            if (o.option().hasName(name)) {
                v = o.value();
            }
        }
        return v;
    }

    static CommandLine parse(OptionTable<?> table, String[] args) {
        List<Occurrence> out = new ArrayList<>();
        OptionsException error = null;
        Option<?, ?> bareSwitch = null;
        for (int i = 0; i < args.length; i++) {
            String a = args[i];
            if (error != null) {
                // After the first error only a help request still matters: "-h" should always answer.
                if (isHelp(a)) {
                    return new CommandLine(List.of(), true);
                }
                continue;
            }
            Option<?, ?> previousSwitch = bareSwitch;
            bareSwitch = null;
            try {
                if (a.equals("--")) {
                    if (i + 1 < args.length) {
                        throw stray(table, args[i + 1], null, i + 2);
                    }
                    break;
                }
                if (a.length() < 2 || a.charAt(0) != '-') {
                    throw stray(table, a, previousSwitch, i + 1);
                }
                String body = a.startsWith("--") ? a.substring(2) : a.substring(1);
                if (body.isEmpty() || body.charAt(0) == '-' || body.charAt(0) == '=') {
                    // Not echoed: "-=..." or "---..." may be a secret whose option name was lost.
                    throw new OptionsException("argument " + (i + 1) + " is not an option (not shown: it may be a "
                            + "secret; expected -name, -name value or -name=value)");
                }
                int eq = body.indexOf('=');
                String name = eq < 0 ? body : body.substring(0, eq);
                String inline = eq < 0 ? null : body.substring(eq + 1);
                Option<?, ?> o = table.find(name);
                if (o == null) {
                    throw unknown(table, name, "-", "-");
                }
                if (!o.supported()) {
                    throw unsupported(o);
                }
                int position = i;
                Object value;
                if (o.type() == OptionType.BOOL) {
                    value = inline == null ? Boolean.TRUE : value(o, inline);
                    bareSwitch = inline == null ? o : null;
                } else {
                    String text = inline;
                    if (text == null) {
                        if (i + 1 >= args.length) {
                            throw new OptionsException("-" + o.name() + ": missing value (expected "
                                    + o.type().expectation(o) + ")");
                        }
                        String next = args[i + 1];
                        if (looksLikeOption(table, next)) {
                            throw new OptionsException("-" + o.name() + ": missing value before " + optionPart(next)
                                    + " (expected " + o.type().expectation(o) + "; write -" + o.name()
                                    + "=VALUE if the value really starts with '-')");
                        }
                        text = next;
                        i++;
                    }
                    value = value(o, text);
                }
                if (o.hasName("h") && Boolean.TRUE.equals(value)) {
                    return new CommandLine(List.of(), true);
                }
                out.add(new Occurrence(o, value, position));
            } catch (OptionsException e) {
                error = e;
            }
        }
        if (error != null) {
            throw error;
        }
        return new CommandLine(out, false);
    }

    private static Object value(Option<?, ?> o, String text) {
        try {
            return o.type().parse(o, text, false);
        } catch (OptionType.BadValue e) {
            throw new OptionsException("-" + o.name() + " " + e.getMessage());
        }
    }

    private static boolean isHelp(String a) {
        return a.equals("-h") || a.equals("--h") || a.equals("-help") || a.equals("--help");
    }

    /** Whether a token that should be a value is really the next option (a forgotten value). */
    private static boolean looksLikeOption(OptionTable<?> table, String token) {
        if (token.length() < 2 || token.charAt(0) != '-') {
            return false;
        }
        String name = optionPart(token);
        name = name.startsWith("--") ? name.substring(2) : name.substring(1);
        if (table.find(name) != null) {
            return true;
        }
        for (OptionTable<?> t : OptionTable.builtins()) {
            if (t.find(name) != null) {
                return true;
            }
        }
        return false;
    }

    /** The "-name" part of "-name=value", so a value after '=' is never echoed. */
    private static String optionPart(String token) {
        int eq = token.indexOf('=');
        return eq < 0 ? token : token.substring(0, eq);
    }

    /**
     * The error for a name the table does not have.
     *
     * @param prefix how the name was written: "-" on the command line, "options." in YAML
     * @param suggestionPrefix how to write the suggested name in the same place
     */
    static OptionsException unknown(OptionTable<?> table, String name, String prefix, String suggestionPrefix) {
        if (prefix.equals("-")) {
            OptionsException later = laterGtSpelling(table, name);
            if (later != null) {
                return later;
            }
        }
        for (OptionTable<?> other : OptionTable.builtins()) {
            if (other != table && other.find(name) != null && table.find(name) == null) {
                return new OptionsException(prefix + name + ": not an option of gt " + table.command()
                        + " (it is an option of gt " + other.command() + ")");
            }
        }
        String suggestion = table.suggest(name);
        return new OptionsException(prefix + name + ": unknown option"
                + (suggestion == null ? "" : "; did you mean " + suggestionPrefix + suggestion + "?"));
    }

    static OptionsException unsupported(Option<?, ?> o) {
        return new OptionsException("option -" + o.name() + " is not supported by this version of GT for Java"
                + (o.instead() == null ? "" : "; " + o.instead()));
    }

    /**
     * GT 2.x's spellings of the commands' options ({@code gt server -c FILE}, {@code -V},
     * {@code --signal}), which this version does not take yet: the message says so and names what
     * works today. {@code null} for any other name.
     */
    private static OptionsException laterGtSpelling(OptionTable<?> table, String name) {
        String what;
        String instead;
        switch (name) {
            case "c":
                what = "load a configuration file";
                instead = "write -config FILE (gt " + table.command() + " -config FILE)";
                break;
            case "V":
                what = "print the version";
                instead = "write -version";
                break;
            case "signal":
                Option<?, ?> s = table.find("s");
                what = "signal the running gt processes";
                instead = s == null || s.instead() == null ? "stop gt with SIGTERM or Ctrl-C" : s.instead();
                break;
            default:
                return null;
        }
        return new OptionsException("-" + name + " (GT 2.x: " + what + ") is not supported by this version of GT "
                + "for Java; " + instead);
    }

    /**
     * The error for an argument that is not an option. Its text is shown only when it is an option
     * name without its dash or the would-be value of a switch: anything else may be a secret whose
     * option name was mistyped or lost, and this message goes to the log.
     */
    private static OptionsException stray(OptionTable<?> table, String arg, Option<?, ?> previousSwitch, int position) {
        if (previousSwitch != null && OptionType.looksBoolean(arg)) {
            return new OptionsException("-" + previousSwitch.name() + " " + arg
                    + ": a switch takes no separate value; write -" + previousSwitch.name() + "=" + arg);
        }
        StringBuilder sb = new StringBuilder("unexpected argument ");
        if (table.find(arg) != null) {
            sb.append('\'').append(arg).append("'; did you mean -").append(arg).append('?');
        } else if (previousSwitch != null) {
            sb.append(position).append(" after the switch -").append(previousSwitch.name())
                    .append(", which takes no value (not shown: it may be a secret)");
        } else {
            sb.append(position).append(" (not shown: it may be a secret; gt ").append(table.command())
                    .append(" takes only options: -name value or -name=value)");
        }
        return new OptionsException(sb.toString());
    }
}

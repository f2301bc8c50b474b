package dev.gt.runner.options;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import org.snakeyaml.engine.v2.api.LoadSettings;
import org.snakeyaml.engine.v2.api.lowlevel.Compose;
import org.snakeyaml.engine.v2.exceptions.ComposerException;
import org.snakeyaml.engine.v2.exceptions.Mark;
import org.snakeyaml.engine.v2.exceptions.MarkedYamlEngineException;
import org.snakeyaml.engine.v2.exceptions.ReaderException;
import org.snakeyaml.engine.v2.exceptions.ScannerException;
import org.snakeyaml.engine.v2.exceptions.YamlEngineException;
import org.snakeyaml.engine.v2.exceptions.YamlVersionException;
import org.snakeyaml.engine.v2.nodes.MappingNode;
import org.snakeyaml.engine.v2.nodes.Node;
import org.snakeyaml.engine.v2.nodes.NodeTuple;
import org.snakeyaml.engine.v2.nodes.ScalarNode;
import org.snakeyaml.engine.v2.nodes.SequenceNode;
import org.snakeyaml.engine.v2.nodes.Tag;

/**
 * A GT YAML file read as a node tree, so every message can carry the file name and line. The
 * layout is GT's: top-level {@code options:} plus the command's own sections.
 */
final class YamlConfig {
    /** One key of a mapping, with its value node. */
    record Item(String key, Node keyNode, Node value) {
    }

    private final String label;
    private final MappingNode root;

    private YamlConfig(String label, MappingNode root) {
        this.label = label;
        this.root = root;
    }

    /**
     * Reads a file.
     *
     * @param label the name used in messages (the {@code -config} value as written)
     */
    static YamlConfig load(Path file, String label) {
        return load(file, label, "-config '" + label + "'", "a mapping of sections at the top (options:, ...)");
    }

    /**
     * Reads a file whose top level is a mapping.
     *
     * @param label the name used in messages about the content ({@code label:line})
     * @param origin what named the file, for messages about the file as a whole ({@code -users 'u.yaml'})
     * @param topExpected what the top level must be, for the message when it is not
     */
    static YamlConfig load(Path file, String label, String origin, String topExpected) {
        Optional<Node> node;
        try (InputStream in = Files.newInputStream(file)) {
            LoadSettings settings = LoadSettings.builder().setLabel(label).setAllowDuplicateKeys(false).build();
            node = new Compose(settings).composeInputStream(in);
        } catch (NoSuchFileException e) {
            throw new OptionsException(origin + ": file not found (looked for " + file.toAbsolutePath()
                    + ")", e);
        } catch (IOException e) {
            throw new OptionsException(origin + ": cannot read the file: " + e, e);
        } catch (MarkedYamlEngineException e) {
            throw syntaxError(label, e);
        } catch (ReaderException e) {
            // A character YAML forbids (a control character): its position, never the text around it.
            throw new OptionsException(label + position(file, e.getPosition()) + ": not valid YAML: a control "
                    + "character (expected printable text; write it as an escape in a \"double-quoted\" value)", e);
        } catch (YamlEngineException e) {
            // Its message may quote the file (and a secret in it): only say what kind of problem it is.
            throw new OptionsException(label + ": not valid YAML" + (e instanceof YamlVersionException
                    ? ": a %YAML directive of a version other than 1.x" : " (the file cannot be read as YAML text)"));
        } catch (IllegalArgumentException e) {
            // snakeyaml-engine's Tag refuses a tag like !<%20x> this way rather than with a YamlEngineException;
            // its message may quote the file too.
            throw new OptionsException(label + ": not valid YAML (a tag snakeyaml-engine cannot read)");
        }
        if (node.isEmpty() || isNull(node.get())) {
            return new YamlConfig(label, null);
        }
        if (!(node.get() instanceof MappingNode)) {
            throw new OptionsException(label + ":" + line(node.get())
                    + ": expected " + topExpected + ", found " + describeHidingText(node.get()));
        }
        return new YamlConfig(label, (MappingNode) node.get());
    }

    /**
     * The error for a file that is not valid YAML: {@code file:line:column}, what is wrong there and
     * what was expected, in words of our own. snakeyaml-engine's messages quote the text around the
     * problem, and that text may be a secret ({@code secret: "abc\q"}), so none of it is used.
     */
    static OptionsException syntaxError(String label, MarkedYamlEngineException e) {
        Optional<Mark> problemMark = e.getProblemMark().isPresent() ? e.getProblemMark() : e.getContextMark();
        String where = problemMark.map(m -> label + ":" + (m.getLine() + 1) + ":" + (m.getColumn() + 1)).orElse(label);
        String problem = e.getProblem() == null ? "" : e.getProblem().toLowerCase(Locale.ROOT);
        String context = e.getContext() == null ? "" : e.getContext().toLowerCase(Locale.ROOT);
        String what = describeSyntaxProblem(e, problem, context);
        // Where an unclosed quote or bracket began, when that is elsewhere than where the file ended.
        String began = "";
        if (e.getContextMark().isPresent() && e.getProblemMark().isPresent()) {
            Mark c = e.getContextMark().get();
            Mark p = e.getProblemMark().get();
            if (c.getLine() != p.getLine() && (context.contains("quoted") || context.contains("flow"))) {
                began = " (it begins at line " + (c.getLine() + 1) + ", column " + (c.getColumn() + 1) + ")";
            }
        }
        return new OptionsException(where + ": not valid YAML: " + what + began, e);
    }

    /** {@code :line:column} of the code point at {@code index} of a file, or nothing if it cannot be read. */
    private static String position(Path file, int index) {
        String text;
        try {
            text = new String(Files.readAllBytes(file), java.nio.charset.StandardCharsets.UTF_8);
        } catch (IOException e) {
            return "";
        }
        int line = 1;
        int column = 1;
        int i = 0;
        for (int offset = 0; offset < text.length() && i < index; i++) {
            int cp = text.codePointAt(offset);
            offset += Character.charCount(cp);
            if (cp == '\n') {
                line++;
                column = 1;
            } else {
                column++;
            }
        }
        return ":" + line + ":" + column;
    }

    private static String describeSyntaxProblem(MarkedYamlEngineException e, String problem, String context) {
        if (problem.contains("(tab)")) {
            return "a tab character where YAML needs spaces (expected indentation with spaces only)";
        }
        if (problem.contains("cannot start any token")) {
            return "a character that cannot start a value (expected a value that does not start with @ or `, or one "
                    + "in quotes)";
        }
        if (problem.contains("special characters") || problem.contains("del character")) {
            return "a control character (expected printable text; write it as an escape in a \"double-quoted\" value)";
        }
        if (context.contains("double-quoted") && (problem.contains("escape") || problem.contains("hexadecimal"))) {
            return "an invalid escape sequence in a \"double-quoted\" value (expected \\\\, \\\", \\n, \\t, "
                    + "\\xHH or \\uHHHH; in 'single quotes' a backslash is just a backslash)";
        }
        if (context.contains("quoted")) {
            return "a quoted value that is not closed (expected its closing quote)";
        }
        if (problem.contains("mapping values are not allowed")) {
            return "a ': ' where no key can start (expected a line indented like the keys above it; quote a value "
                    + "that contains ': ')";
        }
        if (problem.contains("could not find expected ':'")) {
            return "a key without ':' (expected key: value)";
        }
        if (problem.contains("sequence entries are not allowed")) {
            return "a '- ' list entry where none can start (expected it on a line of its own, indented under its "
                    + "key)";
        }
        if (problem.contains("mapping keys are not allowed")) {
            return "a '? ' key where none can start";
        }
        if (problem.contains("expected the node content")) {
            return context.contains("flow") ? "a [ ] or { } that ends where a value was expected (expected a value "
                    + "or the closing bracket)" : "a missing value (expected a value here)";
        }
        if (problem.contains("undefined alias")) {
            return "an alias (*name) without an anchor (&name) before it (quote a value that starts with '*')";
        }
        if (context.contains("anchor") || context.contains("alias")) {
            return "an invalid anchor or alias (quote a value that starts with '&' or '*')";
        }
        if (context.contains("tag")) {
            return "an invalid tag (quote a value that starts with '!')";
        }
        if (context.contains("directive") || problem.contains("directive")) {
            return "an invalid directive (quote a value that starts with '%')";
        }
        if (context.contains("block scalar")) {
            return "an invalid | or > block value (expected an indentation digit 1-9 or a chomping sign + or - "
                    + "after it, and the text on the lines below)";
        }
        if (context.contains("flow sequence")) {
            return "a [ list that is not closed or not separated by commas (expected ',' or ']')";
        }
        if (context.contains("flow mapping")) {
            return "a { mapping that is not closed or not separated by commas (expected ',' or '}')";
        }
        if (context.contains("block mapping")) {
            return "a line that does not fit the indentation of the mapping above it (expected another key: value "
                    + "at the same indentation, or a line indented less to end the mapping)";
        }
        if (context.contains("block collection") || context.contains("sequence")) {
            return "a line that does not fit the indentation of the list above it (expected another '- ' entry at "
                    + "the same indentation, or a line indented less to end the list)";
        }
        if (problem.contains("document") || context.contains("document")) {
            return "more than one document, or text after the end of the document (expected one document; "
                    + "'---' and '...' mark document boundaries)";
        }
        if (problem.contains("anchor")) {
            return "an anchor (&name) that is defined twice or not allowed here";
        }
        if (e instanceof ScannerException) {
            return "text that cannot be read as YAML here";
        }
        if (e instanceof ComposerException) {
            return "an alias or anchor that cannot be used here";
        }
        return "a structure YAML does not allow here (check the indentation and the brackets)";
    }

    /** The top-level entries, in file order; none for an empty file. */
    List<Item> top() {
        return root == null ? List.of() : items(root, "");
    }

    /** The entries of a mapping, in file order; keys must be scalars and unique. */
    List<Item> items(MappingNode mapping, String path) {
        List<Item> out = new ArrayList<>();
        Map<String, Node> seen = new HashMap<>();
        for (NodeTuple t : mapping.getValue()) {
            Node k = t.getKeyNode();
            if (!(k instanceof ScalarNode) || isNull(k)) {
                throw error(k, path + "expected a name as key, found " + describe(k));
            }
            String key = ((ScalarNode) k).getValue();
            Node before = seen.putIfAbsent(key, k);
            if (before != null) {
                throw error(k, path + key + " appears twice (first on line " + line(before) + ")");
            }
            out.add(new Item(key, k, t.getValueNode()));
        }
        return out;
    }

    /** The node as a mapping, or an error naming what was expected. */
    MappingNode mapping(Node n, String path, String expected) {
        if (n instanceof MappingNode) {
            return (MappingNode) n;
        }
        throw error(n, path + ": expected " + expected + ", found " + describe(n));
    }

    /**
     * The node as a mapping, or an error that does not show a scalar's text: for sections where a
     * misplaced value is likely a secret ({@code users: secret1}).
     */
    MappingNode mappingHidingText(Node n, String path, String expected) {
        if (n instanceof MappingNode) {
            return (MappingNode) n;
        }
        throw error(n, path + ": expected " + expected + ", found " + describeHidingText(n));
    }

    /** The node as a list, or an error naming what was expected. */
    SequenceNode sequence(Node n, String path, String expected) {
        if (n instanceof SequenceNode) {
            return (SequenceNode) n;
        }
        throw error(n, path + ": expected " + expected + ", found " + describe(n));
    }

    /** The text of a scalar node, or an error naming what was expected. */
    String scalar(Node n, String path, String expected) {
        if (n instanceof ScalarNode && !isNull(n)) {
            return ((ScalarNode) n).getValue();
        }
        throw error(n, path + ": expected " + expected + ", found " + describe(n));
    }

    /**
     * Converts an option's value node with the option's own parser; {@code null} for an empty value
     * ({@code key:} or {@code key: ~}), which leaves the option as it was, as in GT.
     */
    Object value(Option<?, ?> o, Node n, String path) {
        if (isNull(n)) {
            return null;
        }
        OptionType<?> type = o.type();
        if (type.isList()) {
            if (n instanceof ScalarNode) {
                return List.of(element(o, (ScalarNode) n, path));
            }
            if (n instanceof SequenceNode) {
                List<Object> list = new ArrayList<>();
                for (Node e : ((SequenceNode) n).getValue()) {
                    if (!(e instanceof ScalarNode) || isNull(e)) {
                        throw error(e, path + ": expected " + type.expectation(o) + " in the list, found "
                                + describe(e));
                    }
                    list.add(element(o, (ScalarNode) e, path));
                }
                return List.copyOf(list);
            }
            throw error(n, path + ": expected " + type.expectation(o) + " or a list of them, found " + describe(n));
        }
        if (!(n instanceof ScalarNode)) {
            throw error(n, path + ": expected " + type.expectation(o) + ", found " + describe(n));
        }
        return element(o, (ScalarNode) n, path);
    }

    private Object element(Option<?, ?> o, ScalarNode n, String path) {
        try {
            return o.type().parse(o, n.getValue(), true);
        } catch (OptionType.BadValue e) {
            throw error(n, path + " " + e.getMessage());
        }
    }

    /** {@code file:line} of a node. */
    String at(Node n) {
        return label + ":" + line(n);
    }

    OptionsException error(Node n, String message) {
        return new OptionsException(at(n) + ": " + message);
    }

    String label() {
        return label;
    }

    static boolean isNull(Node n) {
        return n instanceof ScalarNode && Tag.NULL.equals(n.getTag());
    }

    private static int line(Node n) {
        return n.getStartMark().map(m -> m.getLine() + 1).orElse(0);
    }

    /** Like {@link #describe} but without a scalar's text, which may be a secret. */
    private static String describeHidingText(Node n) {
        return n instanceof ScalarNode && !isNull(n) ? "a single value (not shown: it may be a secret)" : describe(n);
    }

    private static String describe(Node n) {
        if (isNull(n)) {
            return "nothing";
        }
        if (n instanceof MappingNode) {
            return "a mapping";
        }
        if (n instanceof SequenceNode) {
            return "a list";
        }
        return "'" + ((ScalarNode) n).getValue() + "'";
    }
}

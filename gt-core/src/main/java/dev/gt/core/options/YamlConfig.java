package dev.gt.core.options;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.snakeyaml.engine.v2.api.LoadSettings;
import org.snakeyaml.engine.v2.api.lowlevel.Compose;
import org.snakeyaml.engine.v2.exceptions.Mark;
import org.snakeyaml.engine.v2.exceptions.MarkedYamlEngineException;
import org.snakeyaml.engine.v2.exceptions.YamlEngineException;
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
            Optional<Mark> mark = e.getProblemMark().isPresent() ? e.getProblemMark() : e.getContextMark();
            String where = mark.map(m -> label + ":" + (m.getLine() + 1)).orElse(label);
            String context = e.getContext() == null ? "" : " (" + e.getContext().trim() + ")";
            throw new OptionsException(where + ": not valid YAML: " + e.getProblem().trim() + context, e);
        } catch (YamlEngineException e) {
            throw new OptionsException(label + ": not valid YAML: " + e.getMessage(), e);
        } catch (IllegalArgumentException e) {
            // snakeyaml-engine's Tag refuses a tag like !<%20x> this way rather than with a YamlEngineException.
            throw new OptionsException(label + ": not valid YAML: " + e.getMessage(), e);
        }
        if (node.isEmpty() || isNull(node.get())) {
            return new YamlConfig(label, null);
        }
        if (!(node.get() instanceof MappingNode)) {
            throw new OptionsException(label + ":" + line(node.get())
                    + ": expected " + topExpected + ", found " + describe(node.get()));
        }
        return new YamlConfig(label, (MappingNode) node.get());
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
    Object value(Option o, Node n, String path) {
        if (isNull(n)) {
            return null;
        }
        OptionType type = o.type();
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

    private Object element(Option o, ScalarNode n, String path) {
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

package dev.gt.runner.options;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Seeded mutation fuzzing of the options parsers: command lines and YAML files (server users,
 * users files, tcp and host sections; client services). Whatever the input, parsing and building
 * either succeed or fail with an {@link OptionsException} that has a message and does not show
 * the value of {@code -secret}, nor any text of a file that is not valid YAML; nothing else may escape. Failures print the seed iteration and the input.
 */
@Timeout(120)
class OptionsFuzzTest {
    private static final long SEED = 0x6774_6f70_7473L;
    private static final String SECRET = "S3cr3t-Marker";

    private static final String[][] SERVER_ARGS = {
            {"-addr", "8080", "-id", "id1", "-secret", SECRET},
            {"-addr", "127.0.0.1:0", "-id", "id1", "-secret", SECRET, "-tcpNumber", "2", "-tcpRange", "1024-65535",
                "-hostNumber", "2", "-hostWithID", "-hostRegex", "^[0-9]+$", "-hostRegex", "^[a-zA-Z]+$"},
            {"-addr", ":0", "-speed", "1024", "-reconnectTimes", "0", "-reconnectDuration", "0s", "-connections", "3"},
            {"-addr", "0", "-authAPI", "http://127.0.0.1:1/auth", "-timeout", "10s", "-allowAnyClient"},
    };
    private static final String[][] CLIENT_ARGS = {
            {"-remote", "tcp://id1.example.com:8080", "-id", "id1", "-secret", SECRET, "-local", "http://127.0.0.1:80",
                "-useLocalAsHTTPHost", "-hostPrefix", "1", "-local", "tcp://127.0.0.1:2222", "-remoteTCPPort", "2222"},
            {"-remoteAPI", "http://127.0.0.1:1/api", "-id", "id1", "-secret", SECRET, "-local", "https://127.0.0.1"},
    };
    private static final String[] ARG_INSERTS = {"-", "--", "=", "", " ", "0", "-1", "99999999999", "1-2", "a-b",
            "-id", "-secret", "-local", "-hostPrefix", "-users", "-config", "tcp://", "http://", "[", "\u0000", "é"};

    private static final String SERVER_YAML = ""
            + "version: 1.0\n"
            + "users:\n"
            + "  id1:\n"
            + "    secret: " + SECRET + "\n"
            + "    tcp:\n"
            + "      - range: 10000-20000\n"
            + "    tcpNumber: 0\n"
            + "    speed: 1024\n"
            + "    connections: 2\n"
            + "    host:\n"
            + "      number: 2\n"
            + "      regex: [\"^[a-z]+$\"]\n"
            + "      withID: true\n"
            + "  id2:\n"
            + "    secret: " + SECRET + "2\n"
            + "tcp:\n"
            + "  - range: 50000-65535\n"
            + "host:\n"
            + "  number: 1\n"
            + "  regex: [\"^a$\"]\n"
            + "  withID: false\n"
            + "options:\n"
            + "  addr: 8080\n"
            + "  users: users.yaml\n"
            + "  tcpNumber: 1\n"
            + "  reconnectDuration: 5m\n";
    private static final String USERS_YAML = "id3:\n  secret: " + SECRET + "3\nid1:\n  secret: " + SECRET + "4\n";
    private static final String CLIENT_YAML = ""
            + "services:\n"
            + "  - local: http://127.0.0.1:80\n"
            + "    useLocalAsHTTPHost: true\n"
            + "    hostPrefix: 1\n"
            + "  - local: tcp://127.0.0.1:2222\n"
            + "    remoteTCPPort: 2222\n"
            + "options:\n"
            + "  remote: tcp://id1.example.com:8080\n"
            + "  id: id1\n"
            + "  secret: " + SECRET + "\n";
    private static final String[] YAML_INSERTS = {"\n", "  ", ":", "- ", "[", "]", "{", "}", "\"", "'", "#", "&a ",
            "*a", "!!str ", "~", "0", "-1", "null", "true", "\t", "secret: x\n", "range: ", "users: u.yaml\n",
            "65536", "1-0", "id1:\n"};

    @TempDir
    Path dir;

    @Test
    void commandLinesParseOrFailWithAClearMessage() {
        SplittableRandom rnd = new SplittableRandom(SEED);
        for (int i = 0; i < 20_000; i++) {
            boolean server = rnd.nextBoolean();
            String[][] seeds = server ? SERVER_ARGS : CLIENT_ARGS;
            List<String> args = new ArrayList<>(Arrays.asList(seeds[rnd.nextInt(seeds.length)]));
            int edits = 1 + rnd.nextInt(3);
            for (int e = 0; e < edits; e++) {
                int at = rnd.nextInt(args.size() + 1);
                switch (rnd.nextInt(4)) {
                    case 0 -> args.add(at, ARG_INSERTS[rnd.nextInt(ARG_INSERTS.length)]);
                    case 1 -> {
                        if (!args.isEmpty()) {
                            args.remove(Math.min(at, args.size() - 1));
                        }
                    }
                    case 2 -> {
                        if (!args.isEmpty()) {
                            int k = Math.min(at, args.size() - 1);
                            args.set(k, mutateText(args.get(k), rnd));
                        }
                    }
                    default -> {
                        if (args.size() > 1) {
                            int k = Math.min(at, args.size() - 2);
                            args.add(k, args.remove(k + 1));
                        }
                    }
                }
            }
            check(server, args.toArray(new String[0]), secretUsedAsSecret(args), "iteration " + i + ": " + args);
        }
    }

    @Test
    void yamlFilesParseOrFailWithAClearMessage() throws IOException {
        SplittableRandom rnd = new SplittableRandom(SEED + 1);
        int accepted = 0;
        for (int i = 0; i < 3_000; i++) {
            boolean server = rnd.nextBoolean();
            String yaml = mutateYaml(server ? SERVER_YAML : CLIENT_YAML, rnd);
            String users = rnd.nextInt(4) == 0 ? mutateYaml(USERS_YAML, rnd) : USERS_YAML;
            Files.writeString(dir.resolve("users.yaml"), users, StandardCharsets.UTF_8);
            Files.writeString(dir.resolve("gt.yaml"), yaml, StandardCharsets.UTF_8);
            if (check(server, new String[] {"-config", "gt.yaml"}, false, "iteration " + i + ":\n" + yaml + "\n-- users.yaml:\n"
                    + users)) {
                accepted++;
            }
        }
        // The mutations must leave many files valid, or only the error paths are exercised.
        assertTrue(accepted > 300, "valid files: " + accepted);
    }

    /** Returns whether the input was accepted. */
    /**
     * Whether the marker is given only as the value of -secret, so that no message may show it. (A
     * mutation may also make it the value of another option, whose errors rightly quote it.)
     */
    private static boolean secretUsedAsSecret(List<String> args) {
        int uses = 0;
        boolean asSecret = false;
        for (int i = 0; i < args.size(); i++) {
            String a = args.get(i);
            if (a.contains(SECRET)) {
                uses++;
                asSecret |= a.equals("-secret=" + SECRET) || a.equals(SECRET) && i > 0 && args.get(i - 1).equals("-secret");
            }
        }
        return asSecret && uses == 1;
    }

    private boolean check(boolean server, String[] args, boolean secretMustNotShow, String what) {
        try {
            CommandOptions<?, ?> o = server ? ServerOptions.parse(args, dir) : ClientOptions.parse(args, dir);
            if (o.helpRequested() || o.versionRequested()) {
                return true;
            }
            assertNotNull(o.build());
            return true;
        } catch (OptionsException e) {
            assertNotNull(e.getMessage(), what);
            assertFalse(e.getMessage().isBlank(), what);
            if (secretMustNotShow && e.getMessage().contains(SECRET)) {
                fail("a message shows a secret: " + e.getMessage() + "\n" + what);
            }
            // A file that is not YAML is described in words of our own, at a line and column: whatever
            // stands there (a secret, say) is never shown.
            if (e.getMessage().contains("not valid YAML") && (e.getMessage().contains(SECRET.substring(0, 5))
                    || !e.getMessage().matches("(gt|users)\\.yaml(:\\d+:\\d+)?: not valid YAML: .*"))) {
                fail("a YAML syntax error shows the file's text or no position: " + e.getMessage() + "\n" + what);
            }
            return false;
        } catch (RuntimeException e) {
            fail(e + " escaped the " + (server ? "server" : "client") + " options parser on " + what, e);
            return false;
        }
    }

    private static String mutateText(String s, SplittableRandom rnd) {
        StringBuilder sb = new StringBuilder(s);
        int at = sb.length() == 0 ? 0 : rnd.nextInt(sb.length());
        switch (rnd.nextInt(3)) {
            case 0 -> sb.insert(at, (char) (0x20 + rnd.nextInt(0x60)));
            case 1 -> {
                if (sb.length() > 0) {
                    sb.deleteCharAt(at);
                }
            }
            default -> sb.append(ARG_INSERTS[rnd.nextInt(ARG_INSERTS.length)]);
        }
        return sb.toString();
    }

    private static String mutateYaml(String seed, SplittableRandom rnd) {
        StringBuilder sb = new StringBuilder(seed);
        int edits = rnd.nextInt(4);
        for (int e = 0; e < edits; e++) {
            int at = rnd.nextInt(sb.length() + 1);
            switch (rnd.nextInt(4)) {
                case 0 -> sb.insert(at, YAML_INSERTS[rnd.nextInt(YAML_INSERTS.length)]);
                case 1 -> {
                    int end = Math.min(sb.length(), at + 1 + rnd.nextInt(12));
                    if (at < end) {
                        sb.delete(at, end);
                    }
                }
                case 2 -> {
                    // Swap two lines: structure errors that stay well-formed YAML.
                    String[] lines = sb.toString().split("\n", -1);
                    int a = rnd.nextInt(lines.length);
                    int b = rnd.nextInt(lines.length);
                    String t = lines[a];
                    lines[a] = lines[b];
                    lines[b] = t;
                    sb.setLength(0);
                    sb.append(String.join("\n", lines));
                }
                default -> {
                    if (sb.length() > 0) {
                        sb.setCharAt(Math.min(at, sb.length() - 1), (char) (0x20 + rnd.nextInt(0x5f)));
                    }
                }
            }
        }
        return sb.toString();
    }
}

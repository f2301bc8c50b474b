package dev.gt.runner.options;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.fail;

import com.code_intelligence.jazzer.junit.FuzzTest;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.io.TempDir;

/**
 * Coverage-guided fuzzing (Jazzer) of the options parsers of the {@code gt} runner: command lines
 * (one argument per line of the input) and YAML files (the input is {@code gt.yaml}; after a NUL
 * byte, what follows is the {@code users.yaml} it may name). Whatever the input, parsing and
 * building either succeed or fail with an {@link OptionsException} with a message; nothing else may
 * escape. The marker {@value #SECRET} must show neither in a message nor in the parsed options'
 * {@code toString} when it is only ever given as a secret.
 *
 * <p>Jazzer's regular-expression-injection detector is turned off for the project's fuzzing
 * ({@code jazzer.disabled_hooks} in the POM): {@code -hostRegex} compiles the operator's own
 * pattern, and a bad one is reported as an {@link OptionsException}, which is the behaviour under test.
 *
 * <p>Without {@code JAZZER_FUZZ} this replays the committed inputs in
 * {@code src/test/resources/dev/gt/runner/options/OptionsJazzerTestInputs/<method>}.
 */
class OptionsJazzerTest {
    static final String SECRET = "S3cr3t-Marker";
    private static final String USERS_YAML = "id3:\n  secret: " + SECRET + "3\nid1:\n  secret: " + SECRET + "4\n";

    @TempDir
    static Path dir;

    @FuzzTest(maxDuration = "5m")
    void serverCommandLine(byte[] data) {
        commandLine(true, data);
    }

    @FuzzTest(maxDuration = "5m")
    void clientCommandLine(byte[] data) {
        commandLine(false, data);
    }

    @FuzzTest(maxDuration = "5m")
    void serverConfig(byte[] data) {
        configFile(true, data);
    }

    @FuzzTest(maxDuration = "5m")
    void clientConfig(byte[] data) {
        configFile(false, data);
    }

    private static void commandLine(boolean server, byte[] data) {
        String text = new String(data, StandardCharsets.UTF_8);
        String[] args = text.isEmpty() ? new String[0] : text.split("\n", -1);
        // The files a command line may name: -config gt.yaml, -users users.yaml.
        write("users.yaml", USERS_YAML);
        write("gt.yaml", server ? "options:\n  addr: 0\n" : "options:\n  remote: tcp://127.0.0.1:1\n");
        check(server, args, onlyAsSecret(Arrays.asList(args)), "args " + Arrays.toString(args));
    }

    private static void configFile(boolean server, byte[] data) {
        int nul = indexOf(data, (byte) 0);
        String yaml = new String(data, 0, nul < 0 ? data.length : nul, StandardCharsets.UTF_8);
        String users = nul < 0 ? USERS_YAML : new String(data, nul + 1, data.length - nul - 1, StandardCharsets.UTF_8);
        write("gt.yaml", yaml);
        write("users.yaml", users);
        check(server, new String[] {"-config", "gt.yaml"}, onlyAsSecret(yaml) && onlyAsSecret(users),
                "gt.yaml:\n" + yaml + "\n-- users.yaml:\n" + users);
    }

    private static void check(boolean server, String[] args, boolean secretMustNotShow, String what) {
        try {
            CommandOptions<?, ?> o = server ? ServerOptions.parse(args, dir) : ClientOptions.parse(args, dir);
            if (o.helpRequested() || o.versionRequested()) {
                return;
            }
            if (secretMustNotShow) {
                assertFalse(o.toString().contains(SECRET), "toString shows a secret: " + o + "\n" + what);
            }
            assertNotNull(o.build(), what);
        } catch (OptionsException e) {
            assertNotNull(e.getMessage(), what);
            assertFalse(e.getMessage().isBlank(), what);
            if (secretMustNotShow) {
                assertFalse(e.getMessage().contains(SECRET), "a message shows a secret: " + e.getMessage() + "\n" + what);
            }
        } catch (RuntimeException e) {
            fail(e + " escaped the " + (server ? "server" : "client") + " options parser on " + what, e);
        }
    }

    /**
     * Whether the marker only ever appears as the value of {@code -secret} on a command line, so
     * that no message may show it (a mutation may make it the value of another option, whose
     * errors rightly quote it).
     */
    private static boolean onlyAsSecret(List<String> args) {
        for (int i = 0; i < args.size(); i++) {
            String a = args.get(i);
            if (a.contains(SECRET) && !(a.startsWith("-secret=") && a.indexOf(SECRET) == "-secret=".length()
                    || i > 0 && args.get(i - 1).equals("-secret") && a.startsWith(SECRET))) {
                return false;
            }
        }
        return true;
    }

    /** The same for a YAML file: each occurrence is the value of a {@code secret:} key on its line. */
    private static boolean onlyAsSecret(String yaml) {
        for (String line : yaml.split("\n", -1)) {
            int at = line.indexOf(SECRET);
            if (at >= 0 && !(line.substring(0, at).matches(" *secret: ") && line.indexOf(SECRET, at + 1) < 0)) {
                return false;
            }
        }
        return true;
    }

    private static int indexOf(byte[] data, byte b) {
        for (int i = 0; i < data.length; i++) {
            if (data[i] == b) {
                return i;
            }
        }
        return -1;
    }

    private static void write(String name, String content) {
        try {
            Files.writeString(dir.resolve(name), content, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}

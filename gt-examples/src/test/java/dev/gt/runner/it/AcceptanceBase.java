package dev.gt.runner.it;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.io.TempDir;

/**
 * Shared machinery of the gt runner's acceptance tests: every process and local service a test
 * starts is stopped after it (gt JVMs with SIGTERM and a leak check), and client JVMs resolve the
 * README's example host names to 127.0.0.1 through a hosts file.
 */
abstract class AcceptanceBase {
    /** The names the README's scenarios use, all mapped to 127.0.0.1 for the client JVMs. */
    static final List<String> EXAMPLE_HOSTS = List.of("id1.example.com", "1.example.com", "2.example.com",
            "id1-1.example.com", "id1-2.example.com");
    static final Duration START = Duration.ofSeconds(30);
    static final Duration CURL = Duration.ofSeconds(30);
    static final Pattern READY = Pattern.compile("tunnel \\d+ to \\S+ ready");
    static final Pattern TCP_PORT = Pattern.compile("is reachable on server port \\d+ \\(tcp port=(\\d+)\\)");

    @TempDir
    Path dir;

    private final Deque<AutoCloseable> resources = new ArrayDeque<>();

    /** Registers something to close after the test, before what was registered earlier. */
    <T extends AutoCloseable> T closeLater(T resource) {
        resources.push(resource);
        return resource;
    }

    @AfterEach
    void closeEverything() throws Exception {
        List<Throwable> failures = new ArrayList<>();
        // GC every gt JVM first, so that the goodbyes exchanged while they stop make Netty report any leak.
        List<GtProcess> gts = new ArrayList<>();
        for (AutoCloseable r : resources) {
            if (r instanceof GtProcess) {
                gts.add((GtProcess) r);
            }
        }
        GtProcess.gcAll(gts);
        while (!resources.isEmpty()) {
            AutoCloseable r = resources.pop();
            try {
                r.close();
            } catch (Throwable t) {
                failures.add(t);
            }
        }
        // Leave every process's output in the failsafe report (redirectTestOutputToFile).
        try (var files = Files.list(dir)) {
            for (Path f : (Iterable<Path>) files.sorted()::iterator) {
                String name = f.getFileName().toString();
                if (Files.isRegularFile(f) && (name.endsWith(".out") || name.endsWith(".err"))
                        && Files.size(f) < 200_000) {
                    System.out.println("----- " + name);
                    System.out.println(new String(Files.readAllBytes(f), StandardCharsets.UTF_8));
                }
            }
        }
        if (!failures.isEmpty()) {
            Throwable first = failures.get(0);
            for (Throwable t : failures.subList(1, failures.size())) {
                first.addSuppressed(t);
            }
            if (first instanceof Exception) {
                throw (Exception) first;
            }
            throw (Error) first;
        }
    }

    /** A hosts file (for -Djdk.net.hosts.file) mapping {@link #EXAMPLE_HOSTS} and localhost to 127.0.0.1. */
    Path hostsFile() {
        Path f = dir.resolve("hosts");
        if (!Files.exists(f)) {
            try {
                Files.writeString(f, "127.0.0.1 localhost " + String.join(" ", EXAMPLE_HOSTS) + "\n");
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return f;
    }

    /** Starts {@code gt server args} and waits until it listens. */
    GtProcess server(String name, String... args) {
        GtProcess p = closeLater(GtProcess.gt(dir, name, List.of(), prepend("server", args)));
        p.awaitLine("GT server listening on", START);
        return p;
    }

    /** Starts {@code gt client args} with the README's host names resolving to 127.0.0.1. */
    GtProcess client(String name, String... args) {
        return closeLater(GtProcess.gt(dir, name, List.of("-Djdk.net.hosts.file=" + hostsFile()),
                prepend("client", args)));
    }

    /** Waits until the client has a ready tunnel and the server accepted all its services. */
    static void awaitReady(GtProcess client) {
        client.awaitMatch(READY, START);
        client.awaitLine("connected; services registered", START);
    }

    /** {@code curl -sS --max-time 10 args} (a failure to connect is a non-zero exit, not an exception). */
    Cmd.Result curl(String... args) {
        List<String> cmd = new ArrayList<>(List.of("curl", "-sS", "--max-time", "10"));
        cmd.addAll(List.of(args));
        return Cmd.run(dir, CURL, cmd);
    }

    /** curl's {@code --resolve host:port:127.0.0.1}, so that the README's host names need no DNS. */
    static String resolve(String host, int port) {
        return host + ":" + port + ":127.0.0.1";
    }

    static String[] prepend(String first, String... rest) {
        String[] all = new String[rest.length + 1];
        all[0] = first;
        System.arraycopy(rest, 0, all, 1, rest.length);
        return all;
    }

    static String s(int port) {
        return Integer.toString(port);
    }
}

package dev.gt.runner.ops;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.io.Reader;
import java.io.Writer;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.Channels;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Properties;
import java.util.function.Function;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * How {@code gt -s reload|restart|stop} reaches running gt processes: each one keeps, in a
 * runtime directory of the user's ({@code $XDG_RUNTIME_DIR/gt}, else {@code ~/.gt/run}, mode
 * 700), a file {@code PID.info} (the installation it was started from, its configuration files)
 * and a Unix domain socket {@code PID.sock} that takes one command per connection and answers
 * with the outcome. Both are removed when the process ends.
 *
 * <p>A socket rather than signals: only the user who owns the directory can connect (the
 * directory's mode), a process is never confused with an unrelated one that reused its pid (no
 * socket, no command), and {@code gt -s reload} can print what the reload changed, or why it
 * was refused, instead of sending a signal into the dark. SIGHUP reloads too, for service managers.
 */
public final class ControlSocket implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger("gt.control");

    /** One running gt process found in the runtime directory. */
    public record Target(long pid, String command, List<Path> configs, Path configDir, Path socket) { }

    private final Path info;
    private final Path socketPath;
    private final ServerSocketChannel server;
    private volatile boolean closed;

    private ControlSocket(Path info, Path socketPath, ServerSocketChannel server) {
        this.info = info;
        this.socketPath = socketPath;
        this.server = server;
    }

    /** The runtime directory: {@code $XDG_RUNTIME_DIR/gt}, else {@code ~/.gt/run}. */
    public static Path runtimeDir() {
        String override = System.getProperty("gt.runtimeDir");
        if (override != null) {
            return Path.of(override);
        }
        String xdg = System.getenv("XDG_RUNTIME_DIR");
        if (xdg != null && !xdg.isBlank() && Files.isDirectory(Path.of(xdg))) {
            return Path.of(xdg, "gt");
        }
        return Path.of(System.getProperty("user.home"), ".gt", "run");
    }

    /** Which installation a process runs from: its jar (or class directory), for {@code -s} to match. */
    public static String installation() {
        try {
            return Path.of(ControlSocket.class.getProtectionDomain().getCodeSource().getLocation().toURI())
                    .toAbsolutePath().normalize().toString();
        } catch (Exception e) {
            return System.getProperty("java.class.path");
        }
    }

    /**
     * Opens this process's socket and info file.
     *
     * @param handler answers a command ({@code reload}, {@code restart}, {@code stop}); its text
     *     starts with {@code ok} or {@code error}
     */
    public static ControlSocket open(Path dir, String command, List<Path> configs, Path configDir,
            Function<String, String> handler) throws IOException {
        ControlSocket c = bind(dir);
        try {
            c.publish(command, configs, configDir, handler);
        } catch (IOException | RuntimeException e) {
            c.close();
            throw e;
        }
        return c;
    }

    /**
     * Binds this process's socket in {@code dir}, not answering yet. The runner does this before
     * its listeners start: the JDK loads its networking natives on the first socket, and a
     * listener flooded to the descriptor limit could otherwise starve that load.
     */
    public static ControlSocket bind(Path dir) throws IOException {
        Files.createDirectories(dir);
        try {
            Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwx------"));
        } catch (UnsupportedOperationException e) {
            // Not a POSIX file system: the directory's own protection applies.
        }
        long pid = ProcessHandle.current().pid();
        Path sock = dir.resolve(pid + ".sock");
        Files.deleteIfExists(sock);
        ServerSocketChannel ch = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
        try {
            ch.bind(UnixDomainSocketAddress.of(sock));
        } catch (IOException | RuntimeException e) {
            ch.close();
            throw e;
        }
        return new ControlSocket(dir.resolve(pid + ".info"), sock, ch);
    }

    /**
     * Writes the info file that {@code gt -s} finds and starts answering.
     *
     * @param handler answers a command ({@code reload}, {@code restart}, {@code stop}); its text
     *     starts with {@code ok} or {@code error}
     */
    public void publish(String command, List<Path> configs, Path configDir, Function<String, String> handler)
            throws IOException {
        Properties p = new Properties();
        p.setProperty("pid", Long.toString(ProcessHandle.current().pid()));
        p.setProperty("installation", installation());
        p.setProperty("command", command);
        p.setProperty("configs", String.join("\n", configs.stream().map(Path::toString).toList()));
        p.setProperty("configDir", configDir == null ? "" : configDir.toString());
        try (Writer w = Files.newBufferedWriter(info)) {
            p.store(w, "gt runner control: see gt -s");
        }
        Thread acceptor = new Thread(() -> accept(handler), "gt-control");
        acceptor.setDaemon(true);
        acceptor.start();
    }

    private void accept(Function<String, String> handler) {
        while (!closed) {
            try (SocketChannel c = server.accept()) {
                BufferedReader in = new BufferedReader(new InputStreamReader(Channels.newInputStream(c),
                        StandardCharsets.UTF_8));
                String command = in.readLine();
                String answer;
                try {
                    answer = command == null ? "error: no command" : handler.apply(command.trim());
                } catch (RuntimeException e) {
                    answer = "error: " + e.getMessage();
                }
                OutputStream out = Channels.newOutputStream(c);
                out.write((answer + "\n").getBytes(StandardCharsets.UTF_8));
                out.flush();
            } catch (IOException e) {
                if (!closed) {
                    log.debug("control connection failed: {}", e.toString());
                }
            }
        }
    }

    /**
     * The gt processes of this user started from {@code installation} and, with {@code filter}, from
     * that configuration file or from files in that directory. Files of processes that are gone
     * are removed on the way.
     */
    public static List<Target> find(Path dir, String installation, Path filter) throws IOException {
        List<Target> out = new ArrayList<>();
        if (!Files.isDirectory(dir)) {
            return out;
        }
        List<Path> infos;
        try (Stream<Path> s = Files.list(dir)) {
            infos = s.filter(p -> p.getFileName().toString().endsWith(".info")).sorted().toList();
        }
        for (Path infoFile : infos) {
            Properties p = new Properties();
            try (Reader r = Files.newBufferedReader(infoFile)) {
                p.load(r);
            } catch (IOException | IllegalArgumentException e) {
                continue;
            }
            long pid;
            try {
                pid = Long.parseLong(p.getProperty("pid", ""));
            } catch (NumberFormatException e) {
                continue;
            }
            Path sock = dir.resolve(pid + ".sock");
            if (ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false) == Boolean.FALSE) {
                Files.deleteIfExists(infoFile);
                Files.deleteIfExists(sock);
                continue;
            }
            if (!installation.equals(p.getProperty("installation"))) {
                continue;
            }
            List<Path> configs = Arrays.stream(p.getProperty("configs", "").split("\n")).filter(x -> !x.isBlank())
                    .map(Path::of).toList();
            String d = p.getProperty("configDir", "");
            Path configDir = d.isBlank() ? null : Path.of(d);
            if (filter != null && !matches(filter, configs, configDir)) {
                continue;
            }
            out.add(new Target(pid, p.getProperty("command", "?"), configs, configDir, sock));
        }
        return out;
    }

    private static boolean matches(Path filter, List<Path> configs, Path configDir) {
        Path f = filter.toAbsolutePath().normalize();
        if (f.equals(configDir)) {
            return true;
        }
        for (Path c : configs) {
            if (c.equals(f) || c.startsWith(f)) {
                return true;
            }
        }
        return false;
    }

    /** Sends {@code command} to {@code target} and returns its answer. */
    public static String send(Target target, String command) throws IOException {
        try (SocketChannel c = SocketChannel.open(UnixDomainSocketAddress.of(target.socket()))) {
            OutputStream out = Channels.newOutputStream(c);
            out.write((command + "\n").getBytes(StandardCharsets.UTF_8));
            out.flush();
            BufferedReader in = new BufferedReader(new InputStreamReader(Channels.newInputStream(c),
                    StandardCharsets.UTF_8));
            StringBuilder sb = new StringBuilder();
            String line;
            while ((line = in.readLine()) != null) {
                if (sb.length() > 0) {
                    sb.append('\n');
                }
                sb.append(line);
            }
            return sb.toString();
        }
    }

    @Override
    public void close() {
        closed = true;
        try {
            server.close();
        } catch (IOException e) {
            log.debug("closing the control socket: {}", e.toString());
        }
        try {
            Files.deleteIfExists(socketPath);
            Files.deleteIfExists(info);
        } catch (IOException e) {
            log.debug("removing the control files: {}", e.toString());
        }
    }
}

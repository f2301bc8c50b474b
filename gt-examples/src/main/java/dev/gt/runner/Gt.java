package dev.gt.runner;

import dev.gt.api.GtEventListener;
import dev.gt.api.GtException;
import dev.gt.core.Addresses;
import dev.gt.core.GtClient;
import dev.gt.core.GtClientConfig;
import dev.gt.core.GtServer;
import dev.gt.core.GtServerConfig;
import dev.gt.runner.options.ClientOptions;
import dev.gt.runner.options.Durations;
import dev.gt.runner.options.LogLevel;
import dev.gt.runner.options.Option;
import dev.gt.runner.options.OptionTable;
import dev.gt.runner.options.OptionType;
import dev.gt.runner.options.OptionValues;
import dev.gt.runner.options.OptionsException;
import dev.gt.runner.options.ServerOptions;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The {@code gt} runner: {@code gt server}, {@code gt client} and {@code gt demo} with GT's flags and
 * YAML files.
 *
 * <pre>
 * java -jar gt.jar server -addr 8080 -id id1 -secret secret1
 * java -jar gt.jar client -local http://127.0.0.1:80 -remote tcp://id1.example.com:8080 -id id1 -secret secret1
 * java -jar gt.jar demo
 * </pre>
 *
 * Exit codes: 0 done, 143 or 130 when stopped by SIGTERM or SIGINT (the JVM's convention), 1 a
 * start failure, 2 a bad command line or configuration. Only {@link #main} exits the JVM;
 * {@link #run} returns the code, for tests.
 */
public final class Gt {
    /** Exit code of a bad command line or configuration. */
    static final int USAGE = 2;
    /** Exit code of a failure to start, or of a failed demo self-check. */
    static final int FAILURE = 1;

    private static final List<String> COMMANDS = List.of("server", "client", "demo", "stun", "help", "version");

    static final OptionTable<Object> DEMO = new OptionTable<>("demo",
            "Runs a GT server, a GT client and a small HTTP service in this process, all on 127.0.0.1, prints how "
                    + "to reach the service through the tunnel, and checks it with one request.",
            null,
            List.of(Option.define("duration", OptionType.DURATION)
                            .help("How long to keep running after the self-check; 0 exits right after it. Without "
                                    + "it the demo runs until Ctrl-C.")
                            .build(),
                    OptionTable.LOG_LEVEL,
                    OptionTable.HELP));

    private final PrintStream out;
    private final PrintStream err;
    private final Path workingDir;
    /** Only a runner that owns its JVM (main) chooses its JIT compilers; tests run it in theirs. */
    private final boolean ownsJvm;

    Gt(PrintStream out, PrintStream err, Path workingDir) {
        this(out, err, workingDir, false);
    }

    private Gt(PrintStream out, PrintStream err, Path workingDir, boolean ownsJvm) {
        this.out = out;
        this.err = err;
        this.workingDir = workingDir;
        this.ownsJvm = ownsJvm;
    }

    /** Runs the command line and exits the JVM with the command's exit code. */
    public static void main(String[] args) {
        nettyDefaults();
        int code = new Gt(System.out, System.err, Path.of("").toAbsolutePath(), true).run(args);
        System.out.flush();
        System.err.flush();
        // After a signal the JVM is already shutting down; exit() then just waits for the hooks to end.
        System.exit(code);
    }

    /** Runs a command line and returns the exit code; blocks while a server, client or demo runs. */
    int run(String... args) {
        if (args.length == 0) {
            return zeroArguments();
        }
        String[] rest = Arrays.copyOfRange(args, 1, args.length);
        switch (args[0]) {
            case "server":
                return server(rest);
            case "client":
                return client(rest);
            case "demo":
                return demo(rest);
            case "stun":
                return new StunCommand(out, err).run(rest);
            case "help":
            case "-h":
            case "--h":
            case "-help":
            case "--help":
                return help(rest);
            case "version":
            case "-version":
            case "--version":
            case "-V":
                out.println(versionLine());
                return 0;
            default:
                return args[0].startsWith("-") ? optionBeforeCommand(args) : unknownCommand(args[0]);
        }
    }

    private int help(String[] rest) {
        if (rest.length == 0) {
            out.print(overview());
            return 0;
        }
        switch (rest[0]) {
            case "server":
                out.print(ServerOptions.usage());
                return 0;
            case "client":
                out.print(ClientOptions.usage());
                return 0;
            case "demo":
                out.print(DEMO.usage());
                return 0;
            case "stun":
                out.print(StunCommand.TABLE.usage());
                return 0;
            default:
                return unknownCommand(rest[0]);
        }
    }

    private int unknownCommand(String word) {
        String suggestion = closestCommand(word);
        err.println("gt: unknown command '" + word + "'"
                + (suggestion != null ? "; did you mean " + suggestion + "?" : " (expected server, client, demo, "
                        + "help or version)"));
        err.println("run 'gt -h' for help");
        return USAGE;
    }

    /**
     * An option where the command should be: GT 2.x's own top-level options ({@code -c},
     * {@code -s}, {@code -V}), which this version does not have yet, or an option of a command
     * written before it. Every hint names a command line that works; a value is shown only when it
     * cannot be a secret (a file name, a signal name).
     */
    private int optionBeforeCommand(String[] args) {
        String first = args[0];
        int eq = first.indexOf('=');
        String written = eq < 0 ? first : first.substring(0, eq);
        String name = written.startsWith("--") ? written.substring(2) : written.substring(1);
        String value = eq >= 0 ? first.substring(eq + 1)
                : args.length > 1 && !args[1].startsWith("-") ? args[1] : null;
        switch (name) {
            case "c":
            case "config":
                if (name.equals("config") && !first.startsWith("--")) {
                    err.println("gt: -config comes after the command: gt server -config FILE or gt client -config "
                            + "FILE (or gt -c FILE|DIR)");
                    return USAGE;
                }
                return configStart(args);
            case "s":
            case "signal":
                return signal(args);
            default:
                break;
        }
        List<String> commands = new java.util.ArrayList<>();
        Option<?, ?> unsupported = null;
        for (OptionTable<?> t : List.of(OptionTable.SERVER, OptionTable.CLIENT)) {
            Option<?, ?> o = t.find(name);
            if (o != null && o.supported()) {
                commands.add("gt " + t.command() + " " + written + " ...");
            } else if (o != null) {
                unsupported = o;
            }
        }
        if (!commands.isEmpty()) {
            err.println("gt: " + written + " comes after the command; write " + String.join(" or ", commands));
        } else if (unsupported != null) {
            err.println("gt: option " + written + " is not supported by this version of GT for Java"
                    + (unsupported.instead() == null ? "" : "; " + unsupported.instead()));
        } else {
            err.println("gt: " + written + ": unknown option; the command comes first (gt server [options], "
                    + "gt client [options] or gt demo [options])");
        }
        err.println("run 'gt -h' for help");
        return USAGE;
    }

    /** What GT 2.x's {@code -s} values map to today. */
    private static final List<String> SIGNALS = List.of("reload", "restart", "stop", "kill");

    private boolean isDirectory(String path) {
        try {
            return java.nio.file.Files.isDirectory(workingDir.resolve(path));
        } catch (java.nio.file.InvalidPathException e) {
            return false;
        }
    }

    private static String closestCommand(String word) {
        for (String c : COMMANDS) {
            if (c.startsWith(word) || word.startsWith(c) || c.equalsIgnoreCase(word)) {
                return c;
            }
        }
        return null;
    }

    /** {@code -jit}, for a runner that owns its JVM: see {@link JitPolicy}. */
    private void chooseJit(String mode, boolean quic) {
        if (ownsJvm) {
            String line = JitPolicy.apply(mode, quic);
            if (line != null) {
                org.slf4j.LoggerFactory.getLogger("gt.runner").info(line);
            }
        }
    }

    /**
     * {@code -jit} for YAML-configured servers and clients in one JVM: the first file's explicit
     * {@code jit} (else auto), C2 kept if any of them runs QUIC tunnels. A file that does not
     * parse is left to the runner, which reports it with its line.
     */
    private void chooseJit(List<Runner.Spec> specs) {
        String mode = null;
        boolean quic = false;
        for (Runner.Spec spec : specs) {
            try {
                String[] a = spec.args().toArray(new String[0]);
                OptionValues v = spec.command().equals("client") ? ClientOptions.parse(a, workingDir).values()
                        : ServerOptions.parse(a, workingDir).values();
                quic |= usesQuic(spec.command(), v);
                if (mode == null && v.isSet("jit")) {
                    mode = v.string("jit");
                }
            } catch (OptionsException e) {
                // Reported with its file and line when the runner starts it.
            }
        }
        chooseJit(mode == null ? "auto" : mode, quic);
    }

    static boolean usesQuic(String command, OptionValues v) {
        if (command.equals("client")) {
            List<String> remotes = v.strings("remote");
            return remotes != null && remotes.stream().anyMatch(r -> r.regionMatches(true, 0, "quic://", 0, 7));
        }
        String quicAddr = v.string("quicAddr");
        return quicAddr != null && !quicAddr.isEmpty();
    }

    private int usageError(String command, String message) {
        err.println("gt " + command + ": " + message);
        err.println("run 'gt " + command + " -h' for the list of options");
        return USAGE;
    }

    // ---- server and client

    private int server(String[] args) {
        configureLogging(preScanLogLevel(args));
        ServerOptions o;
        try {
            o = ServerOptions.parse(args, workingDir);
        } catch (OptionsException e) {
            return usageError("server", e.getMessage());
        }
        if (o.helpRequested()) {
            out.print(ServerOptions.usage());
            return 0;
        }
        if (o.versionRequested()) {
            out.println(versionLine());
            return 0;
        }
        chooseJit(o.values().string("jit"), usesQuic("server", o.values()));
        return new Runner(err, workingDir, version()).run(List.of(new Runner.Spec("server", List.of(args), null)), null,
                0, "gt server");
    }

    /** The bound listeners, each with its option: "0.0.0.0:8080 (-addr), 0.0.0.0:443 (-tlsAddr)". */
    static String listeners(GtServer server) {
        List<String> l = new java.util.ArrayList<>();
        if (server.listenAddress() != null) {
            l.add(Addresses.text(server.listenAddress()) + " (-addr)");
        }
        if (server.tlsListenAddress() != null) {
            l.add(Addresses.text(server.tlsListenAddress()) + " (-tlsAddr)");
        }
        if (server.sniListenAddress() != null) {
            l.add(Addresses.text(server.sniListenAddress()) + " (-sniAddr)");
        }
        for (String scheme : server.config().tunnelListeners().keySet()) {
            if (server.tunnelListenAddress(scheme) != null) {
                l.add(Addresses.text(server.tunnelListenAddress(scheme)) + " (-" + scheme + "Addr, UDP)");
            }
        }
        // "-addr """ turns the plain listener off (GT's HTTPS-only setup): say so rather than leave it out.
        return String.join(", ", l) + (server.listenAddress() == null ? "; -addr is off" : "");
    }

    private int client(String[] args) {
        configureLogging(preScanLogLevel(args));
        ClientOptions o;
        try {
            o = ClientOptions.parse(args, workingDir);
        } catch (OptionsException e) {
            return usageError("client", e.getMessage());
        }
        if (o.helpRequested()) {
            out.print(ClientOptions.usage());
            return 0;
        }
        if (o.versionRequested()) {
            out.println(versionLine());
            return 0;
        }
        chooseJit(o.values().string("jit"), usesQuic("client", o.values()));
        return new Runner(err, workingDir, version()).run(List.of(new Runner.Spec("client", List.of(args), null)), null,
                0, "gt client");
    }

    // ---- GT 2.x: gt -c FILE|DIR, gt -s SIGNAL, gt with no arguments

    /** {@code gt -c FILE|DIR [--depth N]}: one server or client per YAML file. */
    private int configStart(String[] args) {
        String path = null;
        int depth = 3;
        for (int i = 0; i < args.length; i++) {
            String a = args[i];
            String value = null;
            String flag = a;
            int eq = a.indexOf('=');
            if (eq > 0) {
                flag = a.substring(0, eq);
                value = a.substring(eq + 1);
            } else if (i + 1 < args.length) {
                value = args[i + 1];
            }
            switch (flag) {
                case "-c", "--config", "-config" -> {
                    if (value == null || value.isBlank()) {
                        err.println("gt: -c needs a configuration file or directory");
                        return USAGE;
                    }
                    path = value;
                }
                case "--depth", "-depth" -> {
                    try {
                        depth = Integer.parseInt(value == null ? "" : value);
                    } catch (NumberFormatException e) {
                        err.println("gt: --depth '" + value + "' is not a number (0 means no limit)");
                        return USAGE;
                    }
                }
                default -> {
                    err.println("gt: " + a + ": gt -c takes only -c FILE|DIR and --depth N; options go into the "
                            + "files, or use gt server [options] / gt client [options]");
                    return USAGE;
                }
            }
            if (eq < 0) {
                i++;
            }
        }
        Path p = workingDir.resolve(path);
        configureLogging(LogLevel.INFO);
        List<Runner.Spec> specs;
        try {
            specs = Files.isDirectory(p) ? specsOf(p, depth) : List.of(specOf(p.toAbsolutePath().normalize()));
        } catch (OptionsException e) {
            err.println("gt: " + e.getMessage());
            return USAGE;
        } catch (IOException e) {
            err.println("gt: cannot read " + path + ": " + e.getMessage());
            return USAGE;
        }
        if (specs.isEmpty()) {
            err.println("gt: no *.yaml or *.yml file in " + path);
            return USAGE;
        }
        chooseJit(specs);
        return new Runner(err, workingDir, version()).run(specs, Files.isDirectory(p) ? p : null, depth, "gt");
    }

    /** One spec per YAML file under {@code dir} (down to {@code depth} levels, 0 = no limit). */
    static List<Runner.Spec> specsOf(Path dir, int depth) throws IOException {
        List<Runner.Spec> specs = new java.util.ArrayList<>();
        for (Path f : Runner.yamlFiles(dir, depth)) {
            specs.add(specOf(f));
        }
        return specs;
    }

    /**
     * A file's kind: {@code type: server|client} decides; else a {@code services:} section means a
     * client (GT's rule); else a server.
     */
    static Runner.Spec specOf(Path file) {
        if (!Files.isRegularFile(file)) {
            throw new OptionsException(file + " is not a file");
        }
        Object doc;
        try {
            doc = new org.snakeyaml.engine.v2.api.Load(org.snakeyaml.engine.v2.api.LoadSettings.builder().build())
                    .loadFromString(Files.readString(file));
        } catch (IOException | RuntimeException e) {
            // The server or client reports the problem with line and column when it loads the file.
            doc = null;
        }
        String kind = "server";
        if (doc instanceof java.util.Map<?, ?> m) {
            Object type = m.get("type");
            if ("client".equals(type) || "server".equals(type)) {
                kind = (String) type;
            } else if (type != null) {
                throw new OptionsException(file + ": type '" + type + "' (expected server or client)");
            } else if (m.containsKey("services")) {
                kind = "client";
            }
        }
        return new Runner.Spec(kind, List.of("-config", file.toString()), file);
    }

    /** {@code gt -s reload|restart|stop [-c FILE|DIR]}. */
    private int signal(String[] args) {
        String signal = null;
        String filter = null;
        for (int i = 0; i < args.length; i++) {
            String a = args[i];
            int eq = a.indexOf('=');
            String flag = eq > 0 ? a.substring(0, eq) : a;
            String value = eq > 0 ? a.substring(eq + 1) : i + 1 < args.length ? args[++i] : null;
            switch (flag) {
                case "-s", "--signal" -> signal = value;
                case "-c", "--config" -> filter = value;
                default -> {
                    err.println("gt: " + a + ": gt -s takes -s reload|restart|stop and -c FILE|DIR");
                    return USAGE;
                }
            }
        }
        if (signal == null || !List.of("reload", "restart", "stop").contains(signal)) {
            err.println("gt: -s " + (signal == null ? "" : signal + " ") + "(expected reload, restart or stop)");
            return USAGE;
        }
        List<dev.gt.runner.ops.ControlSocket.Target> targets;
        try {
            targets = dev.gt.runner.ops.ControlSocket.find(dev.gt.runner.ops.ControlSocket.runtimeDir(),
                    dev.gt.runner.ops.ControlSocket.installation(), filter == null ? null : workingDir.resolve(filter));
        } catch (IOException e) {
            err.println("gt: cannot read " + dev.gt.runner.ops.ControlSocket.runtimeDir() + ": " + e.getMessage());
            return FAILURE;
        }
        if (targets.isEmpty()) {
            err.println("gt: no running gt process of this installation" + (filter == null ? ""
                    : " started from " + filter) + " (looked in " + dev.gt.runner.ops.ControlSocket.runtimeDir() + ")");
            return FAILURE;
        }
        int code = 0;
        for (dev.gt.runner.ops.ControlSocket.Target t : targets) {
            String answer;
            try {
                answer = dev.gt.runner.ops.ControlSocket.send(t, signal);
            } catch (IOException e) {
                answer = "error: cannot reach it: " + e.getMessage();
            }
            String where = t.configs().isEmpty() ? t.command() : String.join(", ",
                    t.configs().stream().map(Path::toString).toList());
            out.println("gt " + t.pid() + " (" + where + "): " + answer);
            if (!answer.startsWith("ok")) {
                code = FAILURE;
            }
        }
        return code;
    }

    /**
     * {@code gt} alone: the YAML files of the working directory, as GT 2.x; without any, a server
     * on GT's default port 8080 with the dashboard on 127.0.0.1:8000 (other ports when those are
     * taken), whose address is printed.
     */
    private int zeroArguments() {
        configureLogging(LogLevel.INFO);
        try {
            List<Runner.Spec> specs = specsOf(workingDir, 1);
            if (!specs.isEmpty()) {
                out.println("gt: starting " + specs.size() + " configuration file" + (specs.size() == 1 ? "" : "s")
                        + " of " + workingDir);
                chooseJit(specs);
                return new Runner(err, workingDir, version()).run(specs, workingDir, 1, "gt");
            }
        } catch (IOException | OptionsException e) {
            err.println("gt: " + e.getMessage());
            return USAGE;
        }
        String addr = free(8080) ? "8080" : "0";
        String web = "127.0.0.1:" + (free(8000) ? "8000" : "0");
        chooseJit("auto", false);
        Runner runner = new Runner(err, workingDir, version());
        out.println("gt: no configuration file here; starting a server (-addr " + (addr.equals("0") ? "any free port"
                : addr) + ") with its dashboard. Run 'gt -h' for the other ways to start.");
        out.flush();
        runner.started().thenRun(() -> announceDashboard(runner));
        return runner.run(List.of(new Runner.Spec("server", List.of("-addr", addr, "-webAddr", web), null)), null, 0,
                "gt");
    }

    private void announceDashboard(Runner runner) {
        for (Instance inst : runner.instances()) {
            java.net.InetSocketAddress w = inst.webAddress();
            if (w != null) {
                out.println("Dashboard: http://" + Addresses.text(w) + "/ (the password is in the log above)");
                out.flush();
                return;
            }
        }
    }

    private static boolean free(int port) {
        try (java.net.ServerSocket s = new java.net.ServerSocket()) {
            s.setReuseAddress(true);
            s.bind(new java.net.InetSocketAddress(port));
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    // ---- demo

    private int demo(String[] args) {
        configureLogging(preScanLogLevel(args));
        OptionValues v;
        try {
            v = DEMO.parse(args);
        } catch (OptionsException e) {
            return usageError("demo", e.getMessage());
        }
        if (v.helpRequested()) {
            out.print(DEMO.usage());
            return 0;
        }
        configureLogging(LogLevel.of(v.string("logLevel")));
        Duration duration = v.duration("duration");
        DemoRun demo = new DemoRun();
        StopSignal stop = new StopSignal(demo::close);
        try {
            demo.start();
        } catch (Exception e) {
            stop.remove();
            demo.close();
            err.println("gt demo: failed to start: " + describe(e));
            return FAILURE;
        }
        String serverText = Addresses.text(demo.serverAddress());
        int port = demo.serverAddress().getPort();
        out.println("GT demo: a GT server, a GT client and an HTTP service, all in this process on 127.0.0.1");
        out.println("  HTTP service : http://" + Addresses.text(demo.serviceAddress()) + "/ (built in)");
        out.println("  GT server    : " + serverText + " (one user, id '" + DemoRun.CLIENT_ID + "')");
        out.println("  GT client    : id '" + DemoRun.CLIENT_ID + "', forwarding http://"
                + Addresses.text(demo.serviceAddress()));
        out.println("Visitor URL    : http://" + DemoRun.HOST + ":" + port + "/  (when " + DemoRun.HOST
                + " resolves to 127.0.0.1)");
        out.println("Try it         : curl -H 'Host: " + DemoRun.HOST + "' http://" + serverText + "/hello");
        out.println("Self-check     : GET /hello with Host: " + DemoRun.HOST + " through the tunnel ...");
        boolean ok;
        try {
            DemoRun.Answer a = demo.request("/hello");
            out.println("  " + a.statusLine());
            for (String line : a.body().split("\n")) {
                out.println("  " + line);
            }
            ok = a.status() == 200;
        } catch (Exception e) {
            out.println("  failed: " + describe(e));
            ok = false;
        }
        out.println(ok ? "Self-check passed." : "Self-check FAILED.");
        out.flush();
        if (duration == null) {
            out.println("Running until Ctrl-C.");
            stop.await();
        } else if (!duration.isZero()) {
            out.println("Running for " + Durations.format(duration) + " (Ctrl-C stops earlier).");
            stop.await(duration);
        }
        stop.remove();
        demo.close();
        return ok ? 0 : FAILURE;
    }

    // ---- shared

    /**
     * Sets the log level before the options are read, so that nothing logs at the wrong one
     * meanwhile; the first server or client then configures logging from all its options.
     */
    static void configureLogging(LogLevel level) {
        dev.gt.runner.ops.LogSetup.configure(new dev.gt.runner.ops.LogSetup.Settings(level, null, 1, 1, null),
                new dev.gt.runner.ops.Secrets());
    }

    /**
     * The -logLevel written on the command line, before the full parse: slf4j-simple fixes its
     * settings when the first logger is created, and that must not happen with the wrong ones
     * should anything log while the options are read. The file's level is applied afterwards.
     */
    static LogLevel preScanLogLevel(String[] args) {
        LogLevel level = LogLevel.INFO;
        for (int i = 0; i < args.length; i++) {
            String a = args[i].startsWith("--") ? args[i].substring(1) : args[i];
            String value = null;
            if (a.equals("-logLevel") && i + 1 < args.length) {
                value = args[i + 1];
            } else if (a.startsWith("-logLevel=")) {
                value = a.substring("-logLevel=".length());
            }
            if (value != null) {
                try {
                    level = LogLevel.of(value);
                } catch (OptionsException e) {
                    // The full parse reports it, with the option's expectation.
                    level = LogLevel.INFO;
                }
            }
        }
        return level;
    }

    /**
     * Netty settings the runner picks for its own process, before any Netty class reads them (a
     * {@code -D} on the command line wins): no object recycling, and no sampling leak detector
     * (which records a stack trace for one buffer in 128). On the relay bench with one event loop
     * per process (its quietest setting) each saved 3–4% of the CPU per request: 9.8 µs without
     * recycling and 9.9 without the detector against 10.2. The library leaves Netty's defaults
     * alone; the tests run the runner with paranoid leak detection.
     */
    static void nettyDefaults() {
        setIfAbsent("io.netty.recycler.maxCapacityPerThread", "0");
        setIfAbsent("io.netty.leakDetection.level", "disabled");
    }

    private static void setIfAbsent(String key, String value) {
        if (System.getProperty(key) == null) {
            System.setProperty(key, value);
        }
    }

    /** The version of the runner: the jar's Implementation-Version, or {@code dev} outside a jar. */
    static String version() {
        String v = Gt.class.getPackage().getImplementationVersion();
        return v == null ? "dev" : v;
    }

    static String versionLine() {
        return "gt (GT for Java) " + version() + ", Java " + Runtime.version();
    }

    static String overview() {
        return "gt " + version() + " - GT for Java: reaches services behind NAT or a firewall through a public "
                + "server,\nwith GT's command-line flags and YAML files.\n"
                + "\n"
                + "Usage:\n"
                + "  gt server [options]     run a GT server (the public side)\n"
                + "  gt client [options]     run a GT client (next to the private services)\n"
                + "  gt demo [-duration D]   run a server, a client and an HTTP service here, and test them\n"
                + "  gt stun [options]       run a STUN server, and a TURN relay with -turnUser/-turnSecret\n"
                + "  gt help [command]       print this help, or the options of a command\n"
                + "  gt version              print the version\n"
                + "\n"
                + "Examples:\n"
                + "  gt server -addr 8080 -id id1 -secret secret1\n"
                + "  gt client -local http://127.0.0.1:80 -remote tcp://id1.example.com:8080 -id id1 -secret secret1\n"
                + "  gt client -config client.yaml\n"
                + "\n"
                + "Run 'gt server -h', 'gt client -h' or 'gt demo -h' for their options.\n";
    }

    private static Throwable unwrap(Throwable t) {
        while ((t instanceof CompletionException || t instanceof ExecutionException) && t.getCause() != null) {
            t = t.getCause();
        }
        return t;
    }

    static String describe(Throwable t) {
        t = unwrap(t);
        String m = t.getMessage();
        StringBuilder sb = new StringBuilder(m == null || m.isEmpty() ? t.getClass().getSimpleName() : m);
        // Bind and connect errors often carry the useful part ("Address already in use") in the cause.
        for (Throwable c = t.getCause(); c != null && c != t; c = c.getCause()) {
            if (c.getMessage() != null && !sb.toString().contains(c.getMessage())) {
                sb.append(": ").append(c.getMessage());
            }
            if (c.getCause() == c) {
                break;
            }
        }
        return sb.toString();
    }

    /**
     * SIGINT/SIGTERM handling: a shutdown hook runs the close action and then lets the waiting main
     * thread go; the hook never waits for the main thread, so the JVM cannot hang on exit.
     */
    private static final class StopSignal {
        private final CountDownLatch released = new CountDownLatch(1);
        private final java.util.concurrent.atomic.AtomicBoolean signalled =
                new java.util.concurrent.atomic.AtomicBoolean();
        private final Thread hook;

        StopSignal(Runnable closeAction) {
            this.hook = new Thread(() -> {
                signalled.set(true);
                try {
                    closeAction.run();
                } finally {
                    released.countDown();
                }
            }, "gt-shutdown");
            Runtime.getRuntime().addShutdownHook(hook);
        }

        /** Whether the stop came from a signal (SIGTERM, Ctrl-C). */
        boolean signalled() {
            return signalled.get();
        }

        /** Wakes {@link #await()} without a signal (a fatal error). */
        void release() {
            released.countDown();
        }

        void await() {
            try {
                released.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }

        void await(Duration limit) {
            try {
                released.await(limit.toNanos(), TimeUnit.NANOSECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }

        /** Unregisters the hook when the command ends by itself. */
        void remove() {
            try {
                Runtime.getRuntime().removeShutdownHook(hook);
            } catch (IllegalStateException e) {
                // Shutdown has begun, so the hook is running or has run: nothing left to remove.
                released.countDown();
            }
        }
    }
}

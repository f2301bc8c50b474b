package dev.gt.runner;

import dev.gt.runner.ops.ControlSocket;
import dev.gt.runner.ops.LogSetup;
import dev.gt.runner.ops.Secrets;
import dev.gt.runner.options.OptionsException;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.util.concurrent.DefaultThreadFactory;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs the servers and clients of one {@code gt} process: one for {@code gt server} and
 * {@code gt client}, one per YAML file for {@code gt -c DIR}. Answers reload, restart and stop
 * from {@code gt -s} (the control socket) and SIGHUP; stops on SIGTERM and Ctrl-C.
 */
final class Runner {
    private static final Logger log = LoggerFactory.getLogger("gt.runner");

    /** What to run: {@code server} or {@code client} with its command line, or a file of a directory. */
    record Spec(String command, List<String> args, Path file) { }

    private final PrintStream err;
    private final Path workingDir;
    private final Instance.Shared shared;
    private final EventLoopGroup httpLoops;
    private final ExecutorService blocking;
    private final Map<Path, Instance> byFile = new LinkedHashMap<>();
    private final List<Instance> instances = new ArrayList<>();
    private final CountDownLatch released = new CountDownLatch(1);
    private final AtomicBoolean logConfigured = new AtomicBoolean();
    private final AtomicBoolean signalled = new AtomicBoolean();
    private final CompletableFuture<Void> started = new CompletableFuture<>();
    private volatile boolean restarting;
    private Path configDir;
    private int depth;

    Runner(PrintStream err, Path workingDir, String version) {
        this.err = err;
        this.workingDir = workingDir;
        this.httpLoops = new MultiThreadIoEventLoopGroup(1, new DefaultThreadFactory("gt-http", true),
                NioIoHandler.newFactory());
        this.blocking = Executors.newCachedThreadPool(new DefaultThreadFactory("gt-ops", true));
        this.shared = new Instance.Shared(httpLoops, blocking, new Secrets(), version, this::configureLogging);
    }

    /** Completes once every instance of {@link #run} has started (never when one fails to). */
    CompletableFuture<Void> started() {
        return started;
    }

    Secrets secrets() {
        return shared.secrets();
    }

    /** Configures logging from the first instance's options; later instances log the same way. */
    void configureLogging(LogSetup.Settings settings) {
        if (logConfigured.compareAndSet(false, true)) {
            LogSetup.configure(settings, shared.secrets());
        }
    }

    /**
     * Starts every spec, then serves until stopped.
     *
     * @param dir the directory of a {@code gt -c DIR} start (re-scanned on reload), or {@code null}
     * @return the exit code
     */
    int run(List<Spec> specs, Path dir, int depth, String usagePrefix) {
        this.configDir = dir;
        this.depth = depth;
        Thread hook = new Thread(() -> {
            signalled.set(true);
            try {
                stopAll();
            } finally {
                released.countDown();
            }
        }, "gt-shutdown");
        Runtime.getRuntime().addShutdownHook(hook);
        // Bound before any listener starts; answering once every instance runs (see ControlSocket.bind).
        ControlSocket control = null;
        try {
            control = ControlSocket.bind(ControlSocket.runtimeDir());
        } catch (IOException | UnsupportedOperationException e) {
            log.warn("gt -s cannot reach this process: {}", e.getMessage());
        }
        try {
            for (Spec s : specs) {
                Instance i = create(s);
                try {
                    startOne(i);
                } catch (OptionsException e) {
                    stopAll();
                    err.println(usagePrefix(s, usagePrefix) + ": " + e.getMessage());
                    err.println("run 'gt " + s.command() + " -h' for the list of options");
                    return Gt.USAGE;
                } catch (Exception e) {
                    stopAll();
                    err.println(usagePrefix(s, usagePrefix) + ": failed to start: " + Gt.describe(e));
                    return Gt.FAILURE;
                }
            }
            started.complete(null);
            if (control != null) {
                try {
                    List<Path> configs = new ArrayList<>();
                    for (Instance i : instances) {
                        configs.addAll(i.configFiles());
                    }
                    control.publish(specs.size() == 1 ? specs.get(0).command() : "gt -c", configs,
                            dir == null ? null : dir.toAbsolutePath().normalize(), this::command);
                } catch (IOException e) {
                    log.warn("gt -s cannot reach this process: {}", e.getMessage());
                }
            }
            Signals.onHangUp(() -> blocking.execute(() -> log.info("SIGHUP: {}", reload())));
            released.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            if (control != null) {
                control.close();
            }
            try {
                Runtime.getRuntime().removeShutdownHook(hook);
            } catch (IllegalStateException shuttingDown) {
                // The hook runs: it stops everything.
            }
        }
        if (!signalled.get()) {
            stopAll();
            for (Instance i : instances) {
                if (i instanceof ClientInstance c && c.fatal != null) {
                    err.println("gt client: failed to start: " + Gt.describe(c.fatal));
                    return Gt.FAILURE;
                }
            }
        }
        log.info("GT {} stopped", instances.size() == 1 ? instances.get(0).command : "runner");
        return 0;
    }

    private static String usagePrefix(Spec s, String prefix) {
        return s.file() != null && prefix.equals("gt") ? "gt: " + s.file() : prefix;
    }

    private Instance create(Spec s) {
        Instance i = s.command().equals("client") ? new ClientInstance(s.args(), workingDir, shared)
                : new ServerInstance(s.args(), workingDir, shared);
        if (s.file() != null) {
            byFile.put(s.file(), i);
        }
        return i;
    }

    private void startOne(Instance i) throws Exception {
        i.start();
        synchronized (instances) {
            if (!instances.contains(i)) {
                instances.add(i);
            }
        }
        i.whenStopped().thenRun(this::checkAll);
    }

    /** Releases the main thread once every instance stopped by itself (a client that gave up). */
    private void checkAll() {
        if (restarting) {
            return;
        }
        synchronized (instances) {
            for (Instance i : instances) {
                if (!i.whenStopped().isDone()) {
                    return;
                }
            }
        }
        released.countDown();
    }

    private void stopAll() {
        List<Instance> all;
        synchronized (instances) {
            all = new ArrayList<>(instances);
        }
        for (Instance i : all) {
            try {
                i.stop();
            } catch (RuntimeException e) {
                log.warn("stopping {}: {}", i.label(), e.toString());
            }
        }
        httpLoops.shutdownGracefully(0, 1, TimeUnit.SECONDS);
        blocking.shutdownNow();
    }

    /** A command from {@code gt -s}. */
    String command(String command) {
        switch (command) {
            case "reload":
                return reload();
            case "restart":
                return restart();
            case "stop":
                blocking.execute(() -> {
                    stopAll();
                    released.countDown();
                });
                return "ok: stopping";
            default:
                return "error: unknown command '" + command + "' (expected reload, restart or stop)";
        }
    }

    /** Re-reads every configuration and applies the differences; files added to a directory start. */
    synchronized String reload() {
        List<String> lines = new ArrayList<>();
        boolean failed = false;
        if (configDir != null) {
            try {
                failed |= rescan(lines);
            } catch (IOException e) {
                lines.add(configDir + ": " + e.getMessage());
                failed = true;
            }
        }
        List<Instance> all;
        synchronized (instances) {
            all = new ArrayList<>(instances);
        }
        for (Instance i : all) {
            try {
                lines.add(i.label() + ": " + i.reload());
            } catch (OptionsException e) {
                failed = true;
                lines.add(i.label() + ": not reloaded, nothing changed: " + e.getMessage());
                log.error("reload of {} refused: {}", i.label(), e.getMessage());
            }
        }
        if (!all.isEmpty() && all.get(0).ops != null) {
            // -logLevel, -logFile* and -sentry* of the (first) configuration apply at once too.
            LogSetup.configure(all.get(0).ops.log(), shared.secrets());
        }
        return (failed ? "error: " : "ok: ") + String.join("\n", lines);
    }

    /** Starts the files new in the directory and stops those that are gone; returns whether one failed. */
    private boolean rescan(List<String> lines) throws IOException {
        boolean failed = false;
        List<Spec> now = Gt.specsOf(configDir, depth);
        List<Path> files = now.stream().map(Spec::file).toList();
        for (Path gone : new ArrayList<>(byFile.keySet())) {
            if (!files.contains(gone)) {
                Instance i = byFile.remove(gone);
                i.stop();
                synchronized (instances) {
                    instances.remove(i);
                }
                lines.add(gone + ": stopped (file removed)");
            }
        }
        for (Spec s : now) {
            if (!byFile.containsKey(s.file())) {
                Instance i = create(s);
                try {
                    startOne(i);
                    lines.add(s.file() + ": started");
                } catch (Exception e) {
                    byFile.remove(s.file());
                    failed = true;
                    lines.add(s.file() + ": failed to start: " + Gt.describe(e));
                }
            }
        }
        return failed;
    }

    /** Stops and starts every instance again (listen addresses may change). */
    synchronized String restart() {
        restarting = true;
        List<String> lines = new ArrayList<>();
        boolean failed = false;
        try {
            List<Instance> all;
            synchronized (instances) {
                all = new ArrayList<>(instances);
            }
            for (Instance i : all) {
                try {
                    i.restart();
                    i.whenStopped().thenRun(this::checkAll);
                    lines.add(i.label() + ": restarted");
                } catch (Exception e) {
                    failed = true;
                    lines.add(i.label() + ": failed to start again: " + Gt.describe(e));
                    log.error("restart of {} failed: {}", i.label(), Gt.describe(e));
                }
            }
        } finally {
            restarting = false;
        }
        checkAll();
        return (failed ? "error: " : "ok: ") + String.join("\n", lines);
    }

    /** The instances (for tests and the zero-argument start). */
    List<Instance> instances() {
        synchronized (instances) {
            return List.copyOf(instances);
        }
    }

    static boolean isYaml(Path p) {
        String n = p.getFileName().toString();
        return (n.endsWith(".yaml") || n.endsWith(".yml")) && Files.isRegularFile(p);
    }

    static List<Path> yamlFiles(Path dir, int depth) throws IOException {
        try (Stream<Path> s = Files.walk(dir, depth <= 0 ? Integer.MAX_VALUE : depth)) {
            return s.filter(Runner::isYaml).map(p -> p.toAbsolutePath().normalize()).sorted().toList();
        }
    }
}

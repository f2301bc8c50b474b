package dev.gt.runner;

import dev.gt.runner.options.LogLevel;
import dev.gt.runner.options.Option;
import dev.gt.runner.options.OptionTable;
import dev.gt.runner.options.OptionType;
import dev.gt.runner.options.OptionValues;
import dev.gt.p2p.StunServer;
import java.io.PrintStream;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CountDownLatch;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code gt stun}: a standalone STUN server, and TURN server when users or a REST secret are
 * given, with the flags GT's server will take for them. Kept apart from {@code gt server} until
 * the two are merged.
 *
 * <pre>
 * java -jar gt.jar stun -stunAddr 3478
 * java -jar gt.jar stun -stunAddr 3478 -turnUser alice:wonderland -turnSecret s3cret -turnRelayAddr 203.0.113.5
 * </pre>
 */
final class StunCommand {
    static final OptionTable TABLE = new OptionTable("stun",
            "Runs a STUN server (RFC 5389, RFC 3489 clients too) on UDP and TCP, and a TURN relay (RFC 5766) when "
                    + "-turnUser or -turnSecret is given.",
            null,
            withStunOptions(OptionTable.stunOptions(":3478"),
                    Option.define("workerThreads", OptionType.UINT).range(1, 1024)
                            .help("Event-loop threads (default: one per processor); with io_uring or epoll each has "
                                    + "its own UDP socket.").build(),
                    OptionTable.SERVER.find("logLevel"),
                    OptionTable.SERVER.find("h")));

    private final PrintStream out;
    private final PrintStream err;

    private static List<Option<Object, ?>> withStunOptions(List<Option<Object, ?>> stun, Option<?, ?>... more) {
        List<Option<Object, ?>> all = new java.util.ArrayList<>(stun);
        for (Option<?, ?> o : more) {
            @SuppressWarnings("unchecked")
            Option<Object, ?> any = (Option<Object, ?>) o;
            all.add(any);
        }
        return all;
    }

    StunCommand(PrintStream out, PrintStream err) {
        this.out = out;
        this.err = err;
    }

    /** Parses, starts, and blocks until SIGINT/SIGTERM; returns the exit code. */
    int run(String[] args) {
        Gt.configureLogging(Gt.preScanLogLevel(args));
        OptionValues v;
        StunServer server;
        try {
            v = TABLE.parse(args);
            if (v.helpRequested()) {
                out.print(TABLE.usage());
                return 0;
            }
            Gt.configureLogging(LogLevel.of(v.string("logLevel")));
            server = configure(v).build();
        } catch (IllegalArgumentException e) { // OptionsException too
            err.println("gt stun: " + e.getMessage());
            err.println("run 'gt stun -h' for the list of options");
            return Gt.USAGE;
        }
        Logger log = LoggerFactory.getLogger("gt.stun");
        CountDownLatch stopped = new CountDownLatch(1);
        Thread hook = new Thread(() -> {
            server.close();
            stopped.countDown();
        }, "gt-shutdown");
        Runtime.getRuntime().addShutdownHook(hook);
        try {
            server.start().join();
        } catch (CompletionException e) {
            Runtime.getRuntime().removeShutdownHook(hook);
            server.close();
            err.println("gt stun: failed to start: " + e.getCause().getMessage());
            return Gt.FAILURE;
        }
        log.info("GT STUN{} server on port {}{}", server.config().turnEnabled() ? "/TURN" : "", server.port(),
                server.config().turnEnabled() ? " (TURN users " + server.config().turnUserNames()
                        + (server.config().turnRestEnabled() ? ", REST credentials" : "") + ", realm "
                        + server.config().turnRealm() + ")" : "");
        try {
            stopped.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        log.info("GT STUN server stopped: {}", server.counters());
        return 0;
    }

    /**
     * The builder the flags describe; shared with the tests. The builder's refusals name its
     * settings ({@code turnRelayAddress}); they are said here as the flags that set them.
     */
    static StunServer.Builder configure(OptionValues v) {
        try {
            return configureBuilder(v);
        } catch (IllegalArgumentException e) {
            String m = String.valueOf(e.getMessage());
            for (Map.Entry<String, String> f : FLAGS.entrySet()) {
                if (m.startsWith(f.getKey() + " ") || m.startsWith(f.getKey() + ":")) {
                    m = f.getValue() + m.substring(f.getKey().length());
                    break;
                }
            }
            throw new IllegalArgumentException(m, e);
        }
    }

    /** The builder's setting names that differ from this command's flags, or lack their dash. */
    private static final Map<String, String> FLAGS = Map.of("listenAddress", "-stunAddr",
            "turnUser", "-turnUser", "turnSecret", "-turnSecret", "turnRealm", "-turnRealm",
            "turnRelayPorts", "-turnRelayPorts", "turnRelayAddress", "-turnRelayAddr",
            "turnAllowPeer", "-turnAllowPeer", "turnDenyPeer", "-turnDenyPeer");

    private static StunServer.Builder configureBuilder(OptionValues v) {
        StunServer.Builder b = StunServer.builder().listenAddress(v.string("stunAddr"));
        for (String u : v.strings("turnUser")) {
            b.turnUser(u);
        }
        for (String s : v.strings("turnSecret")) {
            b.turnSecret(s);
        }
        b.turnRealm(v.string("turnRealm")).turnRelayPorts(v.string("turnRelayPorts"))
                .turnRelayAddress(v.string("turnRelayAddr"));
        for (String c : v.strings("turnAllowPeer")) {
            b.turnAllowPeer(c);
        }
        for (String c : v.strings("turnDenyPeer")) {
            b.turnDenyPeer(c);
        }
        b.maxAllocationsPerUser((int) v.number("turnUserQuota")).maxAllocations((int) v.number("turnTotalQuota"))
                .allocationBandwidth(v.number("turnBandwidth")).software(v.string("stunSoftware"));
        if (v.isSet("workerThreads")) {
            b.threads((int) v.number("workerThreads"));
        }
        return b;
    }
}

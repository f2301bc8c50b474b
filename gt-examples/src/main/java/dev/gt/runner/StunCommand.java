package dev.gt.runner;

import dev.gt.runner.options.LogLevel;
import dev.gt.runner.options.Option;
import dev.gt.runner.options.OptionTable;
import dev.gt.runner.options.OptionType;
import dev.gt.runner.options.OptionValues;
import dev.gt.p2p.StunServer;
import java.io.PrintStream;
import java.util.List;
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
            List.of(Option.define("stunAddr", OptionType.STRING).defaultValue(":3478")
                            .help("UDP and TCP listen address of STUN and TURN (PORT, :PORT, HOST:PORT, [IPv6]:PORT).")
                            .build(),
                    Option.define("turnUser", OptionType.STRING_LIST).sensitive()
                            .help("A TURN user with long-term credentials, NAME:PASSWORD; repeatable.").build(),
                    Option.define("turnSecret", OptionType.STRING_LIST).sensitive()
                            .help("Accept TURN REST credentials (coturn's use-auth-secret): username EXPIRY:NAME, "
                                    + "password base64(HMAC-SHA1(secret, username)); repeatable for rotation.")
                            .build(),
                    Option.define("turnRealm", OptionType.STRING).defaultValue("gt")
                            .help("Realm of the long-term credentials.").build(),
                    Option.define("turnRelayPorts", OptionType.STRING).defaultValue("49152-65535")
                            .help("Ports of relayed addresses, LOW-HIGH.").build(),
                    Option.define("turnRelayAddr", OptionType.STRING)
                            .help("Address relays bind to and give clients; by default the address each "
                                    + "Allocate request reached.").build(),
                    Option.define("turnAllowPeer", OptionType.STRING_LIST)
                            .help("Address range (CIDR) allowed as peers although refused by default (loopback, "
                                    + "private ranges, this server's addresses); repeatable.").build(),
                    Option.define("turnDenyPeer", OptionType.STRING_LIST)
                            .help("Address range (CIDR) refused as peers, besides the default ones; repeatable.")
                            .build(),
                    Option.define("turnUserQuota", OptionType.UINT).defaultValue(0).range(0, 1_000_000)
                            .help("Allocations at once per user; 0 means no limit.").build(),
                    Option.define("turnTotalQuota", OptionType.UINT).defaultValue(10000).range(1, 1_000_000)
                            .help("Allocations at once in all.").build(),
                    Option.define("turnBandwidth", OptionType.ULONG).defaultValue(0L)
                            .help("Bytes per second one allocation may relay each way (excess dropped); 0 means no "
                                    + "limit.").build(),
                    Option.define("stunSoftware", OptionType.STRING).defaultValue("GT")
                            .help("SOFTWARE attribute of responses; empty for none.").build(),
                    Option.define("workerThreads", OptionType.UINT).range(1, 1024)
                            .help("Event-loop threads (default: one per processor); with io_uring or epoll each has "
                                    + "its own UDP socket.").build(),
                    OptionTable.SERVER.find("logLevel"),
                    OptionTable.SERVER.find("h")));

    private final PrintStream out;
    private final PrintStream err;

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

    /** The builder the flags describe; shared with the tests. */
    static StunServer.Builder configure(OptionValues v) {
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

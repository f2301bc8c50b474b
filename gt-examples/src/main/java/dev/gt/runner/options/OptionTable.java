package dev.gt.runner.options;

import static dev.gt.runner.options.OptionType.BOOL;
import static dev.gt.runner.options.OptionType.DURATION;
import static dev.gt.runner.options.OptionType.FLOAT;
import static dev.gt.runner.options.OptionType.INT;
import static dev.gt.runner.options.OptionType.PORT_RANGE_LIST;
import static dev.gt.runner.options.OptionType.STRING;
import static dev.gt.runner.options.OptionType.STRING_LIST;
import static dev.gt.runner.options.OptionType.UINT;
import static dev.gt.runner.options.OptionType.ULONG;

import dev.gt.api.CongestionControl;
import dev.gt.api.PortRange;
import dev.gt.api.ServiceSpec;
import dev.gt.core.GtClient;
import dev.gt.core.GtClientConfig;
import dev.gt.core.GtServer;
import dev.gt.core.GtServerConfig;
import dev.gt.core.TlsVersion;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.function.BiConsumer;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The options of one {@code gt} command. {@link #SERVER} and {@link #CLIENT} are GT's own sets,
 * every option GT has, including those GT for Java recognises but does not support yet. The same
 * table drives command-line parsing, YAML loading, the {@code -h} text and putting the values into
 * the library's builder: an option that feeds a setter carries it, typed.
 *
 * @param <B> the builder the command's options go to ({@code Object} for a command without one)
 */
public final class OptionTable<B> {
    private static final String PROGRAM = "gt";
    private static final int WIDTH = 100;

    private final String command;
    private final String summary;
    private final String fileLayout;
    private final List<Option<?, ?>> options;
    private final List<Option<? super B, ?>> commandOptions;
    private final List<Option<? super ServiceSpec.Builder, ?>> serviceOptions;
    private final Map<String, Option<?, ?>> byName = new HashMap<>();
    /** Library setting names and how the runner says them: "-addr" for listenAddress, "remoteTCPPort" for serverPort. */
    private final Map<String, Option<?, ?>> bySetting = new HashMap<>();

    /**
     * Creates a table of a command without per-service options.
     *
     * @param command the sub-command ({@code server}), used in messages and the usage line
     * @param summary what the command does, one paragraph of English
     * @param fileLayout the YAML layout for the help text, or {@code null} for a command that takes
     *     no {@code -config} file
     * @param options the definitions; names and aliases must be unique
     */
    public OptionTable(String command, String summary, String fileLayout, List<? extends Option<? super B, ?>> options) {
        this(command, summary, fileLayout, options, List.of());
    }

    /**
     * Creates a table.
     *
     * @param serviceOptions the per-service options ({@code -local} and the flags after it), whose
     *     values go to a {@link ServiceSpec.Builder}
     */
    public OptionTable(String command, String summary, String fileLayout, List<? extends Option<? super B, ?>> options,
            List<? extends Option<? super ServiceSpec.Builder, ?>> serviceOptions) {
        this.command = Objects.requireNonNull(command, "command");
        this.summary = Objects.requireNonNull(summary, "summary");
        this.fileLayout = fileLayout;
        this.commandOptions = List.copyOf(options);
        this.serviceOptions = List.copyOf(serviceOptions);
        for (Option<?, ?> o : commandOptions) {
            if (o.perService()) {
                throw new IllegalArgumentException("-" + o.name() + " is per service but not among the service options");
            }
        }
        for (Option<?, ?> o : this.serviceOptions) {
            if (!o.perService()) {
                throw new IllegalArgumentException("-" + o.name() + " is among the service options but not per service");
            }
        }
        List<Option<?, ?>> sorted = new ArrayList<>(commandOptions);
        sorted.addAll(this.serviceOptions);
        sorted.sort(Comparator.comparing(Option::name, String.CASE_INSENSITIVE_ORDER));
        this.options = List.copyOf(sorted);
        for (Option<?, ?> o : sorted) {
            register(o.name(), o);
            for (String alias : o.aliases()) {
                register(alias, o);
            }
            if (o.setting() != null && bySetting.putIfAbsent(o.setting(), o) != null) {
                throw new IllegalArgumentException("setting " + o.setting() + " is fed by two options of " + command);
            }
        }
    }

    private void register(String name, Option<?, ?> o) {
        if (byName.putIfAbsent(name, o) != null) {
            throw new IllegalArgumentException("option name -" + name + " is defined twice in " + command);
        }
    }

    /** The sub-command ({@code server}, {@code client}). */
    public String command() {
        return command;
    }

    /** Every definition, sorted by name. */
    public List<Option<?, ?>> options() {
        return options;
    }

    /** The options of the command itself (not per service), typed by the builder they feed. */
    List<Option<? super B, ?>> commandOptions() {
        return commandOptions;
    }

    /** The per-service option with this name, or {@code null}. */
    Option<? super ServiceSpec.Builder, ?> serviceOption(String name) {
        for (Option<? super ServiceSpec.Builder, ?> o : serviceOptions) {
            if (o.hasName(name)) {
                return o;
            }
        }
        return null;
    }

    /** The option with this name or alias (exact, case-sensitive as in GT), or {@code null}. */
    public Option<?, ?> find(String name) {
        return byName.get(name);
    }

    /** The option with this name, which must exist (for code that reads values). */
    Option<?, ?> require(String name) {
        Option<?, ?> o = byName.get(name);
        if (o == null) {
            throw new IllegalArgumentException("no option -" + name + " in " + command);
        }
        return o;
    }

    /**
     * A library message in the runner's words: the names of the settings this table feeds become
     * the options that feed them ({@code listenAddress 'x' ...} becomes {@code -addr 'x' ...}).
     * Camel-cased names ({@code tlsListenAddress}) are replaced wherever they stand; names that are
     * plain words ({@code id}, {@code secret}, {@code server}) only at the start, where the
     * library names the setting a setter rejected, so that "no client id" stays English.
     *
     * @param dashServiceOptions whether per-service options are written as flags ({@code
     *     -hostPrefix}) or, in a message about one service, as bare names ({@code hostPrefix}),
     *     which read right for a {@code -local} and a {@code services:} entry alike
     */
    String translate(String message, boolean dashServiceOptions) {
        if (message == null) {
            return null;
        }
        String m = message;
        for (Map.Entry<String, Option<?, ?>> e : bySetting.entrySet()) {
            String setting = e.getKey();
            Option<?, ?> o = e.getValue();
            String said = o.perService() && !dashServiceOptions ? o.name() : "-" + o.name();
            if (!setting.equals(setting.toLowerCase(Locale.ROOT))) {
                m = m.replaceAll("(?<![A-Za-z0-9_.-])" + setting + "(?![A-Za-z0-9_])",
                        java.util.regex.Matcher.quoteReplacement(said));
            } else if (m.startsWith(setting + " ") || m.startsWith(setting + ":")) {
                m = said + m.substring(setting.length());
            }
        }
        return m;
    }

    /**
     * The known name closest to a mistyped one ({@code remoteTcpPort} → {@code remoteTCPPort}),
     * or {@code null} when nothing is close.
     */
    public String suggest(String name) {
        return closest(name, byName.keySet());
    }

    static String closest(String name, Iterable<String> candidates) {
        String lower = name.toLowerCase(Locale.ROOT);
        String best = null;
        int bestDistance = Integer.MAX_VALUE;
        for (String candidate : candidates) {
            int d = distance(lower, candidate.toLowerCase(Locale.ROOT));
            if (d < bestDistance || d == bestDistance && best != null && candidate.compareTo(best) < 0) {
                best = candidate;
                bestDistance = d;
            }
        }
        // A case-only difference is always a typo; otherwise allow about one edit per four letters.
        int allowed = name.length() < 3 ? 0 : Math.max(1, Math.min(3, name.length() / 4));
        return best != null && bestDistance <= allowed ? best : null;
    }

    /** Edit distance where swapping two neighbours counts as one edit (the commonest typo). */
    private static int distance(String a, String b) {
        int[][] d = new int[a.length() + 1][b.length() + 1];
        for (int i = 0; i <= a.length(); i++) {
            d[i][0] = i;
        }
        for (int j = 0; j <= b.length(); j++) {
            d[0][j] = j;
        }
        for (int i = 1; i <= a.length(); i++) {
            for (int j = 1; j <= b.length(); j++) {
                int cost = a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1;
                d[i][j] = Math.min(Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1), d[i - 1][j - 1] + cost);
                if (i > 1 && j > 1 && a.charAt(i - 1) == b.charAt(j - 2) && a.charAt(i - 2) == b.charAt(j - 1)) {
                    d[i][j] = Math.min(d[i][j], d[i - 2][j - 2] + 1);
                }
            }
        }
        return d[a.length()][b.length()];
    }

    /**
     * Parses a command line against this table alone: no {@code -config} file, no per-service
     * flags. For commands of the runner's own ({@code gt demo}); the server and client have
     * {@link ServerOptions} and {@link ClientOptions}.
     *
     * @throws OptionsException naming the option, the value and the expectation
     */
    public OptionValues parse(String[] args) {
        CommandLine cl = CommandLine.parse(this, args);
        OptionValues values = new OptionValues(this);
        if (cl.helpRequested()) {
            values.set(require("h"), Boolean.TRUE, OptionValues.Source.COMMAND_LINE, "command line");
            return values;
        }
        for (CommandLine.Occurrence occurrence : cl.occurrences()) {
            if (occurrence.option().perService()) {
                throw new OptionsException("-" + occurrence.option().name() + " is a per-service option, which "
                        + PROGRAM + " " + command + " does not take");
            }
        }
        values.applyCommandLine(cl);
        return values;
    }

    /**
     * The help text: usage line, summary, every supported option with type, default and where it
     * may be written, the YAML layout, then the GT options that are recognised but not supported.
     */
    public String usage() {
        StringBuilder sb = new StringBuilder();
        sb.append("Usage: ").append(PROGRAM).append(' ').append(command).append(" [options]\n\n");
        wrap(sb, summary, "");
        sb.append("\nOptions (-name value or -name=value; a double dash works too; switches are -name or "
                + "-name=false):\n");
        for (Option<?, ?> o : options) {
            if (o.supported()) {
                describe(sb, o);
            }
        }
        if (fileLayout != null) {
            sb.append("\nConfiguration file (-config FILE, YAML):\n").append(fileLayout);
            sb.append("Precedence: defaults < file < command line. An explicit zero value stays zero.\n");
        }
        boolean header = false;
        for (Option<?, ?> o : options) {
            if (!o.supported()) {
                if (!header) {
                    sb.append("\nGT options not supported by this version of GT for Java (recognised, and rejected "
                            + "when given):\n");
                    header = true;
                }
                describe(sb, o);
            }
        }
        return sb.toString();
    }

    private void describe(StringBuilder sb, Option<?, ?> o) {
        sb.append("  -").append(o.name());
        for (String alias : o.aliases()) {
            sb.append(", -").append(alias);
        }
        if (!o.type().helpName().isEmpty()) {
            sb.append(' ').append(o.type().helpName());
        }
        sb.append('\n');
        StringBuilder text = new StringBuilder(o.help());
        String dflt = o.defaultText();
        if (dflt != null && !dflt.isEmpty() && !(o.type() == BOOL && dflt.equals("false"))) {
            text.append(" (default ").append(o.type() == STRING ? "\"" + dflt + "\"" : dflt).append(')');
        }
        if (o.type().isList()) {
            text.append(" Repeatable.");
        }
        String where = null;
        if (!o.supported()) {
            where = null;
        } else if (o.perService() && o.name().equals("local")) {
            where = "[repeatable, one per service; YAML: services: [{local: ...}]]";
        } else if (o.perService()) {
            where = "[per service: belongs to the preceding -local; YAML: a key of a services: entry]";
        } else if (fileLayout != null && o.yaml()) {
            where = "[also YAML: options." + o.name() + "]";
        } else if (fileLayout != null && o.yamlHint() != null) {
            where = "[command line only; YAML: " + o.yamlHint() + "]";
        } else if (fileLayout != null) {
            where = "[command line only]";
        }
        if (where != null) {
            // Kept on one line: a marker split over two lines is hard to find with grep.
            text.append(' ').append(where.replace(' ', NO_BREAK));
        }
        wrap(sb, text.toString(), "        ");
    }

    private static final char NO_BREAK = '\u0000';

    private static void wrap(StringBuilder sb, String text, String indent) {
        int col = 0;
        sb.append(indent);
        col += indent.length();
        boolean lineStart = true;
        for (String word : text.split(" ")) {
            if (word.isEmpty()) {
                continue;
            }
            if (!lineStart && col + 1 + word.length() > WIDTH) {
                sb.append('\n').append(indent);
                col = indent.length();
                lineStart = true;
            }
            if (!lineStart) {
                sb.append(' ');
                col++;
            }
            sb.append(word.replace(NO_BREAK, ' '));
            col += word.length();
            lineStart = false;
        }
        sb.append('\n');
    }

    @Override
    public String toString() {
        return PROGRAM + " " + command + " options";
    }

    // ---------------------------------------------------------------------------------------------
    // GT's options. Help texts follow GT's usage strings, corrected where GT's were wrong.

    /**
     * What the library's builders start with, read from builders given only what they require.
     * The options that feed a setter show these as their defaults instead of copies of their own,
     * so that {@code -h} cannot drift from what the library does (OptionDefaultsTest checks it).
     */
    static final GtServerConfig SERVER_DEFAULTS = GtServer.builder().listenAddress(new InetSocketAddress(0)).buildConfig();
    static final GtClientConfig CLIENT_DEFAULTS = GtClient.builder().id("defaults").secret("defaults")
            .server("tcp://localhost:1").service(ServiceSpec.local("tcp://localhost:1").build()).buildConfig();

    private static final String[] LOG_LEVELS = {
        "trace", "debug", "info", "warn", "error", "fatal", "panic", "disable", "disabled"};

    private static Option<Object, String> config(String example) {
        return Option.define("config", STRING).alias("c")
                .help("The YAML configuration file to load (e.g. " + example + "); relative to the working "
                        + "directory. A reload (gt -s reload, SIGHUP) reads it again.")
                .build();
    }

    /**
     * GT for Java's own: GT has no such flag. 0 leaves the library's default, which depends on the
     * machine, so this one default is the runner's.
     */
    private static <B> Option<B, Integer> workerThreads(BiConsumer<B, Integer> setter) {
        return Option.define("workerThreads", UINT).yaml().defaultText("0").range(0, 1024)
                .help("Event-loop threads (GT for Java's own option); 0 picks the default: one on a machine with at "
                        + "most two cores (the cheapest per request there), else one per core for a server and two "
                        + "for a client.")
                .to("workerThreads", (B b, Integer n) -> {
                    if (n > 0) {
                        setter.accept(b, n);
                    }
                });
    }

    /** {@code -logLevel}, which the runner reads itself (the library only logs through SLF4J). */
    public static final Option<Object, String> LOG_LEVEL = Option.define("logLevel", STRING).yaml()
            .defaultText("info").choices(LOG_LEVELS)
            .help("Log level: trace, debug, info, warn, error, fatal, panic, disable. fatal and panic log "
                    + "errors only; disable (or disabled) turns logging off.")
            .build();
    /** {@code -jit}, which the runner reads itself: the JIT compilers of its JVM (GT for Java's own). */
    public static final Option<Object, String> JIT = Option.define("jit", STRING).yaml().defaultText("auto")
            .choices("auto", "quick", "full")
            .help("JIT compilers of this process (GT for Java's own option): quick runs HotSpot's quick compiler "
                    + "only, for steadier latency on small machines; full keeps the JVM's default (both "
                    + "compilers); auto is quick on machines with up to 2 CPUs unless this process runs QUIC "
                    + "tunnels (-quicAddr, a quic:// -remote), else full. Read at start only; with several "
                    + "configuration files the first that sets it decides.")
            .build();
    private static final Option<Object, Boolean> VERSION = Option.define("version", BOOL).alias("V")
            .help("Print the version of this program and exit.").build();
    /** {@code -h}, {@code -help}. */
    public static final Option<Object, Boolean> HELP = Option.define("h", BOOL).alias("help")
            .help("Print this help and exit.").build();

    /** A file name option: an empty value leaves the setting alone, as in GT. */
    private static <B> BiConsumer<B, String> file(BiConsumer<B, Path> setter) {
        return (b, name) -> {
            if (!name.isEmpty()) {
                setter.accept(b, Path.of(name));
            }
        };
    }

    /** What to write instead of {@code gt server -s ...}: the signal goes first. */
    public static final String SIGNAL_INSTEAD = "write gt -s reload|restart|stop [-c FILE|DIR] (without the command), "
            + "or send SIGHUP (reload) or SIGTERM (stop) to the process";

    /**
     * The operations options of both commands (status API, log files, Sentry, dashboard), which
     * the runner reads itself: the library has no setting for them.
     */
    private static List<Option<Object, ?>> operations() {
        List<Option<Object, ?>> l = new ArrayList<>();
        l.add(Option.define("apiAddr", STRING).yaml()
                .help("Listen address of the status API: GET /statusResp, /status (an end-to-end self-test, "
                        + "server only), /metrics (Prometheus text) and /api/state (a JSON snapshot).").build());
        l.add(Option.define("apiCertFile", STRING).yaml()
                .help("Certificate (PEM) of the status API; with -apiKeyFile it serves HTTPS.").build());
        l.add(Option.define("apiKeyFile", STRING).yaml().help("Private key (PEM) of -apiCertFile.").build());
        l.add(Option.define("apiTLSVersion", STRING).yaml().defaultText("tls1.2").choices("tls1.2", "tls1.3")
                .help("Minimum TLS version of the status API: tls1.2 or tls1.3.").build());
        l.add(Option.define("sentryDSN", STRING).yaml().sensitive()
                .help("Sentry DSN: log events at -sentryLevel and above are reported there, with secrets masked.")
                .build());
        l.add(Option.define("sentryLevel", STRING_LIST).yaml().defaultText("error, fatal, panic")
                .help("Levels reported to Sentry: trace, debug, info, warn, error, fatal, panic; the lowest one "
                        + "given counts.").build());
        l.add(Option.define("sentrySampleRate", FLOAT).yaml().defaultText("1")
                .help("Share of events sent to Sentry: 0.0 to 1.0.").build());
        l.add(Option.define("sentryRelease", STRING).yaml()
                .help("Release reported to Sentry (default: this program's version).").build());
        l.add(Option.define("sentryEnvironment", STRING).yaml().help("Environment reported to Sentry.").build());
        l.add(Option.define("sentryServerName", STRING).yaml()
                .help("Server name reported to Sentry (default: the host name).").build());
        l.add(Option.define("sentryDebug", BOOL).yaml().help("Print what the Sentry client does.").build());
        l.add(Option.define("logFile", STRING).yaml()
                .help("Also write the log to this file, rotated at -logFileMaxSize into FILE.1 ... FILE.N.").build());
        l.add(Option.define("logFileMaxSize", INT).yaml().defaultText("536870912")
                .help("Size in bytes at which the log file is rotated.").build());
        l.add(Option.define("logFileMaxCount", ULONG).yaml().defaultText("7")
                .help("Rotated log files kept (at most 20).").build());
        l.add(Option.define("webAddr", STRING).yaml()
                .help("Listen address of the web dashboard (live figures, clients, bans, the configuration and "
                        + "its editing).").build());
        l.add(Option.define("webCertFile", STRING).yaml()
                .help("Certificate (PEM) of the dashboard; with -webKeyFile it serves HTTPS.").build());
        l.add(Option.define("webKeyFile", STRING).yaml().help("Private key (PEM) of -webCertFile.").build());
        l.add(Option.define("admin", STRING).yaml()
                .help("Dashboard user name (default admin).").build());
        l.add(Option.define("password", STRING).yaml().sensitive()
                .help("Dashboard password; without it one is generated and logged once.").build());
        return l;
    }

    /**
     * The STUN/TURN server's options, shared by {@code gt stun} (where it always runs, on
     * {@code stunAddr}'s default) and {@code gt server} (where it runs beside the GT server when
     * {@code -stunAddr} is given).
     */
    public static List<Option<Object, ?>> stunOptions(String defaultStunAddr) {
        List<Option<Object, ?>> l = new ArrayList<>();
        Option.Builder<String> addr = Option.define("stunAddr", STRING).yaml()
                .help("UDP and TCP listen address of STUN and TURN (PORT, :PORT, HOST:PORT, [IPv6]:PORT).");
        l.add((defaultStunAddr == null ? addr : addr.defaultValue(defaultStunAddr)).build());
        l.add(Option.define("turnUser", STRING_LIST).yaml().sensitive()
                .help("A TURN user with long-term credentials, NAME:PASSWORD; repeatable.").build());
        l.add(Option.define("turnSecret", STRING_LIST).yaml().sensitive()
                .help("Accept TURN REST credentials (coturn's use-auth-secret): username EXPIRY:NAME, "
                        + "password base64(HMAC-SHA1(secret, username)); repeatable for rotation.")
                .build());
        l.add(Option.define("turnRealm", STRING).yaml().defaultValue("gt")
                .help("Realm of the long-term credentials.").build());
        l.add(Option.define("turnRelayPorts", STRING).yaml().defaultValue("49152-65535")
                .help("Ports of relayed addresses, LOW-HIGH.").build());
        l.add(Option.define("turnRelayAddr", STRING).yaml()
                .help("Address relays bind to and give clients; by default the address each "
                        + "Allocate request reached.").build());
        l.add(Option.define("turnAllowPeer", STRING_LIST).yaml()
                .help("Address range (CIDR) allowed as peers although refused by default (loopback, "
                        + "private ranges, this server's addresses); repeatable.").build());
        l.add(Option.define("turnDenyPeer", STRING_LIST).yaml()
                .help("Address range (CIDR) refused as peers, besides the default ones; repeatable.")
                .build());
        l.add(Option.define("turnUserQuota", UINT).yaml().defaultValue(0).range(0, 1_000_000)
                .help("Allocations at once per user; 0 means no limit.").build());
        l.add(Option.define("turnTotalQuota", UINT).yaml().defaultValue(10000).range(1, 1_000_000)
                .help("Allocations at once in all.").build());
        l.add(Option.define("turnBandwidth", ULONG).yaml().defaultValue(0L)
                .help("Bytes per second one allocation may relay each way (excess dropped); 0 means no "
                        + "limit.").build());
        l.add(Option.define("stunSoftware", STRING).yaml().defaultValue("GT")
                .help("SOFTWARE attribute of responses; empty for none.").build());
        return l;
    }

    private static List<Option<Object, ?>> commonUnsupported(String signals) {
        List<Option<Object, ?>> l = new ArrayList<>();
        l.add(Option.define("pprof", BOOL).yaml().unsupported().help("Expose profiling on the web UI.").build());
        l.add(Option.define("signingKey", STRING).yaml().unsupported().sensitive()
                .help("JWT signing key of the web UI (the dashboard of GT for Java uses server-side sessions).")
                .build());
        l.add(Option.define("s", STRING).unsupported()
                .help("Send a signal to running processes of this program: " + signals + ".")
                .instead(SIGNAL_INSTEAD).build());
        return l;
    }

    /** {@code gt server}: every option of GT's server. */
    public static final OptionTable<GtServer.Builder> SERVER;

    /** {@code gt client}: every option of GT's client. */
    public static final OptionTable<GtClient.Builder> CLIENT;

    static {
        List<Option<? super GtServer.Builder, ?>> s = new ArrayList<>();
        s.add(Option.define("addr", STRING).yaml()
                .help("Listen address for client tunnels and HTTP visitors: 8080, :8080 or 127.0.0.1:8080 "
                        + "(port 0 picks a free port).")
                .to("listenAddress", GtServer.Builder::listenAddress));
        s.add(Option.define("id", STRING_LIST)
                .help("A user id; the i-th -id pairs with the i-th -secret.")
                .yamlHint("users: {<id>: {secret: <secret>}}").setting("id").build());
        s.add(Option.define("secret", STRING_LIST).sensitive()
                .help("The secret of the user given by the -id at the same position.")
                .yamlHint("users: {<id>: {secret: <secret>}}").setting("secret").build());
        s.add(Option.define("allowAnyClient", BOOL).yaml()
                .help("Also accept clients whose id is not a configured user; an id is bound to the first "
                        + "secret it is seen with. Without any user this is always on.")
                .to("allowAnyClient", GtServer.Builder::allowAnyClient));
        s.add(Option.define("tcpRange", PORT_RANGE_LIST).addsToFile()
                .help("Server ports that TCP services may open: a-b, p, or 0 for all ports (e.g. 1024-65535).")
                .yamlHint("tcp: [{range: 1024-65535}]")
                .to("tcpPortRange", (GtServer.Builder b, List<PortRange> ranges) -> ranges.forEach(b::tcpPortRange)));
        s.add(Option.define("tcpBindHost", STRING).yaml()
                .help("The address TCP service ports (-tcpRange) listen on: an IP address or host name of this "
                        + "machine, e.g. 127.0.0.1 to keep them off the network (GT for Java's own option; GT has "
                        + "none). Without it they listen on every interface, as in GT, whatever -addr says.")
                .to("tcpBindAddress", (GtServer.Builder b, String host) -> {
                    if (!host.isBlank()) {
                        b.tcpBindAddress(ServerOptions.tcpBindHost(host));
                    }
                }));
        s.add(Option.define("tcpNumber", UINT).yaml().defaultValue(SERVER_DEFAULTS.maxTcpPortsPerClient()).range(0, 65535)
                .help("TCP ports one client id may hold open; 0 means no limit.")
                .to("maxTcpPortsPerClient", GtServer.Builder::maxTcpPortsPerClient));
        s.add(Option.define("httpMUXHeader", STRING).yaml().defaultValue(SERVER_DEFAULTS.httpRoutingHeader())
                .help("The HTTP header whose value picks the client; for Host the first label of the host "
                        + "name is the client's host prefix.")
                .to("httpRoutingHeader", GtServer.Builder::httpRoutingHeader));
        s.add(Option.define("timeout", DURATION).yaml().defaultValue(SERVER_DEFAULTS.idleTimeout())
                .help("Idle timeout of tunnels and visitor connections; 0 disables it.")
                .to("idleTimeout", GtServer.Builder::idleTimeout));
        s.add(Option.define("connections", UINT).yaml().defaultValue(SERVER_DEFAULTS.maxTunnelsPerClient())
                .range(1, Integer.MAX_VALUE)
                .help("Tunnel connections one client id may hold.")
                .to("maxTunnelsPerClient", GtServer.Builder::maxTunnelsPerClient));
        s.add(Option.define("maxHandShakeOptions", UINT).yaml().defaultValue(SERVER_DEFAULTS.maxServicesPerHandshake())
                .range(1, 65535)
                .help("Services one client handshake may carry.")
                .to("maxServicesPerHandshake", GtServer.Builder::maxServicesPerHandshake));
        s.add(workerThreads(GtServer.Builder::workerThreads));
        s.add(LOG_LEVEL);
        s.add(JIT);
        s.add(config("server.yaml"));
        s.add(VERSION);
        s.add(HELP);

        s.add(Option.define("tlsAddr", STRING).yaml()
                .help("TLS listen address for tunnels over TLS and HTTPS visitors (decrypted here, then routed "
                        + "by Host). Without -certFile/-keyFile a self-signed certificate is generated and its "
                        + "SHA-256 fingerprint logged, for clients to pin.")
                .to("tlsListenAddress", GtServer.Builder::tlsListenAddress));
        s.add(Option.define("tlsVersion", STRING).yaml().defaultValue(SERVER_DEFAULTS.minTlsVersion().toString())
                .help("Minimum TLS version of -tlsAddr: tls1.2 or tls1.3.")
                .to("minTlsVersion", (GtServer.Builder b, String v) -> b.minTlsVersion(TlsVersion.parse(v))));
        s.add(Option.define("certFile", STRING).yaml()
                .help("Certificate (chain) of -tlsAddr, PEM.")
                .to("certificateFile", file(GtServer.Builder::certificateFile)));
        s.add(Option.define("keyFile", STRING).yaml()
                .help("Private key of -tlsAddr, PEM: RSA or EC, PKCS#8 or traditional.")
                .to("privateKeyFile", file(GtServer.Builder::privateKeyFile)));
        s.add(Option.define("users", STRING).yaml()
                .help("A YAML file of users, id: {secret: ..., tcp: ..., tcpNumber: ..., speed: ..., connections: "
                        + "..., host: ...}. Relative to the directory of the -config file when set there, else to "
                        + "the working directory. Its users replace the config file's users of the same id; "
                        + "-id/-secret replace both.")
                .build());
        s.add(Option.define("authAPI", STRING).yaml()
                .help("HTTP(S) endpoint that authenticates every tunnel (a JSON POST of id, secret and host "
                        + "prefixes; answered with {\"result\": true}), with -timeout as its timeout; configured "
                        + "users are then not consulted.")
                .to("authUrl", GtServer.Builder::authUrl));
        s.add(Option.define("speed", ULONG).yaml().defaultValue(SERVER_DEFAULTS.speedLimitPerClient())
                .help("Bytes per second one client id may transfer in each direction; 0 means no limit.")
                .to("speedLimitPerClient", GtServer.Builder::speedLimitPerClient));
        s.add(Option.define("reconnectTimes", UINT).yaml().defaultValue(SERVER_DEFAULTS.failedLoginsBeforeBan())
                .range(0, Integer.MAX_VALUE)
                .help("Failed logins tolerated from one IP address within -reconnectDuration; one more bans the "
                        + "address. 0 bans on the first failure.")
                .to("failedLoginsBeforeBan", GtServer.Builder::failedLoginsBeforeBan));
        s.add(Option.define("reconnectDuration", DURATION).yaml().defaultValue(SERVER_DEFAULTS.banDuration())
                .help("How long failed logins are remembered and a banned IP address stays banned; 0 turns "
                        + "banning off.")
                .to("banDuration", GtServer.Builder::banDuration));
        // hostNumber, hostRegex and hostWithID are also read from the file's host: section, whose
        // values the command line overrides (number, withID) or adds to (regex).
        s.add(Option.define("hostNumber", UINT).defaultValue(SERVER_DEFAULTS.maxHostPrefixesPerClient()).range(0, 65535)
                .help("Host prefixes one client may register; 0 means no limit.").yamlHint("host: {number: N}")
                .to("maxHostPrefixesPerClient", GtServer.Builder::maxHostPrefixesPerClient));
        s.add(Option.define("hostRegex", STRING_LIST).addsToFile()
                .help("Explicit host prefixes must match one of these regular expressions (Java syntax, "
                        + "unanchored unless the pattern anchors itself); a prefix equal to the client id is exempt. "
                        + "Added to the file's host.regex.")
                .yamlHint("host: {regex: [...]}")
                .to("hostPrefixPattern", (GtServer.Builder b, List<String> patterns) ->
                        new LinkedHashSet<>(patterns).forEach(b::hostPrefixPattern)));
        s.add(Option.define("hostWithID", BOOL)
                .help("Register explicit host prefixes as <id>-<prefix>.").yamlHint("host: {withID: true}")
                .to("prependIdToHostPrefixes", GtServer.Builder::prependIdToHostPrefixes));
        s.add(Option.define("timeoutOnUnidirectionalTraffic", BOOL).yaml().unsupported()
                .help("Time out connections whose traffic flows in one direction only.").build());
        s.addAll(stunOptions(null));
        s.add(Option.define("stunOnAddr", BOOL).yaml()
                .help("Also answer STUN and TURN over TCP on -addr, beside tunnels and HTTP visitors (needs -stunAddr).")
                .build());
        s.add(Option.define("turnCredentialsTTL", DURATION).yaml().defaultValue(java.time.Duration.ofHours(1))
                .help("Lifetime of the TURN credentials (from -turnSecret) the server hands its clients for "
                        + "peer-to-peer connections.").build());
        s.add(Option.define("stunLogLevel", STRING).yaml().unsupported().defaultText("warn")
                .help("Log level of the STUN server.").build());
        s.add(Option.define("sniAddr", STRING).yaml()
                .help("Listen address for TLS visitors routed by server name (SNI), passed through undecrypted.")
                .to("sniListenAddress", GtServer.Builder::sniListenAddress));
        s.add(Option.define("quicAddr", STRING).yaml()
                .help("QUIC listen address (UDP) for tunnels from quic:// clients: 443, :443 or 127.0.0.1:443. It "
                        + "serves the certificate of -certFile/-keyFile, or the generated one of -tlsAddr (its SHA-256 "
                        + "fingerprint logged); QUIC is TLS 1.3 whatever -tlsVersion says.")
                .to("tunnelListener", (GtServer.Builder b, String addr) -> b.tunnelListener("quic", addr)));
        s.add(Option.define("bbr", BOOL).yaml()
                .help("BBR congestion control for QUIC tunnels instead of CUBIC (it governs what the server sends "
                        + "to clients); TCP tunnels keep the system's.")
                .to("congestionControl", (GtServer.Builder b, Boolean bbr) ->
                        b.congestionControl(bbr ? CongestionControl.BBR : CongestionControl.CUBIC)));
        s.addAll(operations());
        s.addAll(commonUnsupported("restart, stop, kill"));
        SERVER = new OptionTable<>("server",
                "Runs a GT server: accepts tunnels from GT clients and forwards visitors through them, HTTP "
                        + "visitors by the Host header (id1.example.com reaches the client whose host prefix is "
                        + "id1) and raw TCP visitors by port. Example: gt server -addr 8080 -id id1 -secret secret1",
                "  options:         any option marked [also YAML], same name and value syntax (addr: 8080)\n"
                        + "  users:           id1: {secret: secret1}   (one entry per user; optional per-user\n"
                        + "                   rules tcp: [{range: a-b}], tcpNumber, speed, connections and\n"
                        + "                   host: {number, regex, withID} replace the global ones)\n"
                        + "                   users of the -users file replace these; -id/-secret replace both\n"
                        + "  tcp:             - range: 1024-65535       (added to -tcpRange)\n"
                        + "  host:            {number: 2, regex: ['^[a-z]+$'], withID: true}   (global rules;\n"
                        + "                   -hostRegex adds patterns, -hostNumber and -hostWithID win over these)\n"
                        + "  type, version:   accepted and ignored\n",
                s);

        List<Option<? super GtClient.Builder, ?>> c = new ArrayList<>();
        List<Option<? super ServiceSpec.Builder, ?>> services = new ArrayList<>();
        c.add(Option.define("id", STRING).yaml()
                .help("The client id, 1 to 200 bytes; also the host prefix of a service without -hostPrefix.")
                .to("id", GtClient.Builder::id));
        c.add(Option.define("secret", STRING).yaml().sensitive()
                .help("The secret that proves the id; a random one is generated when none is given.")
                .to("secret", GtClient.Builder::secret));
        c.add(Option.define("remote", STRING_LIST).yaml()
                .help("The server: tcp://host[:port] (port 80 by default), tls://host[:port] or quic://host[:port] "
                        + "(443 by default), or host:port; or use -remoteAPI instead. Several: the client connects to "
                        + "each; to one host over several transports it measures the paths and picks the faster "
                        + "one for new streams (-remoteProbeInterval).")
                .to("server", (GtClient.Builder b, List<String> urls) -> urls.forEach(b::server)));
        // -local starts a service (ClientOptions builds it); the per-service flags after it describe it.
        services.add(Option.define("local", STRING).perService()
                .help("A local service: http://host[:port], https://host[:port] (passed through by server name) "
                        + "or tcp://host:port. Each -local starts a service; the per-service flags after it "
                        + "describe it.")
                .build());
        services.add(Option.define("hostPrefix", STRING).perService()
                .help("The host prefix visitors use for this http/https service (prefix.example.com); default "
                        + "the client id.")
                .to("hostPrefix", ServiceSpec.Builder::hostPrefix));
        services.add(Option.define("remoteTCPPort", UINT).perService().range(0, 65535)
                .help("The server port to open for this tcp service; 0 lets the server choose.")
                .to("serverPort", ServiceSpec.Builder::serverPort));
        services.add(Option.define("remoteTCPRandom", BOOL).perService()
                .help("Let the server choose another port when -remoteTCPPort is taken (default true when no "
                        + "-remoteTCPPort is given).")
                .to("allowRandomServerPort", ServiceSpec.Builder::allowRandomServerPort));
        services.add(Option.define("useLocalAsHTTPHost", BOOL).perService()
                .help("Rewrite the Host header of the first request to the local host:port.")
                .to("rewriteHostHeader", ServiceSpec.Builder::rewriteHostHeader));
        services.add(Option.define("localTimeout", DURATION).perService()
                .defaultValue(ServiceSpec.DEFAULT_IDLE_TIMEOUT)
                .help("Idle timeout of connections to this local service; 0 disables it.")
                .to("idleTimeout", ServiceSpec.Builder::idleTimeout));
        c.add(Option.define("reconnectDelay", DURATION).yaml().defaultValue(CLIENT_DEFAULTS.reconnectDelay())
                .help("Pause before a lost tunnel is connected again.")
                .to("reconnectDelay", GtClient.Builder::reconnectDelay));
        c.add(Option.define("remoteTimeout", DURATION).yaml().defaultValue(CLIENT_DEFAULTS.serverTimeout())
                .help("A tunnel that hears nothing from the server for this long is dropped; pings go out at "
                        + "half of it. At least 1s.")
                .to("serverTimeout", GtClient.Builder::serverTimeout));
        c.add(Option.define("remoteConnections", UINT).yaml().defaultValue(CLIENT_DEFAULTS.maxTunnels())
                .range(1, 10)
                .help("Most tunnel connections per server, 1 to 10.")
                .to("maxTunnels", GtClient.Builder::maxTunnels));
        c.add(Option.define("remoteIdleConnections", UINT).yaml()
                .defaultValue(CLIENT_DEFAULTS.idleTunnels()).range(1, 10)
                .help("Tunnel connections kept open without load, 1 to -remoteConnections.")
                .to("idleTunnels", GtClient.Builder::idleTunnels));
        c.add(workerThreads(GtClient.Builder::workerThreads));
        c.add(LOG_LEVEL);
        c.add(JIT);
        c.add(config("client.yaml"));
        c.add(VERSION);
        c.add(HELP);

        c.add(Option.define("remoteProbeInterval", DURATION).yaml().defaultValue(CLIENT_DEFAULTS.pathProbeInterval())
                .help("With several -remote URLs of one host over different transports (tcp:// and quic://): how "
                        + "often each path is measured on its live tunnel (round trip, loss, a throughput probe) to "
                        + "pick the faster one for new streams; 0 turns it off (GT for Java's own option).")
                .to("pathProbeInterval", GtClient.Builder::pathProbeInterval));
        c.add(Option.define("bbr", BOOL).yaml()
                .help("BBR congestion control for quic:// tunnels instead of CUBIC (it governs what the client sends: "
                        + "its services' answers); TCP tunnels keep the system's.")
                .to("congestionControl", (GtClient.Builder b, Boolean bbr) ->
                        b.congestionControl(bbr ? CongestionControl.BBR : CongestionControl.CUBIC)));
        c.add(Option.define("remoteSTUN", STRING_LIST).yaml()
                .help("STUN server that tells the client its public address for peer-to-peer connections "
                        + "(stun:host:3478); the first one answering counts.").build());
        c.add(Option.define("remoteAPI", STRING).yaml()
                .help("HTTP(S) endpoint that returns the server address (GET <url>?network_client_id=<id>, answered "
                        + "with {\"serverAddress\": \"tcp://host:port\"}); asked again before every connection "
                        + "attempt. Instead of -remote.")
                .to("serverLookupUrl", GtClient.Builder::serverLookupUrl));
        c.add(Option.define("remoteCert", STRING).yaml()
                .help("CA certificates (PEM) that verify tls:// and quic:// servers (default: the system trust "
                        + "store).")
                .to("trustedCertificates", file(GtClient.Builder::trustedCertificates)));
        c.add(Option.define("remoteCertInsecure", BOOL).yaml()
                .help("Accept any server certificate: insecure, warned on every connect; prefer "
                        + "-remoteCertFingerprint.")
                .to("trustAnyCertificate", GtClient.Builder::trustAnyCertificate));
        c.add(Option.define("remoteCertFingerprint", STRING).yaml()
                .help("Trust exactly the tls:// or quic:// server certificate with this SHA-256 fingerprint (GT "
                        + "for Java's own option; the server logs it for its generated certificate).")
                .to("pinnedCertificateSha256", (GtClient.Builder b, String pin) -> {
                    if (!pin.isEmpty()) {
                        b.pinnedCertificateSha256(pin);
                    }
                }));
        c.add(Option.define("webrtcConnectionIdleTimeout", DURATION).yaml().unsupported().defaultText("5m")
                .help("Close an idle peer-to-peer connection after this long.").build());
        c.add(Option.define("webrtcConnections", ULONG).yaml().unsupported().defaultText("30")
                .help("Most concurrent peer-to-peer connections, 1 to 50.").build());
        c.add(Option.define("webrtcLogLevel", STRING).yaml().unsupported().defaultText("warning")
                .help("WebRTC log level: verbose, info, warning, error.").build());
        c.add(Option.define("webrtcMinPort", UINT).yaml().unsupported().range(0, 65535)
                .help("Lowest UDP port for peer-to-peer connections.").build());
        c.add(Option.define("webrtcMaxPort", UINT).yaml().unsupported().range(0, 65535)
                .help("Highest UDP port for peer-to-peer connections.").build());
        c.add(Option.define("webrtcThreadMode", BOOL).yaml().unsupported()
                .help("Run WebRTC in this process rather than in a child process.").build());
        c.add(Option.define("tcpForwardAddr", STRING).yaml().unsupported()
                .help("Local listen address of the peer-to-peer TCP forwarder.").build());
        c.add(Option.define("tcpForwardHostPrefix", STRING).yaml().unsupported()
                .help("Host prefix of the peer client the TCP forwarder reaches.").build());
        c.add(Option.define("tcpForwardConnections", ULONG).yaml().unsupported().defaultText("3")
                .help("Peer connections the TCP forwarder prepares, 1 to 10.").build());
        c.addAll(operations());
        c.addAll(commonUnsupported("reload, restart, stop, kill"));
        CLIENT = new OptionTable<>("client",
                "Runs a GT client: keeps tunnels open to a GT server and connects every visitor the server "
                        + "forwards to a local service. Example: gt client -id id1 -secret secret1 "
                        + "-remote tcp://id1.example.com:8080 -local http://127.0.0.1:80",
                "  options:         any option marked [also YAML], same name and value syntax (id: id1)\n"
                        + "  services:        - local: http://127.0.0.1:80\n"
                        + "                     hostPrefix: blog        (any per-service option)\n"
                        + "                   services from the command line come first, then these\n"
                        + "  type, version:   accepted and ignored\n",
                c, services);
    }

    /** GT's own tables, to tell a user who gave a client option to the server (and vice versa). */
    static List<OptionTable<?>> builtins() {
        return List.of(SERVER, CLIENT);
    }

    /**
     * The library's setting names in {@code message} said as the runner's flags
     * ({@code maxTcpPortsPerClient} → {@code -tcpNumber}), for the lines the library logs: it names
     * its settings as a library user knows them, a runner user knows the flags. Only mixed-case
     * names are replaced (a lower-case one such as {@code secret} is an ordinary word too).
     */
    public static String flagNamesIn(String message) {
        if (message == null || message.isEmpty()) {
            return message;
        }
        Matcher m = LibrarySettings.PATTERN.matcher(message);
        if (!m.find()) {
            return message;
        }
        StringBuilder out = new StringBuilder(message.length() + 16);
        do {
            m.appendReplacement(out, Matcher.quoteReplacement(LibrarySettings.FLAGS.get(m.group(1))));
        } while (m.find());
        m.appendTail(out);
        return out.toString();
    }

    /** Built on first use, after both tables. */
    private static final class LibrarySettings {
        static final Map<String, String> FLAGS = new HashMap<>();
        static final Pattern PATTERN;

        static {
            for (OptionTable<?> t : builtins()) {
                for (Map.Entry<String, Option<?, ?>> e : t.bySetting.entrySet()) {
                    String setting = e.getKey();
                    if (!setting.equals(setting.toLowerCase(Locale.ROOT)) && !e.getValue().perService()) {
                        FLAGS.putIfAbsent(setting, "-" + e.getValue().name());
                    }
                }
            }
            List<String> names = new ArrayList<>(FLAGS.keySet());
            // Longest first, so that a name never matches the start of a longer one.
            names.sort((a, b) -> b.length() - a.length());
            StringBuilder alt = new StringBuilder();
            for (String n : names) {
                alt.append(alt.length() == 0 ? "" : "|").append(Pattern.quote(n));
            }
            PATTERN = Pattern.compile("(?<![A-Za-z0-9_.-])(" + alt + ")(?![A-Za-z0-9_])");
        }
    }
}

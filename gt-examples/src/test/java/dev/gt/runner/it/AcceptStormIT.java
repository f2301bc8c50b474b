package dev.gt.runner.it;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * A server out of file descriptors ({@code ulimit -n 200}, 300 visitors connected and silent: the
 * kernel completes their handshakes into the backlog whether or not the server can accept them)
 * logs one line a second instead of a stack trace per failed accept, really pauses accepting (the
 * failure counts in those lines stay small), and serves again once the visitors are gone. On the
 * default transport (epoll), io_uring and NIO. The server's CPU time during
 * the storm is printed, not asserted (bench/accept-storm.py measures it against other builds).
 */
class AcceptStormIT extends AcceptanceBase {
    private static final Pattern CANNOT_ACCEPT = Pattern.compile("cannot accept connections on");
    private static final Pattern STACK_FRAME = Pattern.compile("(?m)^\\s+at \\S+\\(");
    private static final Pattern FAILURES = Pattern.compile("\\((\\d+) failures in the last second\\)");
    /** Accepts paused for 50 ms at least after each failure: at most 20 failures a second, with room. */
    private static final int MOST_FAILURES_PER_SECOND = 25;
    private static final int FD_LIMIT = 200;
    private static final int VISITORS = 300;

    @ParameterizedTest(name = "I/O engine {0}")
    @ValueSource(strings = {"default", "io_uring", "nio"})
    @Timeout(value = 120, unit = TimeUnit.SECONDS)
    void aServerOutOfDescriptorsLogsOneLineASecondAndRecovers(String transport) throws IOException {
        List<String> jvm = transport.equals("default") ? List.of() : List.of("-Dgt.ioEngine=" + transport);
        int p = Ports.free();
        GtProcess server = closeLater(GtProcess.gtWithFdLimit(dir, "server", FD_LIMIT, jvm, "server",
                "-addr", "127.0.0.1:" + p, "-id", "id1", "-secret", "secret1"));
        server.awaitLine("GT server listening on", START);
        if (!transport.equals("default")) {
            server.awaitLine("using the " + transport + " I/O engine", START);
        }

        List<Socket> visitors = new ArrayList<>();
        long cpuBefore = cpuTicks(server.pid());
        long begin = System.nanoTime();
        try {
            for (int i = 0; i < VISITORS; i++) {
                Socket s = new Socket();
                visitors.add(s);
                s.connect(new InetSocketAddress("127.0.0.1", p), 5000);
            }
            // Three lines a second apart: the storm has lasted two seconds at least.
            server.awaitMatches(CANNOT_ACCEPT, 3, Duration.ofSeconds(30));
            double seconds = (System.nanoTime() - begin) / 1e9;
            int lines = server.count(CANNOT_ACCEPT);
            double cpu = (cpuTicks(server.pid()) - cpuBefore) / 100.0;
            System.out.printf("transport %s: %d 'cannot accept' lines in %.1f s of storm, server CPU %.2f s%n",
                    transport, lines, seconds, cpu);
            assertTrue(lines <= seconds + 2, lines + " lines in " + seconds + " s:\n" + server.describe());
            assertEquals(0, server.count(STACK_FRAME), "a stack trace in the log:\n" + server.describe());
        } finally {
            for (Socket s : visitors) {
                try {
                    s.close();
                } catch (IOException e) {
                    // Closing is all that matters here.
                }
            }
        }

        // The descriptors come back (the visitors' EOFs close their connections) and so do accepts.
        await("an answer from the server once the visitors left").atMost(Duration.ofSeconds(30))
                .pollInterval(Duration.ofMillis(250))
                .until(() -> curl("-s", "-o", "/dev/null", "-w", "%{http_code}", "-H", "Host: nobody.example.com",
                        "http://127.0.0.1:" + p + "/").stdout().equals("404"));
        assertEquals(0, server.count(STACK_FRAME), "a stack trace in the log:\n" + server.describe());

        // Paused means paused: failed accepts are not retried in a tight loop (the log says how many).
        java.util.regex.Matcher m = FAILURES.matcher(server.output());
        while (m.find()) {
            assertTrue(Integer.parseInt(m.group(1)) <= MOST_FAILURES_PER_SECOND, "accepts are retried in a tight loop "
                    + "while the server is out of descriptors (" + m.group() + "):\n" + server.describe());
        }
    }

    /** utime + stime of {@code pid}, in clock ticks (1/100 s), from /proc/PID/stat. */
    static long cpuTicks(long pid) {
        try {
            String stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
            // Fields after the command name in parentheses (which may contain spaces).
            String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
            return Long.parseLong(f[11]) + Long.parseLong(f[12]);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}

package dev.gt.core.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.gt.api.ClientState;
import dev.gt.api.ServiceSpec;
import dev.gt.core.GtServer;
import dev.gt.core.User;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * {@code speed}: a user's bytes per second in each direction, measured over multi-second
 * transfers (GT's TestSpeedLimit, with a tolerance instead of whole seconds), while another user
 * on the same server keeps full speed, and between two streams of the limited user.
 */
@Timeout(90)
class SpeedLimitTest {
    private static final long RATE = 1024 * 1024;
    private static final long SIZE = 4 * RATE;
    private static final long FAST_SIZE = 32 * RATE;

    private static GtServer server;
    private static SourceServer source;
    private static SourceServer fastSource;
    private static HashServer hash;
    private static Attempt slow;
    private static Attempt fast;

    @BeforeAll
    static void start() throws Exception {
        source = new SourceServer(SIZE);
        fastSource = new SourceServer(FAST_SIZE);
        hash = new HashServer();
        int base = FreePorts.block(20);
        server = GtServer.builder().listenAddress("127.0.0.1:0").tcpBindAddress("127.0.0.1").tcpPortRange(base + "-" + (base + 19))
                .user("slow", User.builder("s1").speedLimit(RATE).build()).user("fast", "s2").build();
        server.start().get(10, TimeUnit.SECONDS);
        slow = Attempt.connect(server, "slow", "s1", List.of(
                ServiceSpec.local(source.url()).allowRandomServerPort(true).build(),
                ServiceSpec.local(hash.url()).allowRandomServerPort(true).build())).ready();
        fast = Attempt.connect(server, "fast", "s2", List.of(
                ServiceSpec.local(fastSource.url()).allowRandomServerPort(true).build())).ready();
    }

    @AfterAll
    static void stop() {
        for (AutoCloseable c : new AutoCloseable[] {slow, fast, server, source, fastSource, hash}) {
            try {
                if (c != null) {
                    c.close();
                }
            } catch (Exception e) {
                // closing what is left
            }
        }
    }

    private static int port(Attempt a, int index) {
        for (ClientState.RegisteredService s : a.client.state().services()) {
            if (s.index() == index) {
                return s.tcpPort();
            }
        }
        throw new AssertionError("no service " + index);
    }

    /** Reads a source's pattern to EOF; returns bytes per second. */
    private static double download(int port, long size) throws Exception {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress("127.0.0.1", port));
            long t0 = System.nanoTime();
            long n = Data.readPattern(s.getInputStream(), Long.MAX_VALUE);
            long t = System.nanoTime() - t0;
            assertEquals(size, n);
            return n * 1e9 / t;
        }
    }

    private static void assertNear(double expected, double measured, String what) {
        double ratio = measured / expected;
        assertTrue(ratio > 0.85 && ratio < 1.15, String.format("%s: %.0f B/s measured, %.0f B/s set (%.2fx)", what,
                measured, expected, ratio));
    }

    @Test
    void clientToVisitorIsLimitedWhileAnotherUserKeepsFullSpeed() throws Exception {
        CompletableFuture<Double> other = CompletableFuture.supplyAsync(() -> {
            try {
                return download(port(fast, 0), FAST_SIZE);
            } catch (Exception e) {
                throw new RuntimeException(e);
            }
        });
        double rate = download(port(slow, 0), SIZE);
        assertNear(RATE, rate, "client to visitor");
        double otherRate = other.get(60, TimeUnit.SECONDS);
        assertTrue(otherRate > 5 * RATE, "the unlimited user got only " + otherRate + " B/s");
    }

    @Test
    void visitorToClientIsLimited() throws Exception {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress("127.0.0.1", port(slow, 1)));
            long t0 = System.nanoTime();
            String sent = Data.writeRandom(s.getOutputStream(), SIZE, 7);
            s.shutdownOutput();
            String got = new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.US_ASCII))
                    .readLine();
            long t = System.nanoTime() - t0;
            assertEquals(sent, got);
            assertNear(RATE, SIZE * 1e9 / t, "visitor to client");
        }
    }

    @Test
    void twoStreamsOfTheLimitedUserShareTheRate() throws Exception {
        CompletableFuture<Double> a = CompletableFuture.supplyAsync(() -> {
            try {
                return download(port(slow, 0), SIZE);
            } catch (Exception e) {
                throw new RuntimeException(e);
            }
        });
        double b = download(port(slow, 0), SIZE);
        double first = a.get(60, TimeUnit.SECONDS);
        // Both run for nearly the whole time at about half the rate each.
        assertNear(RATE / 2.0, Math.min(first, b), "the slower of two streams");
        assertNear(RATE / 2.0, Math.max(first, b), "the faster of two streams");
    }
}

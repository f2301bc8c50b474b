package dev.gt.runner.it;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.concurrent.ThreadLocalRandom;

/** Free ports for the processes of a test; never fixed well-known ones. */
public final class Ports {
    /*
     * Consecutive ranges are taken below Linux's default ephemeral range (32768-60999), where
     * ServerSocket(0) and outgoing connections take their ports, so they do not collide with those.
     */
    private static final int RANGE_LOW = 20_000;
    private static final int RANGE_HIGH = 32_000;

    private Ports() {
    }

    /** A port that was free a moment ago (the kernel's choice for a bind on port 0). */
    public static int free() {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The first port of {@code count} consecutive ports that are all free now. */
    public static int freeRange(int count) {
        ThreadLocalRandom rnd = ThreadLocalRandom.current();
        for (int attempt = 0; attempt < 200; attempt++) {
            int base = RANGE_LOW + rnd.nextInt(RANGE_HIGH - RANGE_LOW - count);
            boolean all = true;
            for (int p = base; p < base + count && all; p++) {
                all = isFree(p);
            }
            if (all) {
                return base;
            }
        }
        throw new IllegalStateException("no " + count + " consecutive free ports in " + RANGE_LOW + "-" + RANGE_HIGH);
    }

    /** Whether a listener could be bound on {@code port} of every address now. */
    public static boolean isFree(int port) {
        try (ServerSocket s = new ServerSocket()) {
            s.setReuseAddress(false);
            s.bind(new InetSocketAddress(port));
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    /** Whether a TCP connect to 127.0.0.1:{@code port} succeeds (false when refused). */
    public static boolean accepts(int port) {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress("127.0.0.1", port), 2_000);
            return true;
        } catch (IOException e) {
            return false;
        }
    }
}

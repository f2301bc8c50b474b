package dev.gt.core.it;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Finds ports for {@code -tcpRange}: below the kernel's ephemeral range (so outgoing connections
 * do not take them meanwhile), at a random place (so parallel builds rarely collide), and
 * checked free by binding them.
 */
final class FreePorts {
    private static final int LOW = 20_000;
    private static final int HIGH = 32_000;

    /**
     * Ports handed out in this JVM: a test that asks for two blocks must not get overlapping ones
     * (both are free when checked, since nothing binds them until the server starts).
     */
    private static final java.util.BitSet HANDED_OUT = new java.util.BitSet();

    private FreePorts() {
    }

    /** The first port of {@code count} consecutive ports that are all free on 127.0.0.1. */
    static synchronized int block(int count) {
        for (int attempt = 0; attempt < 200; attempt++) {
            int base = ThreadLocalRandom.current().nextInt(LOW, HIGH - count);
            boolean free = HANDED_OUT.nextSetBit(base) < 0 || HANDED_OUT.nextSetBit(base) >= base + count;
            for (int p = base; p < base + count && free; p++) {
                free = canBind(p);
            }
            if (free) {
                HANDED_OUT.set(base, base + count);
                return base;
            }
        }
        throw new IllegalStateException("no block of " + count + " free ports between " + LOW + " and " + HIGH);
    }

    /** Whether 127.0.0.1:{@code port} can be bound right now. */
    static boolean canBind(int port) {
        try (ServerSocket s = new ServerSocket()) {
            s.setReuseAddress(true);
            s.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), port));
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    /** A port nothing listens on (bound once, then released). */
    static int closedPort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }
}

package dev.gt.p2p;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.gt.p2p.internal.Stun;
import dev.gt.p2p.internal.StunEncoder;
import dev.gt.p2p.internal.StunParser;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import java.util.zip.CRC32;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.Timeout;

/** The client-side query: answers, retransmissions, timeouts, error responses and URIs. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@Timeout(30)
class StunClientTest {
    private StunServer server;
    private StunClient client;

    @BeforeAll
    void start() {
        server = StunServer.builder().listenAddress("127.0.0.1:0").build();
        server.start().join();
        client = StunClient.builder().rto(Duration.ofMillis(50)).timeout(Duration.ofSeconds(5)).build();
    }

    @AfterAll
    void stop() {
        client.close();
        server.close();
    }

    @Test
    void reflexiveAddressOfTheQueryingSocket() throws Exception {
        InetSocketAddress local;
        try (DatagramSocket probe = new DatagramSocket(new InetSocketAddress("127.0.0.1", 0))) {
            local = (InetSocketAddress) probe.getLocalSocketAddress();
        }
        InetSocketAddress mapped = client.query(server.udpAddresses().get(0), local).get(10, TimeUnit.SECONDS);
        assertEquals(local, mapped);
    }

    @Test
    void queryByUri() throws Exception {
        InetSocketAddress mapped = client.query("stun:127.0.0.1:" + server.port()).get(10, TimeUnit.SECONDS);
        assertEquals("127.0.0.1", mapped.getAddress().getHostAddress());
        assertTrue(mapped.getPort() > 0);
        InetSocketAddress byName = client.query("stun:localhost:" + server.port()).get(10, TimeUnit.SECONDS);
        assertTrue(byName.getAddress().isLoopbackAddress());
    }

    /**
     * A caller that opens a blocking socket in the callback of the answer (which runs on the client's
     * event loop) must not get the fd number of the query's socket while Netty's read loop still
     * reads it: with the socket closed inside channelRead, the loop's next recvmsg blocked on the
     * caller's socket for ever, and close() never returned.
     */
    @Test
    void aSocketOpenedInTheAnswersCallbackDoesNotStallTheClient() throws Exception {
        StunClient own = StunClient.builder().rto(Duration.ofMillis(50)).timeout(Duration.ofSeconds(5)).build();
        List<DatagramSocket> opened = new CopyOnWriteArrayList<>();
        try {
            for (int i = 0; i < 20; i++) {
                InetSocketAddress mapped = own.query(server.udpAddresses().get(0)).thenApply(a -> {
                    try {
                        opened.add(new DatagramSocket(new InetSocketAddress("127.0.0.1", 0)));
                    } catch (java.net.SocketException e) {
                        throw new java.io.UncheckedIOException(e);
                    }
                    return a;
                }).get(10, TimeUnit.SECONDS);
                assertTrue(mapped.getPort() > 0);
            }
            // A stalled loop would not run this query at all.
            assertTrue(own.query(server.udpAddresses().get(0)).get(10, TimeUnit.SECONDS).getPort() > 0);
            CompletableFuture<Void> closed = CompletableFuture.runAsync(own::close);
            closed.get(10, TimeUnit.SECONDS);
        } finally {
            opened.forEach(DatagramSocket::close);
        }
    }

    /** A UDP socket that answers with {@code answer} (or not, when it returns null), counting requests. */
    private static final class FakeServer implements AutoCloseable {
        final DatagramSocket socket;
        final AtomicInteger requests = new AtomicInteger();
        final Thread thread;

        FakeServer(Function<byte[], byte[]> answer) throws Exception {
            socket = new DatagramSocket(new InetSocketAddress("127.0.0.1", 0));
            thread = new Thread(() -> {
                byte[] buf = new byte[2048];
                while (!socket.isClosed()) {
                    try {
                        DatagramPacket p = new DatagramPacket(buf, buf.length);
                        socket.receive(p);
                        requests.incrementAndGet();
                        byte[] out = answer.apply(Arrays.copyOf(p.getData(), p.getLength()));
                        if (out != null) {
                            socket.send(new DatagramPacket(out, out.length, p.getSocketAddress()));
                        }
                    } catch (java.io.IOException e) {
                        return; // closed
                    }
                }
            }, "fake-stun");
            thread.start();
        }

        InetSocketAddress address() {
            return (InetSocketAddress) socket.getLocalSocketAddress();
        }

        @Override
        public void close() {
            socket.close();
            try {
                thread.join(5000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    private static byte[] errorAnswer(byte[] request, int code) {
        ByteBuf req = Unpooled.wrappedBuffer(request);
        ByteBuf out = Unpooled.buffer();
        int s = StunEncoder.begin(out, Stun.type(Stun.BINDING, Stun.ERROR), req, 0);
        StunEncoder.errorCode(out, code, "Try Elsewhere");
        StunEncoder.fingerprint(out, s, new CRC32());
        return ByteBufUtil.getBytes(out);
    }

    private static byte[] mappedAnswer(byte[] request, InetSocketAddress mapped) {
        ByteBuf req = Unpooled.wrappedBuffer(request);
        ByteBuf out = Unpooled.buffer();
        int s = StunEncoder.begin(out, Stun.type(Stun.BINDING, Stun.SUCCESS), req, 0);
        StunEncoder.xorAddress(out, s, Stun.XOR_MAPPED_ADDRESS, mapped);
        StunEncoder.fingerprint(out, s, new CRC32());
        return ByteBufUtil.getBytes(out);
    }

    @Test
    void retransmitsUntilAnswered() throws Exception {
        InetSocketAddress fakeMapped = new InetSocketAddress("203.0.113.7", 4242);
        // Answer only the third copy of the request.
        AtomicInteger seen = new AtomicInteger();
        try (FakeServer fake = new FakeServer(req -> seen.incrementAndGet() < 3 ? null : mappedAnswer(req, fakeMapped))) {
            assertEquals(fakeMapped, client.query(fake.address()).get(10, TimeUnit.SECONDS));
            assertEquals(3, fake.requests.get());
        }
    }

    @Test
    void givesUpAfterMaxRequestsAndTheLastWait() throws Exception {
        try (StunClient quick = StunClient.builder().rto(Duration.ofMillis(10)).maxRequests(3).build();
                FakeServer silent = new FakeServer(req -> null)) {
            ExecutionException e = assertThrows(ExecutionException.class,
                    () -> quick.query(silent.address()).get(10, TimeUnit.SECONDS));
            StunException s = assertInstanceOf(StunException.class, e.getCause());
            assertTrue(s.isTimeout());
            assertTrue(s.getMessage().contains("3 requests"), s.getMessage());
            org.awaitility.Awaitility.await().until(() -> silent.requests.get() == 3);
        }
    }

    @Test
    void timeoutCutsTheScheduleShort() throws Exception {
        try (StunClient quick = StunClient.builder().rto(Duration.ofSeconds(1)).timeout(Duration.ofMillis(200))
                .build(); FakeServer silent = new FakeServer(req -> null)) {
            long t0 = System.nanoTime();
            ExecutionException e = assertThrows(ExecutionException.class,
                    () -> quick.query(silent.address()).get(10, TimeUnit.SECONDS));
            assertTrue(((StunException) e.getCause()).isTimeout());
            assertTrue(System.nanoTime() - t0 < TimeUnit.SECONDS.toNanos(5));
        }
    }

    @Test
    void errorResponseFailsWithItsCode() throws Exception {
        try (FakeServer fake = new FakeServer(req -> errorAnswer(req, 420))) {
            ExecutionException e = assertThrows(ExecutionException.class,
                    () -> client.query(fake.address()).get(10, TimeUnit.SECONDS));
            StunException s = assertInstanceOf(StunException.class, e.getCause());
            assertEquals(420, s.errorCode());
            assertTrue(s.getMessage().contains("Try Elsewhere"), s.getMessage());
        }
    }

    @Test
    void answersToOtherTransactionsAreIgnored() throws Exception {
        InetSocketAddress fakeMapped = new InetSocketAddress("198.51.100.1", 1);
        AtomicInteger n = new AtomicInteger();
        try (FakeServer fake = new FakeServer(req -> {
            byte[] wrongId = req.clone();
            wrongId[10] ^= 1;
            return n.incrementAndGet() == 1 ? mappedAnswer(wrongId, fakeMapped) : mappedAnswer(req, fakeMapped);
        })) {
            assertEquals(fakeMapped, client.query(fake.address()).get(10, TimeUnit.SECONDS));
            assertTrue(fake.requests.get() >= 2, "the wrong answer did not end the transaction");
        }
    }

    @Test
    void requestsCarryAFingerprint() throws Exception {
        byte[][] got = new byte[1][];
        try (FakeServer fake = new FakeServer(req -> {
            got[0] = req;
            return mappedAnswer(req, new InetSocketAddress("192.0.2.9", 9));
        })) {
            client.query(fake.address()).get(10, TimeUnit.SECONDS);
        }
        StunParser p = new StunParser();
        assertTrue(p.parse(Unpooled.wrappedBuffer(got[0])));
        assertTrue(p.hasCookie() && p.hasFingerprint() && p.fingerprintValid(new CRC32()));
    }

    @Test
    void uris() {
        assertEquals(new StunUri("stun.example.org", 3478), StunUri.parse("stun:stun.example.org"));
        assertEquals(new StunUri("10.0.0.1", 19302), StunUri.parse("stun:10.0.0.1:19302"));
        assertEquals(new StunUri("2001:db8::1", 3478), StunUri.parse("stun:[2001:db8::1]"));
        assertEquals(new StunUri("::1", 5000), StunUri.parse("STUN:[::1]:5000"));
        assertEquals("stun:[::1]:5000", StunUri.parse("stun:[::1]:5000").toString());
        for (String bad : new String[] {"stuns:host", "turn:host", "host:3478", "stun:", "stun:host:0",
                "stun:host:99999", "stun:host:x", "stun:2001:db8::1", "stun:[::1", "stun:[::1]x"}) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> StunUri.parse(bad), bad);
            assertTrue(e.getMessage().contains("expected stun:host"), e.getMessage());
        }
        ExecutionException e = assertThrows(ExecutionException.class,
                () -> client.query("stuns:x").get(5, TimeUnit.SECONDS));
        assertInstanceOf(IllegalArgumentException.class, e.getCause());
    }
}

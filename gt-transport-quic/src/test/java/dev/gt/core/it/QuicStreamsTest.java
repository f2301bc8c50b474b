package dev.gt.core.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.gt.api.GtErrorCode;
import dev.gt.core.GtServer;
import dev.gt.core.internal.proto.Protocol;
import dev.gt.transport.tcp.EpollEngineProvider;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.Timeout;

/**
 * QUIC streams on the wire, against a client played byte by byte: every visitor stream is a QUIC
 * stream the server opens with an OPEN frame; the answer (ACCEPT, or RESET and FIN) comes first
 * on it; resets travel as RESET_STREAM carrying the GT code; an unanswered open is a 504; a
 * connection that opens no control stream, or sends no hello on it, is closed within the
 * handshake timeout.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@Timeout(60)
class QuicStreamsTest {
    private GtServer server;
    private int tcpPort;

    @BeforeAll
    void startServer() throws Exception {
        tcpPort = FreePorts.block(1);
        server = GtServer.builder().listenAddress("127.0.0.1:0").tunnelListener("quic", "127.0.0.1:0")
                .user(GtPair.ID, GtPair.SECRET).tcpPortRange(tcpPort + "-" + tcpPort).tcpBindAddress("127.0.0.1")
                .streamOpenTimeout(Duration.ofSeconds(1)).handshakeTimeout(Duration.ofSeconds(1))
                .ioEngine(new EpollEngineProvider()).build();
        server.start().get(10, TimeUnit.SECONDS);
    }

    /** The next test starts with no tunnel of this one left (a visitor would be routed to it). */
    @AfterEach
    void awaitNoTunnel() {
        org.awaitility.Awaitility.await("the server ends the tunnels of the test").atMost(Duration.ofSeconds(10))
                .until(() -> server.state().clients().stream().allMatch(c -> c.tunnels().isEmpty()));
    }

    @AfterAll
    void stopServer() {
        server.close();
    }

    private RawQuicTunnel login() throws Exception {
        RawQuicTunnel t = RawQuicTunnel.connect(server.tunnelListenAddress("quic"));
        t.login(GtPair.ID, GtPair.SECRET, List.of(RawTunnel.http(), RawTunnel.tcp(tcpPort)));
        return t;
    }

    /** Reads the OPEN frame a server stream starts with; returns its stream id. */
    private static int readOpen(RawQuicTunnel.ServerStream s, int service) throws IOException {
        RawTunnel.Frame open = RawTunnel.readFrame(s.in().stream());
        assertEquals(Protocol.TYPE_OPEN, open.type(), open.toString());
        assertTrue(open.stream() > 0 && (open.stream() & 1) == 1, "an odd stream id: " + open);
        assertEquals(service, ByteBuffer.wrap(open.payload()).getShort() & 0xFFFF, "service index");
        return open.stream();
    }

    private static byte[] resetFrame(int stream, GtErrorCode code, String message) {
        byte[] m = message.getBytes(StandardCharsets.UTF_8);
        return RawTunnel.frame(Protocol.TYPE_RESET, 0, stream,
                ByteBuffer.allocate(2 + m.length).putShort((short) code.code()).put(m).array());
    }

    @Test
    void anUnansweredOpenGivesTheVisitor504AndResetsTheStreamWithTimeout() throws Exception {
        try (RawQuicTunnel t = login()) {
            java.util.concurrent.CompletableFuture<RawHttp.Response> visitor = java.util.concurrent.CompletableFuture
                    .supplyAsync(() -> {
                        try {
                            return RawHttp.get(server.listenAddress(), "id1.example.com", "/slow");
                        } catch (IOException e) {
                            throw new java.io.UncheckedIOException(e);
                        }
                    });
            RawQuicTunnel.ServerStream s = t.awaitStream();
            readOpen(s, 0);
            // The sniffed request head follows the OPEN frame as raw bytes.
            byte[] head = new byte[14];
            new DataInputStream(s.in().stream()).readFully(head);
            assertEquals("GET /slow HTTP", new String(head, StandardCharsets.US_ASCII));
            assertEquals(504, visitor.get(10, TimeUnit.SECONDS).status());
            IOException reset = assertThrows(IOException.class, () -> s.in().stream().readAllBytes());
            assertEquals(GtErrorCode.TIMEOUT.code(), s.in().resetCode(), reset.toString());
        }
    }

    @Test
    void aResetAnswerGivesTheVisitor502() throws Exception {
        try (RawQuicTunnel t = login()) {
            java.util.concurrent.CompletableFuture<RawHttp.Response> visitor = java.util.concurrent.CompletableFuture
                    .supplyAsync(() -> {
                        try {
                            return RawHttp.get(server.listenAddress(), "id1.example.com", "/down");
                        } catch (IOException e) {
                            throw new java.io.UncheckedIOException(e);
                        }
                    });
            RawQuicTunnel.ServerStream s = t.awaitStream();
            int id = readOpen(s, 0);
            s.write(resetFrame(id, GtErrorCode.DIAL_FAILED, "connection refused"));
            s.channel().shutdownOutput().syncUninterruptibly();
            RawHttp.Response r = visitor.get(10, TimeUnit.SECONDS);
            assertEquals(502, r.status(), r.head());
            assertTrue(!r.text().contains("connection refused"), "the client's message stays in the logs: " + r.text());
        }
    }

    @Test
    void anAcceptedStreamCarriesBytesBothWaysAndHalfClosesWithFin() throws Exception {
        try (RawQuicTunnel t = login(); Socket visitor = new Socket("127.0.0.1", tcpPort)) {
            RawQuicTunnel.ServerStream s = t.awaitStream();
            int id = readOpen(s, 1);
            s.write(RawTunnel.frame(Protocol.TYPE_ACCEPT, 0, id, new byte[0]));
            s.write("hello, visitor".getBytes(StandardCharsets.US_ASCII));
            s.channel().shutdownOutput().syncUninterruptibly();
            assertEquals("hello, visitor", new String(visitor.getInputStream().readAllBytes(), StandardCharsets.US_ASCII),
                    "FIN ends the visitor's input after the bytes");
            OutputStream out = visitor.getOutputStream();
            out.write("bye".getBytes(StandardCharsets.US_ASCII));
            visitor.shutdownOutput();
            assertEquals("bye", new String(s.in().stream().readAllBytes(), StandardCharsets.US_ASCII));
        }
    }

    /** A stream the raw client accepted, and its id. */
    private record Accepted(RawQuicTunnel.ServerStream stream, int id) {
    }

    /**
     * Accepts the stream the server opens for {@code visitor} (of the TCP service) and sends
     * {@code bytes} bytes on it, which the visitor must read.
     */
    private static Accepted acceptAndRelay(RawQuicTunnel t, Socket visitor, int bytes) throws Exception {
        visitor.setSoTimeout(10_000);
        RawQuicTunnel.ServerStream s = t.awaitStream();
        int id = readOpen(s, 1);
        s.write(RawTunnel.frame(Protocol.TYPE_ACCEPT, 0, id, new byte[0]));
        s.write(new byte[bytes]);
        assertEquals(bytes, visitor.getInputStream().readNBytes(bytes).length);
        return new Accepted(s, id);
    }

    /** The visitor's connection ends with a TCP reset, not an EOF. */
    private static void assertReset(InputStream visitor) {
        assertThrows(SocketException.class, () -> {
            while (visitor.read() >= 0) {
                // nothing more is expected
            }
        }, "the visitor's connection is reset, not ended");
    }

    private static byte[] finalSizeFrame(int stream, long size) {
        return RawTunnel.frame(Protocol.TYPE_FINAL_SIZE, 0, stream, ByteBuffer.allocate(8).putLong(size).array());
    }

    /**
     * The QUIC library may drop a FIN sent without data (quiche issue 2525); FINAL_SIZE on the
     * control stream ends the stream instead, once the bytes before it have arrived, and the server
     * sends its own after its FIN.
     */
    @Test
    void aFinalSizeOnTheControlStreamEndsAStreamWhoseFinNeverComes() throws Exception {
        try (RawQuicTunnel t = login(); Socket visitor = new Socket("127.0.0.1", tcpPort)) {
            visitor.setSoTimeout(10_000);
            RawQuicTunnel.ServerStream s = t.awaitStream();
            int id = readOpen(s, 1);
            s.write(RawTunnel.frame(Protocol.TYPE_ACCEPT, 0, id, new byte[0]));
            // Before the bytes it counts: the end waits for them.
            t.writeControl(finalSizeFrame(id, 14));
            s.write("hello, ".getBytes(StandardCharsets.US_ASCII));
            s.write("visitor".getBytes(StandardCharsets.US_ASCII));
            assertEquals("hello, visitor", new String(visitor.getInputStream().readAllBytes(),
                    StandardCharsets.US_ASCII), "the visitor's input ends after the 14 bytes, with no QUIC FIN");
            visitor.getOutputStream().write("bye".getBytes(StandardCharsets.US_ASCII));
            visitor.shutdownOutput();
            assertEquals("bye", new String(s.in().stream().readAllBytes(), StandardCharsets.US_ASCII));
            RawTunnel.Frame fs = t.awaitControlFrame(Protocol.TYPE_FINAL_SIZE);
            assertEquals(id, fs.stream(), fs.toString());
            assertEquals(3, ByteBuffer.wrap(fs.payload()).getLong(), "the server's final size: the visitor's 3 bytes");
        }
    }

    @Test
    void aFinalSizeBelowTheBytesReceivedResetsTheStream() throws Exception {
        try (RawQuicTunnel t = login(); Socket visitor = new Socket("127.0.0.1", tcpPort)) {
            Accepted a = acceptAndRelay(t, visitor, 10);
            RawQuicTunnel.ServerStream s = a.stream();
            t.writeControl(finalSizeFrame(a.id(), 5));
            assertThrows(IOException.class, () -> s.in().stream().readAllBytes());
            assertEquals(GtErrorCode.PROTOCOL_ERROR.code(), s.in().resetCode());
            assertReset(visitor.getInputStream());
        }
    }

    @Test
    void aResetFromTheClientResetsTheVisitor() throws Exception {
        try (RawQuicTunnel t = login(); Socket visitor = new Socket("127.0.0.1", tcpPort)) {
            RawQuicTunnel.ServerStream s = acceptAndRelay(t, visitor, 1000).stream();
            s.channel().shutdown(GtErrorCode.STREAM_RESET.code()).syncUninterruptibly();
            // A truncated stream never looks complete: the visitor gets a TCP reset, not an EOF.
            assertReset(visitor.getInputStream());
        }
    }

    @Test
    void aVisitorThatResetsResetsTheStreamWithStreamReset() throws Exception {
        try (RawQuicTunnel t = login()) {
            Socket visitor = new Socket("127.0.0.1", tcpPort);
            RawQuicTunnel.ServerStream s = t.awaitStream();
            int id = readOpen(s, 1);
            s.write(RawTunnel.frame(Protocol.TYPE_ACCEPT, 0, id, new byte[0]));
            visitor.getOutputStream().write(new byte[100]);
            assertEquals(100, s.in().stream().readNBytes(100).length);
            visitor.setSoLinger(true, 0);
            visitor.close();
            assertThrows(IOException.class, () -> s.in().stream().readAllBytes());
            assertEquals(GtErrorCode.STREAM_RESET.code(), s.in().resetCode());
        }
    }

    @Test
    void aConnectionWithoutAControlStreamIsClosedAfterTheHandshakeTimeout() throws Exception {
        try (RawQuicTunnel t = RawQuicTunnel.connect(server.tunnelListenAddress("quic"))) {
            t.awaitClosed(10);
        }
    }

    @Test
    void aControlStreamWithoutAHelloIsClosedAfterTheHandshakeTimeout() throws Exception {
        try (RawQuicTunnel t = RawQuicTunnel.connect(server.tunnelListenAddress("quic"))) {
            t.openControl();
            t.writeControl(new byte[] {(byte) 0xF0});
            t.awaitClosed(10);
        }
    }
}

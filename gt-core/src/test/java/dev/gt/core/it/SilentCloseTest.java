package dev.gt.core.it;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.gt.api.GtErrorCode;
import dev.gt.core.GtServer;
import dev.gt.core.internal.proto.Protocol;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.SocketException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A visitor learns how its stream ended instead of getting an empty close: a client that never
 * answers the OPEN gives an HTTP visitor a 504 after {@code streamOpenTimeout}; a tunnel that dies
 * before any answer byte gives a 502; a stream cut off in the middle of the answer ends with a TCP
 * reset, so that a truncated answer never looks complete (HTTP and TCP-port routes). The client
 * is a {@link RawTunnel} that misbehaves on purpose; the server's timeout is 60 s and every
 * visitor read is bounded to 10 s, so an end that only comes from a timeout fails the test.
 */
@Timeout(60)
class SilentCloseTest {
    private static final String ID = "raw";
    private static final String SECRET = "raw-secret";

    private GtServer server;
    private int tcpPort;

    @BeforeEach
    void start() throws Exception {
        tcpPort = FreePorts.block(1);
        server = GtServer.builder().listenAddress("127.0.0.1:0").user(ID, SECRET).tcpPortRange(tcpPort + "-" + tcpPort)
                .tcpBindAddress("127.0.0.1").idleTimeout(Duration.ofSeconds(60)).streamOpenTimeout(Duration.ofMillis(500))
                .build();
        server.start().get(10, TimeUnit.SECONDS);
    }

    @AfterEach
    void stop() {
        server.close();
    }

    @Test
    void aClientThatNeverAnswersTheOpenGivesTheVisitorA504() throws Exception {
        try (RawTunnel raw = RawTunnel.login(server.listenAddress(), ID, SECRET, List.of(RawTunnel.http()), 0)) {
            RawHttp.Response r = RawHttp.request(server.listenAddress(),
                    "GET / HTTP/1.1\r\nHost: raw.example.com\r\nConnection: close\r\n\r\n", null, 10_000);
            assertEquals(504, r.status(), r.head());
            assertEquals("close", Http1.header(r.head(), "Connection"), r.head());
            // The client is told that the stream is over.
            raw.awaitFrame(Protocol.TYPE_OPEN);
            RawTunnel.Frame reset = raw.awaitFrame(Protocol.TYPE_RESET);
            assertEquals(GtErrorCode.TIMEOUT.code(), reset.code(), reset.toString());
        }
    }

    @Test
    void aTunnelLostBeforeAnyAnswerByteGivesTheVisitorA502() throws Exception {
        try (RawTunnel raw = RawTunnel.login(server.listenAddress(), ID, SECRET, List.of(RawTunnel.http()), 0)) {
            CompletableFuture<RawHttp.Response> visitor = CompletableFuture.supplyAsync(() -> {
                try {
                    return RawHttp.request(server.listenAddress(),
                            "GET / HTTP/1.1\r\nHost: raw.example.com\r\nConnection: close\r\n\r\n", null, 10_000);
                } catch (java.io.IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
            });
            raw.awaitFrame(Protocol.TYPE_OPEN);
            raw.close();
            RawHttp.Response r = visitor.get(15, TimeUnit.SECONDS);
            assertEquals(502, r.status(), r.head());
            assertEquals("close", Http1.header(r.head(), "Connection"), r.head());
        }
    }

    @Test
    void anHttpAnswerCutOffByTheLostTunnelEndsWithAReset() throws Exception {
        byte[] partial = "HTTP/1.1 200 OK\r\nContent-Length: 100000\r\n\r\nthe first bytes"
                .getBytes(StandardCharsets.US_ASCII);
        try (RawTunnel raw = RawTunnel.login(server.listenAddress(), ID, SECRET, List.of(RawTunnel.http()), 0);
                Socket visitor = new Socket()) {
            visitor.connect(server.listenAddress(), 5000);
            visitor.setSoTimeout(10_000);
            OutputStream out = visitor.getOutputStream();
            out.write("GET /big HTTP/1.1\r\nHost: raw.example.com\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            out.flush();
            assertCutOffWithReset(raw, visitor, partial);
        }
    }

    @Test
    void aTcpStreamCutOffByTheLostTunnelEndsWithAReset() throws Exception {
        try (RawTunnel raw = RawTunnel.login(server.listenAddress(), ID, SECRET, List.of(RawTunnel.tcp(tcpPort)), 0);
                Socket visitor = new Socket()) {
            visitor.connect(new java.net.InetSocketAddress("127.0.0.1", tcpPort), 5000);
            visitor.setSoTimeout(10_000);
            assertCutOffWithReset(raw, visitor, "the first bytes of a long answer".getBytes(StandardCharsets.US_ASCII));
        }
    }

    /**
     * Plays the client: accepts the visitor's stream, sends {@code partial}, and drops the tunnel
     * once the visitor has it; the visitor's next read must fail with a reset, not end cleanly.
     */
    private static void assertCutOffWithReset(RawTunnel raw, Socket visitor, byte[] partial) throws Exception {
        int stream = raw.awaitFrame(Protocol.TYPE_OPEN).stream();
        raw.accept(stream);
        raw.data(stream, partial);
        InputStream in = visitor.getInputStream();
        assertArrayEquals(partial, in.readNBytes(partial.length), "the visitor gets what the client sent");
        raw.close();
        SocketException e = assertThrows(SocketException.class, () -> {
            int b = in.read();
            throw new AssertionError("the visitor read " + (b < 0 ? "a clean end of stream" : "byte " + b)
                    + " instead of a reset");
        });
        assertTrue(e.getMessage().toLowerCase(java.util.Locale.ROOT).contains("reset"), e.toString());
    }
}

package dev.gt.core.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.gt.api.GtErrorCode;
import dev.gt.core.GtServer;
import dev.gt.core.internal.proto.Protocol;
import java.io.InputStream;
import java.net.Socket;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * An unauthenticated peer that starts a tunnel hello ({@code F0 10}) cannot hold a connection: an
 * incomplete hello is closed at the handshake timeout (counted from the connection's start, far
 * below {@code -timeout}), a peer that ends its side before the hello is complete is closed at
 * once, and a hello announcing more than 64 KiB is refused with ERROR 11 before any of it is
 * buffered. The same on {@code -addr}, inside TLS on {@code -tlsAddr} and on {@code -sniAddr}.
 */
@Timeout(30)
class HandshakeDeadlineTest {
    /** {@code F0 10}, a length of 255 bytes, and the first byte of the body: a hello that never ends. */
    private static final byte[] PARTIAL_HELLO = {(byte) 0xF0, 0x10, 0x00, 0x00, (byte) 0xFF, 0x00};
    /** {@code F0 10} and a length of 64 KiB + 1. */
    private static final byte[] OVERSIZED_HELLO = {(byte) 0xF0, 0x10, 0x00, 0x01, 0x00, 0x01};

    private GtServer server;

    @AfterEach
    void stop() {
        if (server != null) {
            server.close();
        }
    }

    /** A server on all three listeners with a long -timeout and the given handshake timeout. */
    private GtServer start(Duration handshakeTimeout) throws Exception {
        server = GtServer.builder().listenAddress("127.0.0.1:0").tlsListenAddress("127.0.0.1:0").sniListenAddress("127.0.0.1:0")
                .user("id1", "secret1").idleTimeout(Duration.ofSeconds(60)).handshakeTimeout(handshakeTimeout).build();
        server.start().get(10, TimeUnit.SECONDS);
        return server;
    }

    @ParameterizedTest
    @EnumSource(ServerListener.class)
    void anIncompleteHelloIsClosedAtTheHandshakeTimeout(ServerListener listener) throws Exception {
        start(Duration.ofMillis(500));
        long begin = System.nanoTime();
        try (ServerListener.Connection c = listener.open(server, "localhost")) {
            c.write(PARTIAL_HELLO);
            String end = RawTunnel.awaitEnd(c.socket());
            long millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - begin);
            // Not before the deadline: the server waited for the rest of the hello, then gave up.
            assertTrue(millis >= 400, "closed after " + millis + " ms (" + end + "), before the handshake timeout");
        }
    }

    @ParameterizedTest
    @EnumSource(ServerListener.class)
    void aPeerThatEndsItsSideInTheMiddleOfItsHelloIsClosedAtOnce(ServerListener listener) throws Exception {
        start(Duration.ofSeconds(20));
        try (ServerListener.Connection c = listener.open(server, "localhost")) {
            c.write(PARTIAL_HELLO);
            // A bare FIN, also under TLS (a close_notify is handled by the TLS layer itself).
            c.fin();
            // Far below the handshake timeout of 20 s: the read times out after 3 s.
            c.socket().setSoTimeout(3000);
            RawTunnel.awaitEnd(c.socket());
        }
    }

    @ParameterizedTest
    @EnumSource(ServerListener.class)
    void aHelloOfMoreThan64KiBIsRefusedWithProtocolError(ServerListener listener) throws Exception {
        start(Duration.ofSeconds(20));
        try (ServerListener.Connection c = listener.open(server, "localhost")) {
            Socket s = c.socket();
            s.setSoTimeout(3000);
            c.write(OVERSIZED_HELLO);
            InputStream in = s.getInputStream();
            RawTunnel.readVersion(in);
            RawTunnel.Frame error = RawTunnel.readFrame(in);
            assertEquals(Protocol.TYPE_ERROR, error.type(), error.toString());
            assertEquals(GtErrorCode.PROTOCOL_ERROR.code(), error.code(), error.toString());
            assertTrue(error.errorMessage().contains("65537"), error.errorMessage());
            RawTunnel.awaitEnd(s);
        }
    }
}

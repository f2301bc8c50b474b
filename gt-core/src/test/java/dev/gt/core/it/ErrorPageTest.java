package dev.gt.core.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.gt.api.GtEvent;
import dev.gt.api.ServiceSpec;
import dev.gt.api.TunnelInfo;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * What an HTTP visitor gets when the server cannot forward it: a short complete response with
 * {@code Connection: close}, never a silent hang. The server's timeout is long (60 s) and every
 * visitor read is bounded to 10 s, so an answer that only comes from a timeout fails the test.
 */
@Timeout(60)
class ErrorPageTest {
    private static Backend backend;
    private static GtPair gt;
    private static int closedPort;

    @BeforeAll
    static void start() throws Exception {
        backend = new Backend();
        closedPort = FreePorts.closedPort();
        gt = GtPair.start(s -> s.user("id2", "secret2").idleTimeout(Duration.ofSeconds(60)).maxHeadBytes(1024), c -> c
                .service(ServiceSpec.local(backend.url()).build())
                .service(ServiceSpec.local("http://127.0.0.1:" + closedPort).hostPrefix("down").build()));
    }

    @AfterAll
    static void stop() {
        if (gt != null) {
            gt.close();
        }
        if (backend != null) {
            backend.close();
        }
    }

    @Test
    void unknownHostPrefixIs404WithConnectionClose() throws Exception {
        RawHttp.Response r = send("GET / HTTP/1.1\r\nHost: nobody.example.com\r\n\r\n");
        assertEquals(404, r.status(), r.head());
        assertEquals("close", Http1.header(r.head(), "Connection"), r.head());
        assertLengthMatches(r);
    }

    @Test
    void serviceWhoseLocalPortIsClosedIs502AndTheTunnelStaysUp() throws Exception {
        List<String> before = identities(gt.serverClient(GtPair.ID).tunnels());
        RawHttp.Response r = send("GET /x HTTP/1.1\r\nHost: down.example.com\r\n\r\n");
        assertEquals(502, r.status(), r.head());
        assertEquals("close", Http1.header(r.head(), "Connection"), r.head());
        assertLengthMatches(r);
        // The client's local address and its OS error are for the client's log, not for visitors.
        String page = r.head() + r.text();
        assertFalse(page.contains(Integer.toString(closedPort)) || page.contains("127.0.0.1"), page);
        assertFalse(page.toLowerCase(java.util.Locale.ROOT).contains("refused"), page);

        // The tunnel that carried the failed stream carries the next request.
        RawHttp.Response ok = RawHttp.get(gt.addr(), "id1.example.com", "/after-502");
        assertEquals(200, ok.status(), ok.head());
        assertEquals("ok GET /after-502 host=id1.example.com", ok.text());
        assertEquals(before, identities(gt.serverClient(GtPair.ID).tunnels()), "same tunnels");
        assertTrue(gt.clientEvents.of(GtEvent.TunnelDisconnected.class).isEmpty(),
                "no tunnel closed: " + gt.clientEvents);

        // And a second failure is answered the same way.
        assertEquals(502, send("GET /y HTTP/1.1\r\nHost: down.example.com\r\n\r\n").status());
    }

    @Test
    void garbageHeadIs400() throws Exception {
        RawHttp.Response r = send("GARBAGE\r\n\r\n");
        assertEquals(400, r.status(), r.head());
        assertEquals("close", Http1.header(r.head(), "Connection"), r.head());
    }

    @Test
    void requestWithoutHostIs400() throws Exception {
        RawHttp.Response r = send("GET / HTTP/1.1\r\nAccept: */*\r\n\r\n");
        assertEquals(400, r.status(), r.head());
    }

    @Test
    void binaryBytesEndedByABlankLineAre400() throws Exception {
        byte[] junk = {0x16, 0x03, 0x01, 0x02, 0x00, 0x01, 0x00, 0x01, (byte) 0xFC, 0x03, 0x03, 0x00, (byte) 0xFF,
            '\r', '\n', '\r', '\n'};
        RawHttp.Response r = sendBytes(junk);
        assertEquals(400, r.status(), r.head());
    }

    @Test
    void tlsClientHelloOnThePlainPortIs400() throws Exception {
        // What a browser sends to http:// port by mistake with https://: binary, no line ends.
        byte[] hello = new byte[517];
        byte[] start = {0x16, 0x03, 0x01, 0x02, 0x00, 0x01, 0x00, 0x01, (byte) 0xFC, 0x03, 0x03};
        System.arraycopy(start, 0, hello, 0, start.length);
        byte[] rest = Data.random(hello.length - start.length, 5);
        for (int i = 0; i < rest.length; i++) {
            // no line feeds, so a scanner waiting for a blank line would wait forever
            hello[start.length + i] = rest[i] == '\n' ? 0 : rest[i];
        }
        RawHttp.Response r = sendBytes(hello);
        assertEquals(400, r.status(), r.head());
    }

    @Test
    void headLargerThanMaxHeadBytesIs400() throws Exception {
        RawHttp.Response r = send("GET / HTTP/1.1\r\nX-Padding: " + "p".repeat(3000)
                + "\r\nHost: id1.example.com\r\n\r\n");
        assertEquals(400, r.status(), r.head());
        assertEquals("close", Http1.header(r.head(), "Connection"), r.head());
    }

    @Test
    void configuredUserWithoutAConnectedClientIs503() throws Exception {
        RawHttp.Response r = send("GET / HTTP/1.1\r\nHost: id2.example.com\r\n\r\n");
        assertEquals(503, r.status(), r.head());
        assertEquals("close", Http1.header(r.head(), "Connection"), r.head());
    }

    private static RawHttp.Response send(String head) throws Exception {
        return sendBytes(head.getBytes(StandardCharsets.ISO_8859_1));
    }

    /** Sends the bytes and reads the answer until the server closes (at most 10 s of silence). */
    private static RawHttp.Response sendBytes(byte[] bytes) throws Exception {
        try (Socket s = new Socket()) {
            s.connect(gt.addr(), 5000);
            s.setSoTimeout(10_000);
            OutputStream out = s.getOutputStream();
            out.write(bytes);
            out.flush();
            RawHttp.Response r = RawHttp.read(s.getInputStream());
            assertNotNull(r.head());
            return r;
        }
    }

    private static void assertLengthMatches(RawHttp.Response r) {
        String length = Http1.header(r.head(), "Content-Length");
        assertNotNull(length, r.head());
        assertEquals(Integer.parseInt(length), r.body().length, "Content-Length vs body");
    }

    /** Tunnel number and peer address: what stays the same while a tunnel lives. */
    static List<String> identities(List<TunnelInfo> tunnels) {
        return tunnels.stream().map(t -> t.tunnel() + "@" + t.peer()).sorted().collect(Collectors.toList());
    }
}

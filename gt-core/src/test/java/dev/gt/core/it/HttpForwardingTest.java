package dev.gt.core.it;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.gt.api.ServiceSpec;
import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** HTTP visitors through the server's main port: methods, bodies, keep-alive, chunked uploads. */
@Timeout(60)
class HttpForwardingTest {
    private static Backend backend;
    private static GtPair gt;

    @BeforeAll
    static void start() throws Exception {
        backend = new Backend();
        gt = GtPair.start(s -> { }, c -> c.service(ServiceSpec.local(backend.url()).build()));
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
    void getIsForwardedWithItsPathAndHost() throws Exception {
        RawHttp.Response r = RawHttp.get(gt.addr(), "id1.example.com", "/hello?x=1");
        assertEquals(200, r.status(), r.head());
        assertEquals("ok GET /hello?x=1 host=id1.example.com", r.text());
    }

    @Test
    void hostWithPortAndOtherCaseRoutesToo() throws Exception {
        RawHttp.Response r = RawHttp.get(gt.addr(), "ID1.Example.com:8080", "/case");
        assertEquals(200, r.status(), r.head());
        assertEquals("ok GET /case host=ID1.Example.com:8080", r.text());
    }

    @Test
    void postBodyOf100KiBIsEchoedExactly() throws Exception {
        byte[] body = Data.random(100 * 1024, 1);
        RawHttp.Response r = RawHttp.post(gt.addr(), "id1.example.com", "/echo", body);
        assertEquals(200, r.status(), r.head());
        assertEquals(body.length, r.body().length);
        assertArrayEquals(body, r.body());
    }

    @Test
    void keepAliveConnectionCarriesTwoRequestsAndIsNotReRouted() throws Exception {
        try (Socket s = new Socket()) {
            s.connect(gt.addr(), 5000);
            s.setSoTimeout(20_000);
            OutputStream out = s.getOutputStream();
            InputStream in = new BufferedInputStream(s.getInputStream());

            out.write(ascii("GET /first HTTP/1.1\r\nHost: id1.example.com\r\n\r\n"));
            out.flush();
            RawHttp.Response first = Http1.readResponse(in);
            assertEquals(200, first.status(), first.head());
            assertEquals("ok GET /first host=id1.example.com", first.text());

            // Only the first request of a connection is routed: a second Host naming a prefix
            // nobody registered still reaches the same backend, not a 404.
            byte[] body = Data.random(3000, 2);
            out.write(ascii("POST /echo HTTP/1.1\r\nHost: nobody.example.com\r\nContent-Length: " + body.length
                    + "\r\n\r\n"));
            out.write(body);
            out.flush();
            RawHttp.Response second = Http1.readResponse(in);
            assertEquals(200, second.status(), second.head());
            assertArrayEquals(body, second.body());

            out.write(ascii("GET /third HTTP/1.1\r\nHost: nobody.example.com\r\nConnection: close\r\n\r\n"));
            out.flush();
            RawHttp.Response third = Http1.readResponse(in);
            assertEquals(200, third.status(), third.head());
            assertEquals("ok GET /third host=nobody.example.com", third.text());
            assertEquals(-1, in.read(), "the backend closes after Connection: close");
        }
    }

    @Test
    void chunkedRequestBodyArrivesWhole() throws Exception {
        ByteArrayOutputStream expected = new ByteArrayOutputStream();
        ByteArrayOutputStream wire = new ByteArrayOutputStream();
        wire.write(ascii("POST /echo HTTP/1.1\r\nHost: id1.example.com\r\nTransfer-Encoding: chunked\r\n"
                + "Connection: close\r\n\r\n"));
        int[] sizes = {1, 10, 4096, 70_000, 5, 65_536};
        for (int i = 0; i < sizes.length; i++) {
            byte[] chunk = Data.random(sizes[i], 100 + i);
            expected.write(chunk);
            wire.write(ascii(Integer.toHexString(chunk.length) + "\r\n"));
            wire.write(chunk);
            wire.write(ascii("\r\n"));
        }
        wire.write(ascii("0\r\n\r\n"));
        RawHttp.Response r = RawHttp.request(gt.addr(), "", wire.toByteArray());
        assertEquals(200, r.status(), r.head());
        assertArrayEquals(expected.toByteArray(), r.body());
    }

    @Test
    void requestHeadSplitIntoTinyWritesIsRouted() throws Exception {
        try (Socket s = new Socket()) {
            s.connect(gt.addr(), 5000);
            s.setSoTimeout(20_000);
            s.setTcpNoDelay(true);
            OutputStream out = s.getOutputStream();
            for (byte b : ascii("GET /slow HTTP/1.1\r\nHost: id1.example.com\r\nConnection: close\r\n\r\n")) {
                out.write(b);
                out.flush();
            }
            RawHttp.Response r = RawHttp.read(s.getInputStream());
            assertEquals(200, r.status(), r.head());
            assertEquals("ok GET /slow host=id1.example.com", r.text());
        }
    }

    private static byte[] ascii(String s) {
        return s.getBytes(StandardCharsets.ISO_8859_1);
    }
}

package dev.gt.core.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.gt.api.GtErrorCode;
import dev.gt.api.GtEvent;
import dev.gt.api.GtException;
import dev.gt.api.ServiceSpec;
import dev.gt.core.GtClient;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Which service a visitor reaches: by host prefix, or by the whole value of a custom mux header. */
@Timeout(30)
class HostRoutingTest {
    @Test
    void twoPrefixesOfOneClientReachTwoBackends() throws Exception {
        try (TextHttpServer a = new TextHttpServer("backend-a");
                TextHttpServer b = new TextHttpServer("backend-b");
                GtPair gt = GtPair.start(s -> { }, c -> c
                        .service(ServiceSpec.local(a.url()).hostPrefix("a").build())
                        .service(ServiceSpec.local(b.url()).hostPrefix("b").build()))) {
            RawHttp.Response ra = RawHttp.get(gt.addr(), "a.example.com", "/one");
            assertEquals(200, ra.status(), ra.head());
            assertEquals("backend-a GET /one host=a.example.com", ra.text());
            RawHttp.Response rb = RawHttp.get(gt.addr(), "b.example.com", "/two");
            assertEquals(200, rb.status(), rb.head());
            assertEquals("backend-b GET /two host=b.example.com", rb.text());
            // Both services have a prefix, so the id itself routes nowhere: the client is connected,
            // so this is an unknown prefix (404), not a missing client (503).
            RawHttp.Response id = RawHttp.get(gt.addr(), "id1.example.com", "/");
            assertEquals(404, id.status(), id.head());
            assertEquals(1, a.requests());
            assertEquals(1, b.requests());
            assertEquals(List.of("a", "b"), gt.serverClient(GtPair.ID).hosts().stream().sorted().toList());
        }
    }

    /**
     * A request GT and the service behind it could route differently is refused (RFC 9112 §3.2):
     * two Host headers, a Host with user info, an absolute-form target naming another host than
     * Host. The first two cases name services that exist, so routing by either one would answer.
     */
    @Test
    void ambiguousRoutingIs400AndAMatchingAbsoluteFormIsForwarded() throws Exception {
        try (TextHttpServer web = new TextHttpServer("web");
                TextHttpServer other = new TextHttpServer("other");
                GtPair gt = GtPair.start(s -> { }, c -> c
                        .service(ServiceSpec.local(web.url()).build())
                        .service(ServiceSpec.local(other.url()).hostPrefix("other").build()))) {
            for (String head : List.of(
                    "GET / HTTP/1.1\r\nHost: id1.example.com\r\nHost: other.example.com\r\n\r\n",
                    "GET / HTTP/1.1\r\nHost: other.example.com\r\nAccept: */*\r\nhost: id1.example.com\r\n\r\n",
                    "GET / HTTP/1.1\r\nHost: a@b\r\n\r\n",
                    "GET / HTTP/1.1\r\nHost: id1@other.example.com\r\n\r\n",
                    "GET http://other.example.com/ HTTP/1.1\r\nHost: id1.example.com\r\n\r\n")) {
                RawHttp.Response r = RawHttp.request(gt.addr(), head, null, 10_000);
                assertEquals(400, r.status(), head + " -> " + r.head());
            }
            assertEquals(0, web.requests() + other.requests(), "an ambiguous request reached a service");

            RawHttp.Response ok = RawHttp.request(gt.addr(),
                    "GET http://id1.example.com/abs HTTP/1.1\r\nHost: id1.example.com\r\nConnection: close\r\n\r\n",
                    null, 10_000);
            assertEquals(200, ok.status(), ok.head());
            assertEquals("web GET http://id1.example.com/abs host=id1.example.com", ok.text());
        }
    }

    @Test
    void prefixHeldByAnotherClientIsAHostConflict() throws Exception {
        try (TextHttpServer a = new TextHttpServer("backend-a");
                TextHttpServer other = new TextHttpServer("other");
                GtPair gt = GtPair.start(s -> s.user("id2", "secret2"), c -> c
                        .service(ServiceSpec.local(a.url()).hostPrefix("a").build()))) {
            Events events = new Events();
            GtClient second = gt.addClient(b -> b.id("id2").secret("secret2").reconnectDelay(Duration.ofSeconds(30))
                    .eventListener(events).service(ServiceSpec.local(other.url()).hostPrefix("a").build()));
            ExecutionException e = assertThrows(ExecutionException.class, () -> second.start().get(10, TimeUnit.SECONDS));
            GtException cause = assertInstanceOf(GtException.class, e.getCause(), e.toString());
            assertEquals(GtErrorCode.HOST_CONFLICT, cause.code(), cause.toString());
            assertEquals(GtErrorCode.HOST_CONFLICT, events.awaitCount(GtEvent.HandshakeRejected.class, 1).code());

            // The holder keeps its prefix.
            RawHttp.Response r = RawHttp.get(gt.addr(), "a.example.com", "/");
            assertEquals("backend-a GET / host=a.example.com", r.text());
            assertEquals(0, other.requests());
        }
    }

    @Test
    void prefixIsFreeAgainAfterItsHolderLeaves() throws Exception {
        try (TextHttpServer a = new TextHttpServer("backend-a");
                TextHttpServer other = new TextHttpServer("other");
                GtPair gt = GtPair.start(s -> s.user("id2", "secret2"), c -> c
                        .service(ServiceSpec.local(a.url()).hostPrefix("shared").build()))) {
            gt.client.close();
            Events events = new Events();
            GtClient second = gt.addClient(b -> b.id("id2").secret("secret2").reconnectDelay(Duration.ofMillis(100))
                    .eventListener(events).service(ServiceSpec.local(other.url()).hostPrefix("shared").build()));
            // The server may still be removing the first client; the second retries until it gets in.
            second.start().exceptionally(x -> null);
            events.awaitCount(GtEvent.TunnelConnected.class, 1);
            RawHttp.Response r = RawHttp.get(gt.addr(), "shared.example.com", "/");
            assertEquals(200, r.status(), r.head());
            assertEquals("other GET / host=shared.example.com", r.text());
        }
    }

    @Test
    void customMuxHeaderRoutesByItsWholeValueAndIgnoresHost() throws Exception {
        try (TextHttpServer web = new TextHttpServer("web");
                GtPair gt = GtPair.start(s -> s.httpRoutingHeader("EID"), c -> c
                        .service(ServiceSpec.local(web.url()).build()))) {
            RawHttp.Response r = RawHttp.request(gt.addr(), "GET /test?hello=world HTTP/1.1\r\n"
                    + "Host: abc.example.com\r\nEID: id1\r\nConnection: close\r\n\r\n", null);
            assertEquals(200, r.status(), r.head());
            assertEquals("web GET /test?hello=world host=abc.example.com", r.text());

            // The Host names the client, but only EID counts.
            RawHttp.Response wrongHeader = RawHttp.request(gt.addr(), "GET / HTTP/1.1\r\n"
                    + "Host: id1.example.com\r\nEID: someone-else\r\nConnection: close\r\n\r\n", null);
            assertEquals(404, wrongHeader.status(), wrongHeader.head());

            // The whole value is the key: no first-label parsing.
            RawHttp.Response dotted = RawHttp.request(gt.addr(), "GET / HTTP/1.1\r\n"
                    + "Host: id1.example.com\r\nEID: id1.example.com\r\nConnection: close\r\n\r\n", null);
            assertEquals(404, dotted.status(), dotted.head());
            assertEquals(1, web.requests());
        }
    }
}

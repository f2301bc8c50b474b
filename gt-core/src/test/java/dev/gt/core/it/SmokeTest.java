package dev.gt.core.it;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.gt.api.ServiceSpec;
import dev.gt.core.GtClient;
import dev.gt.core.GtServer;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(30)
class SmokeTest {
    @Test
    void getThroughTunnel() throws Exception {
        try (Backend backend = new Backend();
                GtServer server = GtServer.builder().listenAddress("127.0.0.1:0").user("id1", "secret1").build()) {
            server.start().get();
            try (GtClient client = GtClient.builder().id("id1").secret("secret1")
                    .server("tcp://127.0.0.1:" + server.listenAddress().getPort())
                    .service(ServiceSpec.local(backend.url()).build())
                    .reconnectDelay(Duration.ofMillis(200)).build()) {
                client.start().get();
                RawHttp.Response r = RawHttp.get(server.listenAddress(), "id1.example.com", "/hello");
                assertEquals(200, r.status(), r.head());
                assertEquals("ok GET /hello host=id1.example.com", r.text());
            }
        }
    }
}

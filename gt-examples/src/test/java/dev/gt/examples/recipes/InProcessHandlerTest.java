package dev.gt.examples.recipes;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import dev.gt.core.GtClient;
import dev.gt.core.GtServer;
import dev.gt.core.it.RawHttp;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(60)
class InProcessHandlerTest {
    @Test
    void visitorsAreServedByTheNettyPipelineInTheClient() throws Exception {
        try (GtServer server = GtServer.builder().listenAddress("127.0.0.1:0").user("hello", "s3cret").build()) {
            server.start().join();
            try (GtClient client = InProcessHandler.start(server.listenAddress(), "hello", "s3cret")) {
                assertNull(client.config().services().get(0).localAddress(), "no local socket");
                RawHttp.Response get = RawHttp.get(server.listenAddress(), "hello.example.com", "/a?b=1");
                assertEquals(200, get.status(), get.head());
                assertEquals("Hello from a Netty handler in the GT client, GET /a?b=1\n", get.text());
                RawHttp.Response post = RawHttp.post(server.listenAddress(), "hello.example.com", "/form",
                        "x=1".getBytes(StandardCharsets.US_ASCII));
                assertEquals("Hello from a Netty handler in the GT client, POST /form\n", post.text());
            }
        }
    }
}

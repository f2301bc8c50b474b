package dev.gt.examples.recipes;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.gt.core.it.RawHttp;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(60)
class QuickStartTest {
    @Test
    void theVisitorUrlReachesTheLocalServiceThroughTheTunnel() throws Exception {
        try (QuickStart.Running running = QuickStart.run(0)) {
            int port = running.server().listenAddress().getPort();
            assertEquals("http://quickstart.localhost:" + port + "/", running.visitorUrl());
            RawHttp.Response answer = RawHttp.get(running.server().listenAddress(), "quickstart.localhost:" + port, "/");
            assertEquals(200, answer.status(), answer.head());
            assertEquals("Hello through GT!\n", answer.text());
        }
    }
}

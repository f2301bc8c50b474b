package dev.gt.runner;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import org.junit.jupiter.api.Test;

/** The demo's HTTP service and the self-check's socket client, without a tunnel in between. */
class DemoHttpServiceTest {
    @Test
    void answersWithMethodPathAndHost() throws Exception {
        try (DemoHttpService service = DemoHttpService.start("127.0.0.1")) {
            DemoRun.Answer a = DemoRun.get(service.address(), "demo.example.com", "/hello?x=1", Duration.ofSeconds(10));
            assertEquals(200, a.status());
            assertEquals("HTTP/1.1 200 OK", a.statusLine());
            assertEquals(DemoHttpService.GREETING + "\nmethod: GET\npath:   /hello?x=1\nhost:   demo.example.com\n",
                    a.body());
            // The service stays up for the next visitor.
            assertTrue(DemoRun.get(service.address(), "other", "/", Duration.ofSeconds(10)).body()
                    .contains("host:   other"));
        }
    }
}

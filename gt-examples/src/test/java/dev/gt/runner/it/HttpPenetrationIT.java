package dev.gt.runner.it;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * README "Internal HTTP Penetration": {@code server -addr 8080 -id id1 -secret secret1} and
 * {@code client -local http://127.0.0.1:80 -remote tcp://id1.example.com:8080 -id id1 -secret secret1},
 * verbatim except for the ports; the visitor is curl.
 */
class HttpPenetrationIT extends AcceptanceBase {

    @Test
    @Timeout(value = 90, unit = TimeUnit.SECONDS)
    void curlReachesTheInternalWebServiceThroughId1() throws Exception {
        int p = Ports.free();
        LocalHttp web = closeLater(LocalHttp.start("web"));
        server("server", "-addr", s(p), "-id", "id1", "-secret", "secret1");
        GtProcess client = client("client", "-local", web.url(), "-remote", "tcp://id1.example.com:" + p,
                "-id", "id1", "-secret", "secret1");
        awaitReady(client);

        String base = "http://id1.example.com:" + p;
        String body = curl("--resolve", resolve("id1.example.com", p), base + "/x").ok();
        assertEquals(web.expectedGet("id1.example.com:" + p, "/x"), body);

        // 1 MiB up and the same 1 MiB back, byte for byte.
        byte[] upload = new byte[1 << 20];
        new Random(42).nextBytes(upload);
        Path up = Files.write(dir.resolve("upload.bin"), upload);
        Path down = dir.resolve("echo.bin");
        String code = curl("--resolve", resolve("id1.example.com", p), "--data-binary", "@" + up,
                "-H", "Content-Type: application/octet-stream", "-o", down.toString(), "-w", "%{http_code}",
                base + "/echo").ok();
        assertEquals("200", code);
        assertArrayEquals(upload, Files.readAllBytes(down), "the echoed body differs from the 1 MiB upload");

        // A host prefix no client registered.
        String status = curl("-o", "/dev/null", "-w", "%{http_code}", "-H", "Host: nobody.example.com",
                "http://127.0.0.1:" + p + "/").ok();
        assertEquals("404", status);
    }
}

package dev.gt.core.it;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.gt.api.ServiceSpec;
import java.io.BufferedReader;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Raw TCP services on server ports: protocols where the server speaks first, plain echo. */
@Timeout(30)
class TcpServiceTest {
    private static final String BANNER = "SSH-2.0-GtTestBanner_1.0\r\n";

    private static EchoServer banner;
    private static EchoServer echo;
    private static GtPair gt;

    @BeforeAll
    static void start() throws Exception {
        banner = new EchoServer(BANNER);
        echo = new EchoServer();
        int base = FreePorts.block(20);
        gt = GtPair.start(s -> s.tcpPortRange(base + "-" + (base + 19)), c -> c
                .service(ServiceSpec.local(banner.url()).build())
                .service(ServiceSpec.local(echo.url()).build()));
    }

    @AfterAll
    static void stop() {
        if (gt != null) {
            gt.close();
        }
        if (banner != null) {
            banner.close();
        }
        if (echo != null) {
            echo.close();
        }
    }

    @Test
    void bannerArrivesBeforeTheVisitorSendsAnythingThenEchoWorks() throws Exception {
        try (Socket s = TransferTest.connect(gt.tcpPort(0))) {
            BufferedReader in = new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.UTF_8));
            // Nothing written yet: the service spoke first, through the tunnel.
            assertEquals(BANNER.trim(), in.readLine());
            OutputStream out = s.getOutputStream();
            out.write("SSH-2.0-visitor\r\n".getBytes(StandardCharsets.UTF_8));
            out.flush();
            assertEquals("SSH-2.0-visitor", in.readLine());
            out.write("more\n".getBytes(StandardCharsets.UTF_8));
            out.flush();
            assertEquals("more", in.readLine());
        }
    }

    @Test
    void eachVisitorGetsItsOwnBanner() throws Exception {
        for (int i = 0; i < 5; i++) {
            try (Socket s = TransferTest.connect(gt.tcpPort(0))) {
                byte[] got = s.getInputStream().readNBytes(BANNER.length());
                assertEquals(BANNER, new String(got, StandardCharsets.UTF_8));
            }
        }
    }

    @Test
    void echoOfManyRoundTripsOnOneConnection() throws Exception {
        try (Socket s = TransferTest.connect(gt.tcpPort(1))) {
            OutputStream out = s.getOutputStream();
            InputStream in = s.getInputStream();
            for (int i = 0; i < 200; i++) {
                byte[] msg = Data.random(1 + (i * 37) % 5000, i);
                out.write(msg);
                out.flush();
                assertArrayEquals(msg, in.readNBytes(msg.length), "round trip " + i);
            }
        }
    }
}

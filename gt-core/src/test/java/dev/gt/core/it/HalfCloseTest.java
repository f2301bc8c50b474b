package dev.gt.core.it;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;

import dev.gt.api.ServiceSpec;
import java.io.BufferedReader;
import java.io.ByteArrayOutputStream;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Half-close travels through the tunnel in both directions: the side that ended its output keeps
 * receiving, and the side that still sends is heard to the end.
 */
@Timeout(60)
class HalfCloseTest {
    private static final byte[] GREETING = Data.random(1024 * 1024 + 17, 42);

    private static HashServer hash;
    private static EchoServer echo;
    private static SpeakThenListenServer speaker;
    private static GtPair gt;

    @BeforeAll
    static void start() throws Exception {
        hash = new HashServer();
        echo = new EchoServer();
        speaker = new SpeakThenListenServer(GREETING);
        int base = FreePorts.block(20);
        gt = GtPair.start(s -> s.tcpPortRange(base + "-" + (base + 19)), c -> c
                .service(ServiceSpec.local(hash.url()).build())
                .service(ServiceSpec.local(echo.url()).build())
                .service(ServiceSpec.local(speaker.url()).build()));
    }

    @AfterAll
    static void stop() {
        if (gt != null) {
            gt.close();
        }
        for (TcpFixture f : new TcpFixture[] {hash, echo, speaker}) {
            if (f != null) {
                f.close();
            }
        }
    }

    @Test
    void visitorEndsItsOutputAndStillGetsTheWholeReply() throws Exception {
        try (Socket s = TransferTest.connect(gt.tcpPort(0))) {
            String sent = Data.writeRandom(s.getOutputStream(), 5L * 1024 * 1024 + 3, 7);
            s.shutdownOutput();
            BufferedReader r = new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.US_ASCII));
            assertEquals(sent, r.readLine());
            assertEquals(null, r.readLine());
        }
    }

    @Test
    void echoOfAHalfClosedUploadIsCompleteAndEndsWithEof() throws Exception {
        byte[] payload = Data.random(3 * 1024 * 1024 + 5, 8);
        try (Socket s = TransferTest.connect(gt.tcpPort(1))) {
            CompletableFuture<Void> writer = CompletableFuture.runAsync(() -> {
                try {
                    OutputStream out = s.getOutputStream();
                    for (int off = 0; off < payload.length; off += 50_000) {
                        out.write(payload, off, Math.min(50_000, payload.length - off));
                    }
                    out.flush();
                    s.shutdownOutput();
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            });
            byte[] back = s.getInputStream().readAllBytes();
            writer.get(30, TimeUnit.SECONDS);
            assertEquals(payload.length, back.length, "echoed bytes before EOF");
            assertArrayEquals(payload, back);
        }
    }

    @Test
    void serviceEndsItsOutputFirstAndStillHearsEverythingTheVisitorSends() throws Exception {
        // Several rounds: each is short, and reordering bugs show up only now and then.
        for (int round = 0; round < 10; round++) {
            speakerRound(round);
        }
    }

    @Test
    void aVisitorThatResetsAfterTheServiceEndedIsAResetForTheServiceNotAnEnd() throws Exception {
        try (Socket s = TransferTest.connect(gt.tcpPort(2))) {
            ByteArrayOutputStream got = new ByteArrayOutputStream();
            s.getInputStream().transferTo(got);
            Data.assertSameBytes(GREETING, got.toByteArray(), "greeting received by the visitor");
            // Half-closed toward the visitor now; it aborts instead of ending its output.
            s.setSoLinger(true, 0);
        }
        Throwable failure = speaker.failures().poll(30, TimeUnit.SECONDS);
        assertNotNull(failure, "the service never heard of the visitor's reset");
        assertEquals(null, speaker.results().poll(), "a reset must not reach the service as an orderly end");
    }

    private static void speakerRound(int round) throws Exception {
        ByteArrayOutputStream sent = new ByteArrayOutputStream();
        try (Socket s = TransferTest.connect(gt.tcpPort(2))) {
            OutputStream out = s.getOutputStream();
            byte[] before = Data.random(100 * 1024, 9);
            out.write(before);
            out.flush();
            sent.write(before);

            // The service's whole greeting, then its half-close as EOF ...
            ByteArrayOutputStream got = new ByteArrayOutputStream();
            s.getInputStream().transferTo(got);
            Data.assertSameBytes(GREETING, got.toByteArray(), "round " + round + ": greeting received by the visitor");

            // ... while this side may still send, and is heard.
            for (int i = 0; i < 16; i++) {
                byte[] after = Data.random(64 * 1024 + i, 10 + i);
                out.write(after);
                sent.write(after);
            }
            out.flush();
            s.shutdownOutput();

            SpeakThenListenServer.Result result = speaker.results().poll(30, TimeUnit.SECONDS);
            assertNotNull(result, "round " + round + ": the service never saw the visitor's end of output");
            Data.assertSameBytes(sent.toByteArray(), result.data(), "round " + round + ": bytes the service received");
        }
    }
}

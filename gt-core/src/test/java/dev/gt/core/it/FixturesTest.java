package dev.gt.core.it;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;

import java.io.BufferedReader;
import java.io.ByteArrayOutputStream;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The test services on their own, without GT in between: when a tunnel test fails, this says
 * whether the fixture or the library is to blame.
 */
@Timeout(30)
class FixturesTest {
    @Test
    void hashServerHashesWhatItGotAfterHalfClose() throws Exception {
        try (HashServer hash = new HashServer(); Socket s = TransferTest.connect(hash.port())) {
            String sent = Data.writeRandom(s.getOutputStream(), 3L * 1024 * 1024 + 1, 1);
            s.shutdownOutput();
            BufferedReader r = new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.US_ASCII));
            assertEquals(sent, r.readLine());
            assertEquals(null, r.readLine());
        }
    }

    @Test
    void echoServerEchoesAndEchoesTheHalfClose() throws Exception {
        byte[] payload = Data.random(3 * 1024 * 1024 + 5, 8);
        try (EchoServer echo = new EchoServer(); Socket s = TransferTest.connect(echo.port())) {
            CompletableFuture<Void> writer = CompletableFuture.runAsync(() -> {
                try {
                    s.getOutputStream().write(payload);
                    s.shutdownOutput();
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            });
            byte[] back = s.getInputStream().readAllBytes();
            writer.get(10, TimeUnit.SECONDS);
            assertArrayEquals(payload, back);
        }
    }

    @Test
    void sourceServerSendsThePatternThenCloses() throws Exception {
        try (SourceServer source = new SourceServer(5L * 1024 * 1024 + 3);
                Socket s = TransferTest.connect(source.port())) {
            assertEquals(5L * 1024 * 1024 + 3, Data.readPattern(s.getInputStream(), Long.MAX_VALUE));
        }
    }

    @Test
    void speakThenListenServerHearsTheRestAfterItsHalfClose() throws Exception {
        byte[] greeting = Data.random(1024 * 1024, 3);
        try (SpeakThenListenServer speaker = new SpeakThenListenServer(greeting);
                Socket s = TransferTest.connect(speaker.port())) {
            MessageDigest d = Data.sha256();
            OutputStream out = s.getOutputStream();
            byte[] before = Data.random(100 * 1024, 9);
            out.write(before);
            d.update(before);
            long n = before.length;
            ByteArrayOutputStream got = new ByteArrayOutputStream();
            s.getInputStream().transferTo(got);
            assertArrayEquals(greeting, got.toByteArray());
            for (int i = 0; i < 16; i++) {
                byte[] b = Data.random(64 * 1024 + i, i);
                out.write(b);
                d.update(b);
                n += b.length;
            }
            s.shutdownOutput();
            SpeakThenListenServer.Result r = speaker.results().poll(10, TimeUnit.SECONDS);
            assertNotNull(r);
            assertEquals(n, r.bytes());
            assertEquals(Data.hex(d.digest()), r.sha256());
        }
    }
}

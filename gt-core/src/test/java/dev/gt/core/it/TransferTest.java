package dev.gt.core.it;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.gt.api.ServiceSpec;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Bulk transfers in both directions, checked byte for byte (downloads of the pattern) or by
 * SHA-256 (uploads to the hash service). Correctness only: no speed is asserted.
 */
@Timeout(120)
class TransferTest {
    private static final long MIB = 1024 * 1024;

    private static Backend backend;
    private static SourceServer source;
    private static HashServer hash;
    private static GtPair gt;

    @BeforeAll
    static void start() throws Exception {
        backend = new Backend();
        source = new SourceServer(100 * MIB);
        hash = new HashServer();
        int base = FreePorts.block(50);
        gt = GtPair.start(s -> s.tcpPortRange(base + "-" + (base + 49)), c -> c
                .service(ServiceSpec.local(backend.url()).build())
                .service(ServiceSpec.local(source.url()).allowRandomServerPort(true).build())
                .service(ServiceSpec.local(hash.url()).allowRandomServerPort(true).build()));
    }

    @AfterAll
    static void stop() {
        if (gt != null) {
            gt.close();
        }
        for (AutoCloseable c : new AutoCloseable[] {backend, source, hash}) {
            try {
                if (c != null) {
                    c.close();
                }
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        }
    }

    @Test
    void downloadOf1MiBOverHttpHasEveryByteRight() throws Exception {
        RawHttp.Response r = RawHttp.get(gt.addr(), "id1.example.com", "/bytes?n=" + MIB);
        assertEquals(200, r.status(), r.head());
        assertEquals(MIB, r.body().length);
        assertEquals(MIB, Data.readPattern(new java.io.ByteArrayInputStream(r.body()), Long.MAX_VALUE));
    }

    @Test
    void downloadOf100MiBOverTcpHasEveryByteRight() throws Exception {
        try (Socket s = connect(gt.tcpPort(1))) {
            long n = Data.readPattern(s.getInputStream(), Long.MAX_VALUE);
            assertEquals(100 * MIB, n, "bytes received before EOF");
        }
    }

    @Test
    void uploadOf1MiBHashesRight() throws Exception {
        upload(MIB, 11);
    }

    @Test
    void uploadOf100MiBHashesRight() throws Exception {
        upload(100 * MIB, 12);
    }

    @Test
    void emptyUploadHashesRight() throws Exception {
        upload(0, 13);
    }

    @Test
    void shortUploadsSentRightAfterConnectingHashRight() throws Exception {
        // The visitor writes (or ends its output) before the server has even opened the stream:
        // those first bytes and that early end must not be lost. Repeated, as it is a race.
        int[] sizes = {0, 1, 1000, 100 * 1024};
        for (int i = 0; i < 40; i++) {
            upload(sizes[i % sizes.length], 100 + i);
        }
    }

    private static void upload(long size, long seed) throws Exception {
        try (Socket s = connect(gt.tcpPort(2))) {
            s.setSoTimeout(10_000);
            String sent = Data.writeRandom(s.getOutputStream(), size, seed);
            s.shutdownOutput();
            BufferedReader r = new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.US_ASCII));
            assertEquals(sent, r.readLine(), "SHA-256 of the " + size + " bytes the hash service got");
            assertEquals(null, r.readLine(), "the hash service closes after its answer");
        }
    }

    static Socket connect(int port) throws Exception {
        Socket s = new Socket();
        s.connect(new InetSocketAddress("127.0.0.1", port), 5000);
        s.setSoTimeout(30_000);
        return s;
    }
}

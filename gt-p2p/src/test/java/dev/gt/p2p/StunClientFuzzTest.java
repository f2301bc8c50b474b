package dev.gt.p2p;

import static org.junit.jupiter.api.Assertions.assertTrue;

import com.code_intelligence.jazzer.junit.FuzzTest;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Timeout;
import dev.gt.p2p.internal.StunParser;
import io.netty.buffer.Unpooled;
import java.net.InetSocketAddress;

/** The client's reading of an answer: an address, nothing, or a StunException with a sane message. */
@Timeout(value = 10, unit = TimeUnit.MINUTES) // a fuzzing run (JAZZER_FUZZ=1) lasts maxDuration
class StunClientFuzzTest {
    private static final InetSocketAddress SERVER = new InetSocketAddress("127.0.0.1", 3478);

    @FuzzTest(maxDuration = "3m")
    void interpret(byte[] input) {
        StunParser p = new StunParser();
        if (!p.parse(Unpooled.wrappedBuffer(input))) {
            return;
        }
        try {
            StunClient.interpret(p, SERVER);
        } catch (StunException e) {
            assertTrue(e.errorCode() >= 300 && e.errorCode() <= 699, "code " + e.errorCode());
            assertTrue(e.getMessage().chars().allMatch(c -> c >= 0x20 && c < 0x7F), "unprintable: " + e.getMessage());
        }
    }
}

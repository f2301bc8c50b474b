package dev.gt.core.internal.http;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelOutboundHandlerAdapter;
import io.netty.channel.ChannelPromise;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.util.ReferenceCountUtil;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.channels.ClosedChannelException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Mirrors GT's client/task_test.go: the rewrite is byte-exact for every chunk size. */
class HostRewriterTest {

    private static final String LOCAL = "127.0.0.1:8080";
    private static final int MAX = 16384;

    private static final String FIRST = "GET /index.html HTTP/1.1\r\n"
            + "User-Agent: curl/8.5.0\r\n"
            + "Host: www.baidu.com\r\n"
            + "Accept: */*\r\n"
            + "Content-Length: 5\r\n"
            + "\r\n"
            + "Host:";
    private static final String SECOND = "GET /second HTTP/1.1\r\nHost: www.baidu.com\r\n\r\n";
    private static final String EXPECTED = FIRST.replace("Host: www.baidu.com\r\n", "Host: " + LOCAL + "\r\n")
            + SECOND;

    @Test
    void everyChunkSizeGivesTheSameBytes() {
        assertRewrite(FIRST + SECOND, EXPECTED, MAX);
    }

    @Test
    void headerNameIsCaseInsensitiveAndWholeLineIsReplaced() {
        assertRewrite("GET / HTTP/1.1\nhost:a.b.c:1\nX: y\n\nGET / HTTP/1.1\nHost: z\n\n",
                "GET / HTTP/1.1\nHost: " + LOCAL + "\r\nX: y\n\nGET / HTTP/1.1\nHost: z\n\n", MAX);
        assertRewrite("GET / HTTP/1.1\r\nHOST: a\r\n\r\n", "GET / HTTP/1.1\r\nHost: " + LOCAL + "\r\n\r\n", MAX);
    }

    @Test
    void requestLineAndLookalikesAreLeftAlone() {
        String input = "GET /Host: HTTP/1.1\r\nHostname: a\r\nX-Host: b\r\nHost: c\r\n\r\n";
        assertRewrite(input, input.replace("Host: c\r\n", "Host: " + LOCAL + "\r\n"), MAX);
    }

    @Test
    void headWithoutHostPassesUnchanged() {
        String input = "GET / HTTP/1.0\r\nAccept: */*\r\n\r\nHost: in.the.body\r\n";
        assertRewrite(input, input, MAX);
    }

    @Test
    void boundReachedPassesUnchanged() {
        String input = "GET / HTTP/1.1\r\nUser-Agent: a-rather-long-agent\r\nHost: www.baidu.com\r\n\r\n";
        assertRewrite(input, input, 40);
        // The Host line must end within the bound.
        int end = input.indexOf("Host: www.baidu.com\r\n") + "Host: www.baidu.com\r\n".length();
        assertRewrite(input, input, end - 1);
        assertRewrite(input, input.replace("Host: www.baidu.com", "Host: " + LOCAL), end);
    }

    private static void assertRewrite(String input, String expected, int max) {
        byte[] bytes = input.getBytes(StandardCharsets.US_ASCII);
        for (int chunk = 1; chunk <= bytes.length; chunk++) {
            EmbeddedChannel ch = new EmbeddedChannel(new HostRewriter(LOCAL, max));
            List<ChannelFuture> writes = new ArrayList<>();
            for (int i = 0; i < bytes.length; i += chunk) {
                int n = Math.min(chunk, bytes.length - i);
                writes.add(ch.write(ch.alloc().buffer(n).writeBytes(bytes, i, n)));
            }
            ch.flush();
            assertEquals(expected, drain(ch), "chunk size " + chunk);
            for (ChannelFuture f : writes) {
                assertTrue(f.isSuccess(), "chunk size " + chunk);
            }
            assertNull(ch.pipeline().get(HostRewriter.class), "handler should have left, chunk size " + chunk);
            assertFalse(ch.finishAndReleaseAll());
        }
    }

    private static String drain(EmbeddedChannel ch) {
        StringBuilder out = new StringBuilder();
        for (Object msg; (msg = ch.readOutbound()) != null; ) {
            ByteBuf buf = (ByteBuf) msg;
            out.append(buf.toString(StandardCharsets.US_ASCII));
            buf.release();
        }
        return out.toString();
    }

    /** From the allocator, not Unpooled.wrappedBuffer, so that the leak detector tracks it. */
    private static ByteBuf ascii(String s) {
        ByteBuf buf = ByteBufAllocator.DEFAULT.buffer(s.length());
        buf.writeCharSequence(s, StandardCharsets.US_ASCII);
        return buf;
    }

    @Test
    void heldWritesCompleteWithTheWriteThatCarriesThem() {
        EmbeddedChannel ch = new EmbeddedChannel(new HostRewriter(LOCAL, MAX));
        ChannelFuture first = ch.writeAndFlush(ascii("GET / HTTP/1.1\r\nHo"));
        ChannelFuture second = ch.writeAndFlush(ascii("st: a.b"));
        assertFalse(first.isDone());
        assertFalse(second.isDone());
        assertNull(ch.readOutbound(), "nothing may leave before the Host line is complete");

        ChannelFuture third = ch.write(ascii("\r\n\r\n"));
        // The earlier flush still applies to the held bytes.
        assertTrue(first.isSuccess());
        assertTrue(second.isSuccess());
        assertTrue(third.isSuccess());
        assertEquals("GET / HTTP/1.1\r\nHost: " + LOCAL + "\r\n\r\n", drain(ch));
        assertFalse(ch.finishAndReleaseAll());
    }

    @Test
    void failedWriteFailsEveryHeldPromise() {
        IOException boom = new IOException("local service went away");
        EmbeddedChannel ch = new EmbeddedChannel(new ChannelOutboundHandlerAdapter() {
            @Override
            public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
                ReferenceCountUtil.release(msg);
                promise.setFailure(boom);
            }
        }, new HostRewriter(LOCAL, MAX));
        ChannelFuture first = ch.write(ascii("GET / HTTP/1.1\r\n"));
        ChannelFuture second = ch.write(ascii("Host: x\r\n"));
        ch.flush();
        assertSame(boom, first.cause());
        assertSame(boom, second.cause());
        assertFalse(ch.finishAndReleaseAll());
    }

    @Test
    void voidPromisesAreAccepted() {
        EmbeddedChannel ch = new EmbeddedChannel(new HostRewriter(LOCAL, MAX));
        ch.write(ascii("GET / HTTP/1.1\r\n"), ch.voidPromise());
        ChannelFuture second = ch.write(ascii("Host: x\r\n"));
        ch.write(ascii("\r\n"), ch.voidPromise());
        ch.flush();
        assertTrue(second.isSuccess());
        assertEquals("GET / HTTP/1.1\r\nHost: " + LOCAL + "\r\n\r\n", drain(ch));
        assertFalse(ch.finishAndReleaseAll());
    }

    @Test
    void closeWhileHoldingReleasesAndFails() {
        EmbeddedChannel ch = new EmbeddedChannel(new HostRewriter(LOCAL, MAX));
        ChannelFuture held = ch.writeAndFlush(ascii("GET / HTTP/1.1\r\nHost: incompl"));
        ch.close();
        assertInstanceOf(ClosedChannelException.class, held.cause());
        assertNull(ch.readOutbound());
        assertFalse(ch.finishAndReleaseAll());
    }

    @Test
    void removalWhileHoldingReleasesAndFails() {
        HostRewriter rewriter = new HostRewriter(LOCAL, MAX);
        EmbeddedChannel ch = new EmbeddedChannel(rewriter);
        ChannelFuture held = ch.writeAndFlush(ascii("GET / HTTP/1.1\r\n"));
        ch.pipeline().remove(rewriter);
        assertNotNull(held.cause());
        assertNull(ch.readOutbound());
        // Later bytes go straight through.
        ch.writeAndFlush(ascii("Host: x\r\n"));
        assertEquals("Host: x\r\n", drain(ch));
        assertFalse(ch.finishAndReleaseAll());
    }

    @Test
    void otherMessagesKeepTheirPlaceInTheStream() {
        EmbeddedChannel ch = new EmbeddedChannel(new HostRewriter(LOCAL, MAX));
        ChannelFuture held = ch.write(ascii("GET / HTTP/1.1\r\nHo"));
        Object marker = new Object();
        ChannelFuture markerWrite = ch.write(marker);
        ch.write(ascii("st: x\r\n\r\n"));
        ch.flush();
        assertTrue(held.isSuccess());
        assertTrue(markerWrite.isSuccess());
        ByteBuf first = ch.readOutbound();
        assertEquals("GET / HTTP/1.1\r\nHo", first.toString(StandardCharsets.US_ASCII));
        first.release();
        assertSame(marker, ch.readOutbound());
        assertEquals("st: x\r\n\r\n", drain(ch));
        assertNull(ch.pipeline().get(HostRewriter.class));
        ch.finishAndReleaseAll();
    }

    @Test
    void constructorChecksItsArguments() {
        assertThrows(IllegalArgumentException.class, () -> new HostRewriter("", MAX));
        assertThrows(IllegalArgumentException.class, () -> new HostRewriter("a\r\nX-Injected: 1", MAX));
        assertThrows(IllegalArgumentException.class, () -> new HostRewriter("a b", MAX));
        assertThrows(IllegalArgumentException.class, () -> new HostRewriter("a".repeat(513), MAX));
        assertThrows(IllegalArgumentException.class, () -> new HostRewriter(LOCAL, 0));
    }
}

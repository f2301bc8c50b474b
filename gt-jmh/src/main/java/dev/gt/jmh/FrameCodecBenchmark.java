package dev.gt.jmh;

import dev.gt.core.internal.proto.FrameDecoder;
import dev.gt.core.internal.proto.FrameListener;
import dev.gt.core.internal.proto.Protocol;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.channel.embedded.EmbeddedChannel;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.infra.Blackhole;

/**
 * The frame codec alone: encoding a DATA header, and decoding a batch of 16 DATA frames (plus a
 * WINDOW and a PING) from one buffer, as a tunnel read would deliver them. Run with
 * {@code -prof gc}: the decode path should allocate nothing per frame beyond the slice objects.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = {"-Dio.netty.leakDetection.level=disabled"})
public class FrameCodecBenchmark {
    @Param({"128", "16384"})
    int payload;

    private final ByteBufAllocator alloc = PooledByteBufAllocator.DEFAULT;
    private ByteBuf batch;
    private EmbeddedChannel channel;
    private Sink sink;

    /** Counts and releases what the decoder hands out. */
    static final class Sink implements FrameListener {
        Blackhole bh;

        @Override
        public void onData(int stream, boolean fin, ByteBuf p) {
            bh.consume(p.readableBytes());
            p.release();
        }

        @Override
        public void onOpen(int stream, int serviceIndex, byte[] visitorIp, int visitorPort) {
        }

        @Override
        public void onAccept(int stream) {
        }

        @Override
        public void onReset(int stream, int code, String message) {
        }

        @Override
        public void onWindow(int stream, int increment) {
            bh.consume(increment);
        }

        @Override
        public void onPing(long opaque) {
            bh.consume(opaque);
        }

        @Override
        public void onPong(long opaque) {
        }

        @Override
        public void onGoAway(int code, String message) {
        }

        @Override
        public void onReady(int window, long timeoutMillis, int tunnelId) {
        }

        @Override
        public void onService(int index, int kind, int tcpPort, String host) {
        }

        @Override
        public void onError(int code, int serviceIndex, String message) {
        }
    }

    @Setup(Level.Trial)
    public void setup(Blackhole bh) {
        sink = new Sink();
        sink.bh = bh;
        channel = new EmbeddedChannel(new FrameDecoder(sink, false));
        batch = alloc.directBuffer();
        for (int i = 0; i < 16; i++) {
            ByteBuf h = Protocol.dataHeader(alloc, 2 * i + 1, payload, false);
            batch.writeBytes(h);
            h.release();
            batch.writeZero(payload);
        }
        ByteBuf w = Protocol.window(alloc, 1, 65536);
        batch.writeBytes(w);
        w.release();
        ByteBuf p = Protocol.ping(alloc, 42);
        batch.writeBytes(p);
        p.release();
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        batch.release();
        channel.finishAndReleaseAll();
    }

    /** Decodes 18 frames from one read buffer. */
    @Benchmark
    public void decodeBatch() {
        channel.writeInbound(batch.retainedDuplicate());
    }

    /** Encodes one DATA header (the payload buffer itself is never copied). */
    @Benchmark
    public void encodeDataHeader(Blackhole bh) {
        ByteBuf h = Protocol.dataHeader(alloc, 7, payload, false);
        bh.consume(h.writerIndex());
        h.release();
    }
}

package dev.gt.runner.it;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import java.util.concurrent.CountDownLatch;

/**
 * A JVM that leaks one Netty buffer, run with gt.jar's Netty and slf4j-simple by
 * {@link GtProcessLeakCheckIT}. Like gt, it allocates buffers while it shuts down (gt writes its
 * goodbye frames then), which is when Netty reports what the GC found.
 */
public final class LeakingMain {
    private LeakingMain() {
    }

    public static void main(String[] args) throws InterruptedException {
        ByteBuf leaked = PooledByteBufAllocator.DEFAULT.directBuffer(64);
        leaked.writeLong(42);
        leaked = null;
        CountDownLatch stop = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            PooledByteBufAllocator.DEFAULT.directBuffer(16).release();
            stop.countDown();
        }));
        System.out.println("leaked one buffer");
        System.out.flush();
        stop.await();
    }
}

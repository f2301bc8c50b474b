package dev.gt.transport.tcp;

import dev.gt.api.spi.IoEngine;
import dev.gt.api.spi.IoEngineProvider;
import io.netty.channel.uring.IoUring;
import io.netty.channel.uring.IoUringIoHandler;
import io.netty.channel.uring.IoUringChannelOption;
import io.netty.channel.uring.IoUringDatagramChannel;
import io.netty.channel.uring.IoUringServerSocketChannel;
import io.netty.channel.uring.IoUringSocketChannel;

/**
 * Linux io_uring: the preferred engine where the kernel allows it.
 *
 * <p>It turns Netty's multishot accept off ({@code io.netty.iouring.acceptMultiShotEnabled=false})
 * unless the application set that property itself: a multishot accept stays armed in the kernel
 * while the listener is told to pause, so when the process runs out of file descriptors the
 * failures come back in a tight loop (over 100,000 a second) however the listener backs off.
 * With single-shot accepts the listener's pause works as on epoll and NIO. The property is read
 * once, when Netty's io_uring support is first loaded in the JVM.
 */
public final class IoUringEngineProvider implements IoEngineProvider {
    static final String ACCEPT_MULTISHOT = "io.netty.iouring.acceptMultiShotEnabled";

    /** Created by ServiceLoader before anything touches Netty's io_uring classes. */
    public IoUringEngineProvider() {
        if (System.getProperty(ACCEPT_MULTISHOT) == null) {
            System.setProperty(ACCEPT_MULTISHOT, "false");
        }
    }

    @Override
    public String name() {
        return "io_uring";
    }

    @Override
    public int priority() {
        // Below epoll: with Netty 4.2.18, io_uring cost 15 µs of relay CPU per short request where
        // epoll cost 11, and 760 against 630 µs per MiB in bulk (bench/gt-pair.sh, one loop each).
        return 20;
    }

    @Override
    public boolean isAvailable() {
        return Natives.safely(IoUring::isAvailable);
    }

    @Override
    public Throwable unavailabilityCause() {
        return Natives.cause(IoUring::unavailabilityCause);
    }

    @Override
    public IoEngine create(int threads, String threadNamePrefix) {
        return new NettyIoEngine(name(), IoUringIoHandler.newFactory(), threads, threadNamePrefix,
                IoUringServerSocketChannel::new, IoUringSocketChannel::new,
                IoUringDatagramChannel::new, IoUringChannelOption.SO_REUSEPORT, false,
                IoUringDatagramChannel.isSegmentedDatagramPacketSupported());
    }
}

package dev.gt.transport.tcp;

import dev.gt.api.spi.IoEngine;
import dev.gt.api.spi.IoEngineProvider;
import io.netty.channel.uring.IoUring;
import io.netty.channel.uring.IoUringIoHandler;
import io.netty.channel.uring.IoUringDatagramChannel;
import io.netty.channel.uring.IoUringServerSocketChannel;
import io.netty.channel.uring.IoUringSocketChannel;

/** Linux io_uring: the preferred transport where the kernel allows it. */
public final class IoUringEngineProvider implements IoEngineProvider {
    @Override
    public String name() {
        return "io_uring";
    }

    @Override
    public int priority() {
        return 30;
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
                IoUringServerSocketChannel::new, IoUringSocketChannel::new, IoUringDatagramChannel::new);
    }
}

package dev.gt.transport.tcp;

import dev.gt.api.spi.IoTransport;
import dev.gt.api.spi.TransportProvider;
import io.netty.channel.uring.IoUring;
import io.netty.channel.uring.IoUringChannelOption;
import io.netty.channel.uring.IoUringDatagramChannel;
import io.netty.channel.uring.IoUringIoHandler;
import io.netty.channel.uring.IoUringServerSocketChannel;
import io.netty.channel.uring.IoUringSocketChannel;

/** Linux io_uring: the preferred transport where the kernel allows it. */
public final class IoUringTransportProvider implements TransportProvider {
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
    public IoTransport create(int threads, String threadNamePrefix) {
        return new NettyIoTransport(name(), IoUringIoHandler.newFactory(), threads, threadNamePrefix,
                IoUringServerSocketChannel::new, IoUringSocketChannel::new,
                IoUringDatagramChannel::new, IoUringChannelOption.SO_REUSEPORT);
    }
}

package dev.gt.transport.tcp;

import dev.gt.api.spi.IoEngine;
import dev.gt.api.spi.IoEngineProvider;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollChannelOption;
import io.netty.channel.epoll.EpollDatagramChannel;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.epoll.EpollSocketChannel;

/** Linux epoll: used where io_uring is not available. */
public final class EpollEngineProvider implements IoEngineProvider {
    @Override
    public String name() {
        return "epoll";
    }

    @Override
    public int priority() {
        return 30;
    }

    @Override
    public boolean isAvailable() {
        return Natives.safely(Epoll::isAvailable);
    }

    @Override
    public Throwable unavailabilityCause() {
        return Natives.cause(Epoll::unavailabilityCause);
    }

    @Override
    public IoEngine create(int threads, String threadNamePrefix) {
        return new NettyIoEngine(name(), EpollIoHandler.newFactory(), threads, threadNamePrefix,
                EpollServerSocketChannel::new, EpollSocketChannel::new,
                EpollDatagramChannel::new, EpollChannelOption.SO_REUSEPORT, true,
                EpollDatagramChannel.isSegmentedDatagramPacketSupported());
    }
}

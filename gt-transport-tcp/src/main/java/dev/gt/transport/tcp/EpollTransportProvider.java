package dev.gt.transport.tcp;

import dev.gt.api.spi.IoTransport;
import dev.gt.api.spi.TransportProvider;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollChannelOption;
import io.netty.channel.epoll.EpollDatagramChannel;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.epoll.EpollSocketChannel;

/** Linux epoll: used where io_uring is not available. */
public final class EpollTransportProvider implements TransportProvider {
    @Override
    public String name() {
        return "epoll";
    }

    @Override
    public int priority() {
        return 20;
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
    public IoTransport create(int threads, String threadNamePrefix) {
        return new NettyIoTransport(name(), EpollIoHandler.newFactory(), threads, threadNamePrefix,
                EpollServerSocketChannel::new, EpollSocketChannel::new,
                EpollDatagramChannel::new, EpollChannelOption.SO_REUSEPORT);
    }
}

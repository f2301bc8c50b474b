package dev.gt.transport.tcp;

import dev.gt.api.spi.IoTransport;
import dev.gt.api.spi.TransportProvider;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioDatagramChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;

/** Java NIO: available everywhere, the last resort. */
public final class NioTransportProvider implements TransportProvider {
    @Override
    public String name() {
        return "nio";
    }

    @Override
    public int priority() {
        return 10;
    }

    @Override
    public boolean isAvailable() {
        return true;
    }

    @Override
    public Throwable unavailabilityCause() {
        return null;
    }

    @Override
    public IoTransport create(int threads, String threadNamePrefix) {
        return new NettyIoTransport(name(), NioIoHandler.newFactory(), threads, threadNamePrefix,
                NioServerSocketChannel::new, NioSocketChannel::new,
                NioDatagramChannel::new, null);
    }
}

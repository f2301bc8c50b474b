package dev.gt.transport.tcp;

import dev.gt.api.spi.IoEngine;
import dev.gt.api.spi.IoEngineProvider;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioDatagramChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;

/** Java NIO: available everywhere, the last resort. */
public final class NioEngineProvider implements IoEngineProvider {
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
    public IoEngine create(int threads, String threadNamePrefix) {
        return new NettyIoEngine(name(), NioIoHandler.newFactory(), threads, threadNamePrefix,
                NioServerSocketChannel::new, NioSocketChannel::new,
                NioDatagramChannel::new, null, true, false);
    }
}

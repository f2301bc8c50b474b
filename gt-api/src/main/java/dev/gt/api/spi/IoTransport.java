package dev.gt.api.spi;

import io.netty.channel.Channel;
import io.netty.channel.ChannelFactory;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.ServerChannel;
import java.util.concurrent.CompletableFuture;

/** Event loops plus the matching socket channel types, created by a {@link TransportProvider}. */
public interface IoTransport extends AutoCloseable {
    /** The provider's name. */
    String name();

    /** The event loops; channels of this transport must be registered on them. */
    EventLoopGroup group();

    /** Creates listening TCP channels. */
    ChannelFactory<? extends ServerChannel> serverChannelFactory();

    /** Creates outgoing TCP channels. */
    ChannelFactory<? extends Channel> socketChannelFactory();

    /** Shuts the event loops down gracefully; the future completes when they have terminated. */
    CompletableFuture<Void> shutdown();

    /** Shuts down and waits; idempotent. */
    @Override
    void close();
}

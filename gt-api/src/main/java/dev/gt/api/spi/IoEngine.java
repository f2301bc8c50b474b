package dev.gt.api.spi;

import io.netty.channel.Channel;
import io.netty.channel.ChannelFactory;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.ServerChannel;
import io.netty.channel.socket.DatagramChannel;
import java.util.concurrent.CompletableFuture;

/**
 * An I/O engine: event loops plus the matching socket and datagram channel types (io_uring,
 * epoll, NIO), created by an {@link IoEngineProvider}. Visitors, local services and the tunnels
 * of every tunnel transport run on it. Not to be confused with a tunnel transport
 * ({@link TunnelTransportProvider}: tcp, tls, quic), which decides how a tunnel is carried.
 */
public interface IoEngine extends AutoCloseable {
    /** The provider's name. */
    String name();

    /** The event loops; channels of this engine must be registered on them. */
    EventLoopGroup group();

    /** Creates listening TCP channels. */
    ChannelFactory<? extends ServerChannel> serverChannelFactory();

    /** Creates outgoing TCP channels. */
    ChannelFactory<? extends Channel> socketChannelFactory();

    /** Creates UDP channels, for listening (bind) and for sending to any address. */
    ChannelFactory<? extends DatagramChannel> datagramChannelFactory();

    /**
     * The option that lets several datagram channels of this transport bind the same address and
     * port, the kernel spreading datagrams among them by source address (Linux
     * {@code SO_REUSEPORT}), or {@code null} when the transport has none. A UDP server uses it to
     * run one channel per event loop.
     */
    default ChannelOption<Boolean> reusePortOption() {
        return null;
    }

    /**
     * Whether an open channel can leave one of the engine's loops for another (deregistered, then
     * registered again) without losing bytes: the server moves a visitor to its tunnel's loop so
     * that no byte of the stream crosses threads. Netty's epoll and NIO can; its io_uring cancels
     * reads in flight, so it says no.
     */
    default boolean canMoveChannels() {
        return false;
    }

    /**
     * Whether this engine's datagram channels send a {@code io.netty.channel.unix.SegmentedDatagramPacket}
     * as one system call that the kernel cuts into equal datagrams (Linux UDP generic segmentation
     * offload, {@code UDP_SEGMENT}). A datagram transport that sends runs of full-size packets, such
     * as QUIC in bulk, then pays one system call per run instead of one per packet.
     */
    default boolean canSegmentDatagrams() {
        return false;
    }

    /** Shuts the event loops down gracefully; the future completes when they have terminated. */
    CompletableFuture<Void> shutdown();

    /** Shuts down and waits; idempotent. */
    @Override
    void close();
}

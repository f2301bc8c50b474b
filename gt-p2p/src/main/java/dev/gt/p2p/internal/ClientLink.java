package dev.gt.p2p.internal;

import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.socket.DatagramPacket;
import java.net.InetSocketAddress;

/**
 * Where a client's messages come from and how to answer it: a UDP source address on one of the
 * server's UDP sockets, or a TCP connection. It is also the TURN 5-tuple, which owns at most one
 * allocation.
 */
abstract class ClientLink {
    final Channel channel;

    ClientLink(Channel channel) {
        this.channel = channel;
    }

    abstract InetSocketAddress remote();

    abstract InetSocketAddress local();

    abstract boolean tcp();

    /** Queues a message to the client (the caller flushes); takes ownership of {@code msg}. */
    abstract void write(ByteBuf msg);

    /** Whether the link can take more now; a full TCP connection drops relayed datagrams instead of queueing. */
    abstract boolean writable();

    abstract Allocation allocation();

    /** Binds an allocation to this 5-tuple; false when one is already there. */
    abstract boolean attach(Allocation a);

    abstract void detach(Allocation a);

    /** A client on one of the UDP sockets of an endpoint. */
    static final class Udp extends ClientLink {
        private final UdpEndpoint endpoint;
        private final InetSocketAddress remote;

        Udp(Channel channel, UdpEndpoint endpoint, InetSocketAddress remote) {
            super(channel);
            this.endpoint = endpoint;
            this.remote = remote;
        }

        @Override
        InetSocketAddress remote() {
            return remote;
        }

        @Override
        InetSocketAddress local() {
            return endpoint.local;
        }

        @Override
        boolean tcp() {
            return false;
        }

        @Override
        void write(ByteBuf msg) {
            channel.write(new DatagramPacket(msg, remote), channel.voidPromise());
        }

        @Override
        boolean writable() {
            return true;
        }

        @Override
        Allocation allocation() {
            return endpoint.allocations.get(remote);
        }

        @Override
        boolean attach(Allocation a) {
            return endpoint.allocations.putIfAbsent(remote, a) == null;
        }

        @Override
        void detach(Allocation a) {
            endpoint.allocations.remove(remote, a);
        }
    }

    /** A client on a TCP connection. */
    static final class Tcp extends ClientLink {
        private Allocation allocation;

        Tcp(Channel channel) {
            super(channel);
        }

        @Override
        InetSocketAddress remote() {
            return (InetSocketAddress) channel.remoteAddress();
        }

        @Override
        InetSocketAddress local() {
            return (InetSocketAddress) channel.localAddress();
        }

        @Override
        boolean tcp() {
            return true;
        }

        @Override
        void write(ByteBuf msg) {
            channel.write(msg, channel.voidPromise());
        }

        @Override
        boolean writable() {
            return channel.isWritable();
        }

        @Override
        Allocation allocation() {
            return allocation;
        }

        @Override
        boolean attach(Allocation a) {
            if (allocation != null) {
                return false;
            }
            allocation = a;
            return true;
        }

        @Override
        void detach(Allocation a) {
            if (allocation == a) {
                allocation = null;
            }
        }
    }
}

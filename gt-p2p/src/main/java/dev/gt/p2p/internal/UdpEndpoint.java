package dev.gt.p2p.internal;

import io.netty.channel.Channel;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * One bound UDP address of the server, served by one socket per event loop (SO_REUSEPORT) or a
 * single socket. The kernel sends a client's datagrams to the same socket every time, so an
 * allocation and its client's socket share a loop; the map is concurrent for the rare exception.
 */
final class UdpEndpoint {
    final InetSocketAddress local;
    final ConcurrentHashMap<InetSocketAddress, Allocation> allocations = new ConcurrentHashMap<>();
    final List<Channel> channels = new CopyOnWriteArrayList<>();

    UdpEndpoint(InetSocketAddress local) {
        this.local = local;
    }
}

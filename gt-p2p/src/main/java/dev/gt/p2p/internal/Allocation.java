package dev.gt.p2p.internal;

import io.netty.channel.Channel;
import io.netty.channel.EventLoop;
import io.netty.util.collection.IntObjectHashMap;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.HashMap;
import java.util.Iterator;
import java.util.Map;

/**
 * A TURN allocation (RFC 5766 §5): the relay socket, its lifetime, permissions by peer IP and
 * channel bindings. Confined to {@link #loop}, the event loop of the client's socket; nothing here
 * is thread-safe.
 */
final class Allocation {
    /** After a channel binding expires its number and peer stay reserved this long (RFC 5766 §11). */
    static final long CHANNEL_QUARANTINE_MILLIS = 5 * 60_000;

    final ClientLink link;
    final EventLoop loop;
    final String username;
    final byte[] key;
    /** Cookie and transaction id of the Allocate request, to answer its retransmissions. */
    final byte[] transactionId;
    final InetAddress relayIp;
    final boolean even;
    final TokenBucket toPeers;
    final TokenBucket toClient;

    int port;
    /** Whether the port after {@link #port} was taken for a reservation (EVEN-PORT with R). */
    boolean reserveNext;
    /** The token of that reservation once made, else 0. */
    long reservationToken;
    Channel relay;
    InetSocketAddress relayAddress;
    long expiresAt;
    long lifetimeMillis;
    boolean active;
    boolean closed;

    final Map<InetAddress, long[]> permissions = new HashMap<>();
    final IntObjectHashMap<ChannelBinding> channels = new IntObjectHashMap<>();
    final Map<InetSocketAddress, ChannelBinding> channelsByPeer = new HashMap<>();

    Allocation(ClientLink link, EventLoop loop, String username, byte[] key, byte[] transactionId, InetAddress relayIp,
            boolean even, long bandwidth, long nowNanos) {
        this.link = link;
        this.loop = loop;
        this.username = username;
        this.key = key;
        this.transactionId = transactionId;
        this.relayIp = relayIp;
        this.even = even;
        this.toPeers = bandwidth > 0 ? new TokenBucket(bandwidth, nowNanos) : null;
        this.toClient = bandwidth > 0 ? new TokenBucket(bandwidth, nowNanos) : null;
    }

    boolean permitted(InetAddress peer, long now) {
        long[] p = permissions.get(peer);
        return p != null && now < p[0];
    }

    void permit(InetAddress peer, long until) {
        long[] p = permissions.get(peer);
        if (p == null) {
            permissions.put(peer, new long[] {until});
        } else {
            p[0] = until;
        }
    }

    /** Drops expired permissions and channel bindings past their quarantine. */
    void sweep(long now) {
        permissions.values().removeIf(p -> now >= p[0]);
        Iterator<ChannelBinding> it = channelsByPeer.values().iterator();
        while (it.hasNext()) {
            ChannelBinding b = it.next();
            if (now >= b.expiresAt + CHANNEL_QUARANTINE_MILLIS) {
                it.remove();
                channels.remove(b.number);
            }
        }
    }

    /** A channel number bound to a peer transport address. */
    static final class ChannelBinding {
        final int number;
        final InetSocketAddress peer;
        long expiresAt;

        ChannelBinding(int number, InetSocketAddress peer) {
            this.number = number;
            this.peer = peer;
        }

        boolean valid(long now) {
            return now < expiresAt;
        }
    }
}

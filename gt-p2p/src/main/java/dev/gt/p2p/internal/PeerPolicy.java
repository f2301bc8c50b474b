package dev.gt.p2p.internal;

import java.net.InetAddress;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;

/**
 * Which peers a TURN allocation may relay to. Refused by default (coturn's recommended
 * {@code denied-peer-ip} set, plus loopback and multicast): the unspecified, loopback, private
 * (RFC 1918, RFC 6598 shared, IPv6 unique-local), link-local, multicast, broadcast, benchmarking
 * and documentation ranges, and every address of this server; an IPv4-mapped or NAT64 IPv6
 * address is judged by the IPv4 address inside. Configured deny ranges are added; allow ranges
 * ({@code -turnAllowPeer}) win over every denial. Immutable.
 */
public final class PeerPolicy {
    private static final List<Cidr> DEFAULT_DENIED = List.of(
            Cidr.parse("0.0.0.0/8"), Cidr.parse("10.0.0.0/8"), Cidr.parse("100.64.0.0/10"),
            Cidr.parse("127.0.0.0/8"), Cidr.parse("169.254.0.0/16"), Cidr.parse("172.16.0.0/12"),
            Cidr.parse("192.0.0.0/24"), Cidr.parse("192.0.2.0/24"), Cidr.parse("192.168.0.0/16"),
            Cidr.parse("198.18.0.0/15"), Cidr.parse("198.51.100.0/24"), Cidr.parse("203.0.113.0/24"),
            Cidr.parse("224.0.0.0/4"), Cidr.parse("240.0.0.0/4"),
            Cidr.parse("::/128"), Cidr.parse("::1/128"), Cidr.parse("fc00::/7"), Cidr.parse("fe80::/10"),
            Cidr.parse("ff00::/8"), Cidr.parse("2001:db8::/32"), Cidr.parse("100::/64"));
    private static final byte[] NAT64_PREFIX = {0, 0x64, (byte) 0xff, (byte) 0x9b, 0, 0, 0, 0, 0, 0, 0, 0};

    private final List<Cidr> allowed;
    private final List<Cidr> denied;
    private final Set<InetAddress> own;

    public PeerPolicy(List<Cidr> allowed, List<Cidr> extraDenied, Set<InetAddress> ownAddresses) {
        this.allowed = List.copyOf(allowed);
        List<Cidr> d = new ArrayList<>(DEFAULT_DENIED);
        d.addAll(extraDenied);
        this.denied = List.copyOf(d);
        this.own = Set.copyOf(ownAddresses);
    }

    /** Whether a permission or channel to this peer may be installed, and data sent to it. */
    public boolean permits(InetAddress peer) {
        byte[] a = peer.getAddress();
        for (Cidr c : allowed) {
            if (c.contains(a)) {
                return true;
            }
        }
        byte[] v4 = embeddedIpv4(a);
        if (v4 != null) {
            for (Cidr c : allowed) {
                if (c.contains(v4)) {
                    return true;
                }
            }
        }
        if (own.contains(peer) || denied(a) || (v4 != null && denied(v4))) {
            return false;
        }
        if (v4 != null) {
            try {
                return !own.contains(InetAddress.getByAddress(v4));
            } catch (java.net.UnknownHostException e) {
                return false;
            }
        }
        return true;
    }

    private boolean denied(byte[] a) {
        for (Cidr c : denied) {
            if (c.contains(a)) {
                return true;
            }
        }
        return a.length == 4 && a[0] == (byte) 255 && a[1] == (byte) 255 && a[2] == (byte) 255 && a[3] == (byte) 255;
    }

    /** The IPv4 address inside an IPv4-mapped (::ffff:a.b.c.d), IPv4-compatible or NAT64 address. */
    private static byte[] embeddedIpv4(byte[] a) {
        if (a.length != 16) {
            return null;
        }
        boolean zeros10 = true;
        for (int i = 0; i < 10; i++) {
            zeros10 &= a[i] == 0;
        }
        boolean mapped = zeros10 && a[10] == (byte) 0xff && a[11] == (byte) 0xff;
        boolean compatible = zeros10 && a[10] == 0 && a[11] == 0;
        boolean nat64 = Arrays.equals(a, 0, 12, NAT64_PREFIX, 0, 12);
        if (!mapped && !compatible && !nat64) {
            return null;
        }
        return Arrays.copyOfRange(a, 12, 16);
    }
}

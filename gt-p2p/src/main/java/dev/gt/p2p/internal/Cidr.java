package dev.gt.p2p.internal;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.Arrays;

/** An address range {@code a.b.c.d/n} or {@code x::y/n}; a bare address is a /32 or /128. Immutable. */
public final class Cidr {
    private final byte[] network;
    private final int prefix;

    private Cidr(byte[] network, int prefix) {
        this.network = network;
        this.prefix = prefix;
    }

    /**
     * Parses a range. Only literal addresses are accepted (never a host name, which would need DNS).
     *
     * @throws IllegalArgumentException naming the text and the expected form
     */
    public static Cidr parse(String text) {
        String t = text.trim();
        int slash = t.indexOf('/');
        String addr = slash < 0 ? t : t.substring(0, slash);
        if (!literal(addr)) {
            throw bad(text);
        }
        byte[] a;
        try {
            a = InetAddress.getByName(addr).getAddress();
        } catch (UnknownHostException e) {
            throw bad(text);
        }
        int max = a.length * 8;
        int p = max;
        if (slash >= 0) {
            try {
                p = Integer.parseInt(t.substring(slash + 1));
            } catch (NumberFormatException e) {
                throw bad(text);
            }
            if (p < 0 || p > max) {
                throw bad(text);
            }
        }
        return new Cidr(mask(a, p), p);
    }

    public static Cidr of(byte[] address, int prefix) {
        return new Cidr(mask(address.clone(), prefix), prefix);
    }

    private static boolean literal(String s) {
        if (s.isEmpty()) {
            return false;
        }
        if (s.indexOf(':') >= 0) {
            for (int i = 0; i < s.length(); i++) {
                char c = s.charAt(i);
                if (!(Character.digit(c, 16) >= 0 || c == ':' || c == '.')) {
                    return false;
                }
            }
            return true;
        }
        int dots = 0;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '.') {
                dots++;
            } else if (c < '0' || c > '9') {
                return false;
            }
        }
        return dots == 3;
    }

    private static byte[] mask(byte[] a, int prefix) {
        for (int i = 0; i < a.length; i++) {
            int bits = Math.max(0, Math.min(8, prefix - i * 8));
            a[i] &= (byte) (0xFF << (8 - bits));
        }
        return a;
    }

    private static IllegalArgumentException bad(String text) {
        return new IllegalArgumentException("'" + text + "' is not an address range (expected an IPv4 or IPv6 address,"
                + " optionally with /prefix, e.g. 10.0.0.0/8 or fd00::/8)");
    }

    /** Whether {@code address} (4 or 16 bytes) is in the range; families never match each other. */
    public boolean contains(byte[] address) {
        if (address.length != network.length) {
            return false;
        }
        int full = prefix / 8;
        for (int i = 0; i < full; i++) {
            if (address[i] != network[i]) {
                return false;
            }
        }
        int rest = prefix % 8;
        return rest == 0 || ((address[full] ^ network[full]) & (0xFF << (8 - rest)) & 0xFF) == 0;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Cidr && ((Cidr) o).prefix == prefix && Arrays.equals(((Cidr) o).network, network);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(network) * 31 + prefix;
    }

    @Override
    public String toString() {
        try {
            return InetAddress.getByAddress(network).getHostAddress() + "/" + prefix;
        } catch (UnknownHostException e) {
            return Arrays.toString(network) + "/" + prefix;
        }
    }
}

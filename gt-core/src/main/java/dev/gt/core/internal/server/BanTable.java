package dev.gt.core.internal.server;

import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.time.Duration;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.LongSupplier;

/**
 * Failed-login bans per source address, as GT's {@code -reconnectTimes} and
 * {@code -reconnectDuration} options describe them: an address with more than {@code times}
 * failures, each within {@code duration} of the previous one, is banned until {@code duration}
 * after its last failure.
 *
 * <p>IPv4 addresses are keyed by the full address, IPv6 ones by their /64 prefix: a host is
 * usually handed a whole /64, so banning single IPv6 addresses would be trivial to evade.
 * IPv4-mapped IPv6 addresses ({@code ::ffff:a.b.c.d}) count as the IPv4 address they carry, so a
 * dual-stack listener cannot be used to double the tolerated failures.
 *
 * <p>Counting and banning are kept apart, each bounded by {@code capacity}, so that a flood of
 * single failures from spoofed or rotating addresses costs bounded memory and can never push an
 * active ban out: the failure counts are a least-recently-failed cache (a count lost there only
 * delays a ban), while bans leave only when they expire. When the ban table is full, new bans are
 * aggregated by prefix (IPv4 /24, IPv6 /48) in a third table of the same bound; only when that is
 * full too does the prefix ban closest to expiry give way. Methods are synchronized: they run once
 * per login attempt, not per packet, so a lock is cheaper to reason about than anything cleverer.
 */
final class BanTable {
    /**
     * IPv4 keys look like the /64 prefix {@code ffff:ffff:aabb:ccdd::/64}, which lies in the
     * multicast range {@code ff00::/8}. Multicast addresses are never valid source addresses
     * (RFC 4291 §2.7), so no real IPv6 peer's /64 can collide with an IPv4 key, and both families
     * fit in one {@code long}.
     */
    private static final long IPV4_TAG = 0xFFFF_FFFF_0000_0000L;
    private static final long IPV4_SLASH_24 = 0xFFFF_FFFF_FFFF_FF00L;
    private static final long IPV6_SLASH_48 = 0xFFFF_FFFF_FFFF_0000L;

    private int times;
    private long durationNanos;
    private final int capacity;
    private final LongSupplier nanoClock;
    /**
     * Failure counts of addresses that are not banned. Insertion order is failure order:
     * {@link #recordFailure} re-inserts an entry on every failure, so the head is always the least
     * recently failed entry, and the expired entries form a prefix that can be dropped without
     * scanning the rest.
     */
    private final LinkedHashMap<Long, Entry> entries = new LinkedHashMap<>();
    /** Banned address keys with the time their ban was last renewed; insertion order = expiry order. */
    private final LinkedHashMap<Long, Long> bans = new LinkedHashMap<>();
    /** Banned /24 (IPv4) and /48 (IPv6) prefixes, used when {@link #bans} is full; same order. */
    private final LinkedHashMap<Long, Long> prefixBans = new LinkedHashMap<>();
    private long bansImposed;
    private long prefixBansImposed;
    private long prefixBansEvicted;

    /**
     * @param times failures tolerated; one more bans (GT's {@code -reconnectTimes}, 0 bans on the
     *     first failure)
     * @param duration the window in which failures add up, and the length of a ban (GT's
     *     {@code -reconnectDuration}); zero turns banning off
     * @param capacity the most addresses counted, banned, and prefixes banned at once (each)
     * @param nanoClock a {@link System#nanoTime()}-like clock; only differences are used
     */
    BanTable(int times, Duration duration, int capacity, LongSupplier nanoClock) {
        if (times < 0) {
            throw new IllegalArgumentException("-reconnectTimes must not be negative: " + times);
        }
        if (duration == null || duration.isNegative()) {
            throw new IllegalArgumentException("-reconnectDuration must not be negative: " + duration);
        }
        if (capacity < 1) {
            throw new IllegalArgumentException("ban table capacity must be positive: " + capacity);
        }
        this.times = times;
        this.durationNanos = saturatedNanos(duration);
        this.capacity = capacity;
        this.nanoClock = nanoClock;
    }

    /**
     * Counts a failed login from {@code address}, possibly banning it. Returns true when this
     * failure imposed or renewed a ban.
     */
    synchronized boolean recordFailure(InetAddress address) {
        if (durationNanos == 0) {
            // Bans of zero length never take effect; storing entries would only cost memory.
            return false;
        }
        long now = nanoClock.getAsLong();
        long key = key(address);
        // Cheap on every call: each entry is dropped at most once, and the loops stop at the first
        // live one. Keeps the tables small in steady state rather than only when they fill up.
        dropExpired(now);
        if (bans.remove(key) != null) {
            // A failure while banned renews the ban (the address is not even read while banned,
            // so this is a login that raced with its own ban).
            bans.put(key, now);
            return true;
        }
        // Removed and put back below, which moves it to the tail (most recently failed).
        Entry e = entries.remove(key);
        if (e == null) {
            if (entries.size() >= capacity) {
                // Everyone left failed within the window; forget the one that failed longest ago,
                // which is the entry closest to expiry anyway. Only a count is lost, never a ban.
                Iterator<Entry> eldest = entries.values().iterator();
                eldest.next();
                eldest.remove();
            }
            e = new Entry();
        } else if (now - e.lastFailure >= durationNanos) {
            // The previous failures are older than the window: start counting afresh.
            e.failures = 0;
        }
        if (e.failures < Integer.MAX_VALUE) {
            e.failures++;
        }
        e.lastFailure = now;
        if (e.failures <= times) {
            entries.put(key, e);
            return false;
        }
        ban(key, address, now);
        return true;
    }

    private void ban(long key, InetAddress address, long now) {
        if (bans.size() < capacity) {
            bans.put(key, now);
            bansImposed++;
            return;
        }
        long prefix = prefixKey(key, address);
        prefixBans.remove(prefix);
        if (prefixBans.size() >= capacity) {
            Iterator<Long> eldest = prefixBans.values().iterator();
            eldest.next();
            eldest.remove();
            prefixBansEvicted++;
        }
        prefixBans.put(prefix, now);
        prefixBansImposed++;
    }

    /** Returns how many nanoseconds {@code address} stays banned for, or 0 when it is not banned. */
    synchronized long bannedForNanos(InetAddress address) {
        if (durationNanos == 0 || bans.isEmpty() && prefixBans.isEmpty()) {
            return 0;
        }
        long key = key(address);
        long now = nanoClock.getAsLong();
        long left = remaining(bans.get(key), now);
        if (!prefixBans.isEmpty()) {
            left = Math.max(left, remaining(prefixBans.get(prefixKey(key, address)), now));
        }
        return left;
    }

    private long remaining(Long since, long now) {
        if (since == null) {
            return 0;
        }
        // Written as duration - age rather than since + duration - now: nanoTime values may be
        // near the long range's ends, but an age is small and non-negative.
        long age = now - since;
        return age >= durationNanos ? 0 : durationNanos - Math.max(age, 0);
    }

    /** The number of entries remembered: counted addresses, banned addresses and banned prefixes. */
    /**
     * New thresholds (a server reconfigured live): failures and bans on record are kept and now
     * expire after {@code duration}; {@link Duration#ZERO} turns banning off and forgets them.
     */
    synchronized void configure(int times, Duration duration) {
        if (times < 0 || duration == null || duration.isNegative()) {
            throw new IllegalArgumentException("ban settings " + times + ", " + duration);
        }
        this.times = times;
        this.durationNanos = saturatedNanos(duration);
        if (durationNanos == 0) {
            entries.clear();
            bans.clear();
            prefixBans.clear();
        }
    }

    /** The bans in force, most recent first, at most {@code max}, with the time each has left. */
    synchronized java.util.List<dev.gt.api.ServerState.Ban> banned(int max) {
        long now = nanoClock.getAsLong();
        dropExpired(now);
        java.util.List<dev.gt.api.ServerState.Ban> out = new java.util.ArrayList<>();
        addBans(out, bans, false, now);
        addBans(out, prefixBans, true, now);
        out.sort(java.util.Comparator.comparing(dev.gt.api.ServerState.Ban::remaining).reversed());
        return out.size() > max ? java.util.List.copyOf(out.subList(0, max)) : out;
    }

    private void addBans(java.util.List<dev.gt.api.ServerState.Ban> out, LinkedHashMap<Long, Long> table,
            boolean prefix, long now) {
        for (Map.Entry<Long, Long> e : table.entrySet()) {
            long left = remaining(e.getValue(), now);
            if (left > 0) {
                out.add(new dev.gt.api.ServerState.Ban(describe(e.getKey(), prefix), Duration.ofNanos(left)));
            }
        }
    }

    /** A key as an address: {@code a.b.c.d}, or an IPv6 /64 ({@code /24} and {@code /48} for prefixes). */
    static String describe(long key, boolean prefix) {
        if ((key & IPV4_TAG) == IPV4_TAG) {
            long v4 = key & 0xFFFF_FFFFL;
            String text = (v4 >>> 24) + "." + ((v4 >>> 16) & 0xFF) + "." + ((v4 >>> 8) & 0xFF) + "." + (v4 & 0xFF);
            return prefix ? text + "/24" : text;
        }
        StringBuilder sb = new StringBuilder();
        int groups = prefix ? 3 : 4;
        for (int i = 0; i < groups; i++) {
            if (i > 0) {
                sb.append(':');
            }
            sb.append(Long.toHexString((key >>> (48 - 16 * i)) & 0xFFFF));
        }
        return sb.append(prefix ? "::/48" : "::/64").toString();
    }

    synchronized int size() {
        return entries.size() + bans.size() + prefixBans.size();
    }

    /** Counters for the log: bans in force, and bans imposed so far. */
    synchronized Stats stats() {
        dropExpired(nanoClock.getAsLong());
        return new Stats(bans.size(), prefixBans.size(), bansImposed, prefixBansImposed, prefixBansEvicted);
    }

    /**
     * @param banned addresses banned now
     * @param bannedPrefixes prefixes banned now (bans aggregated under pressure)
     * @param imposed address bans imposed since start
     * @param prefixImposed prefix bans imposed since start
     * @param prefixEvicted prefix bans that gave way before expiry because all tables were full
     */
    record Stats(int banned, int bannedPrefixes, long imposed, long prefixImposed, long prefixEvicted) { }

    private void dropExpired(long now) {
        Iterator<Entry> it = entries.values().iterator();
        while (it.hasNext() && now - it.next().lastFailure >= durationNanos) {
            it.remove();
        }
        dropExpired(bans, now);
        dropExpired(prefixBans, now);
    }

    private void dropExpired(LinkedHashMap<Long, Long> table, long now) {
        Iterator<Long> it = table.values().iterator();
        while (it.hasNext() && now - it.next() >= durationNanos) {
            it.remove();
        }
    }

    /** The /24 (IPv4) or /48 (IPv6) prefix of an address key. */
    private static long prefixKey(long key, InetAddress address) {
        return (key & IPV4_TAG) == IPV4_TAG && (address instanceof Inet4Address || isIpv4Mapped(address.getAddress()))
                ? key & IPV4_SLASH_24 : key & IPV6_SLASH_48;
    }

    /**
     * The ban key for {@code address}: IPv4 (also when mapped into IPv6) as the tagged 32-bit
     * address, IPv6 as its upper 64 bits. Reads the bytes rather than keeping the InetAddress, so
     * entries do not retain resolver state such as host names.
     */
    static long key(InetAddress address) {
        byte[] b = address.getAddress();
        if (address instanceof Inet4Address) {
            return IPV4_TAG | (readInt(b, 0) & 0xFFFF_FFFFL);
        }
        if (address instanceof Inet6Address && isIpv4Mapped(b)) {
            // Java usually converts these to Inet4Address already, but Inet6Address.getByAddress
            // and some socket paths keep them as IPv6.
            return IPV4_TAG | (readInt(b, 12) & 0xFFFF_FFFFL);
        }
        return ((long) readInt(b, 0) << 32) | (readInt(b, 4) & 0xFFFF_FFFFL);
    }

    private static boolean isIpv4Mapped(byte[] b) {
        for (int i = 0; i < 10; i++) {
            if (b[i] != 0) {
                return false;
            }
        }
        return b[10] == (byte) 0xFF && b[11] == (byte) 0xFF;
    }

    private static int readInt(byte[] b, int at) {
        return (b[at] & 0xFF) << 24 | (b[at + 1] & 0xFF) << 16 | (b[at + 2] & 0xFF) << 8 | (b[at + 3] & 0xFF);
    }

    /** Durations beyond ~292 years do not fit in nanoseconds; they are as good as forever. */
    private static long saturatedNanos(Duration d) {
        try {
            return d.toNanos();
        } catch (ArithmeticException tooLong) {
            return Long.MAX_VALUE;
        }
    }

    /** Mutable so that a repeat failure updates in place instead of allocating. */
    private static final class Entry {
        int failures;
        long lastFailure;
    }
}

package dev.gt.core.internal.server;

import org.junit.jupiter.api.Test;

import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** GT's -reconnectTimes / -reconnectDuration semantics, driven by a fake clock. */
class BanTableTest {

    private static final Duration FIVE_MINUTES = Duration.ofMinutes(5);
    private static final long FIVE_MINUTES_NANOS = FIVE_MINUTES.toNanos();

    // Starts near the top of the long range so that arithmetic relying on absolute nanoTime
    // values (rather than differences) would overflow and fail the tests.
    private final AtomicLong clock = new AtomicLong(Long.MAX_VALUE - Duration.ofHours(1).toNanos());

    private BanTable table(int times, Duration duration, int capacity) {
        return new BanTable(times, duration, capacity, clock::get);
    }

    private void advance(Duration d) {
        clock.addAndGet(d.toNanos());
    }

    @Test
    void moreThanTimesFailuresBanForDuration() throws Exception {
        BanTable bans = table(3, FIVE_MINUTES, 100);
        InetAddress a = ip("192.0.2.1");
        for (int i = 0; i < 3; i++) {
            bans.recordFailure(a);
            assertEquals(0, bans.bannedForNanos(a), "failure " + (i + 1) + " is tolerated");
        }
        bans.recordFailure(a);
        assertEquals(FIVE_MINUTES_NANOS, bans.bannedForNanos(a));
        assertEquals(0, bans.bannedForNanos(ip("192.0.2.2")), "other addresses are not affected");

        advance(Duration.ofMinutes(2));
        assertEquals(Duration.ofMinutes(3).toNanos(), bans.bannedForNanos(a));
    }

    @Test
    void banExpiresAfterDurationSinceLastFailure() throws Exception {
        BanTable bans = table(1, FIVE_MINUTES, 100);
        InetAddress a = ip("198.51.100.7");
        bans.recordFailure(a);
        bans.recordFailure(a);
        advance(FIVE_MINUTES.minusNanos(1));
        assertEquals(1, bans.bannedForNanos(a));
        advance(Duration.ofNanos(1));
        assertEquals(0, bans.bannedForNanos(a));

        // Expired failures are forgotten: a single new failure must not ban again.
        bans.recordFailure(a);
        assertEquals(0, bans.bannedForNanos(a));
    }

    @Test
    void failureWhileBannedExtendsTheBan() throws Exception {
        BanTable bans = table(0, FIVE_MINUTES, 100);
        InetAddress a = ip("203.0.113.9");
        bans.recordFailure(a);
        advance(Duration.ofMinutes(4));
        bans.recordFailure(a);
        assertEquals(FIVE_MINUTES_NANOS, bans.bannedForNanos(a));
    }

    @Test
    void zeroTimesBansOnFirstFailure() throws Exception {
        BanTable bans = table(0, FIVE_MINUTES, 100);
        InetAddress a = ip("192.0.2.10");
        assertEquals(0, bans.bannedForNanos(a));
        bans.recordFailure(a);
        assertEquals(FIVE_MINUTES_NANOS, bans.bannedForNanos(a));
    }

    @Test
    void zeroDurationNeverBansAndStoresNothing() throws Exception {
        BanTable bans = table(0, Duration.ZERO, 100);
        for (int i = 0; i < 1000; i++) {
            InetAddress a = ip("10.0." + (i >> 8) + "." + (i & 0xFF));
            bans.recordFailure(a);
            bans.recordFailure(a);
            assertEquals(0, bans.bannedForNanos(a));
        }
        assertEquals(0, bans.size());
    }

    @Test
    void failuresFurtherApartThanDurationNeverBan() throws Exception {
        BanTable bans = table(2, FIVE_MINUTES, 100);
        InetAddress a = ip("192.0.2.33");
        for (int i = 0; i < 50; i++) {
            bans.recordFailure(a);
            assertEquals(0, bans.bannedForNanos(a), "failure " + (i + 1));
            advance(FIVE_MINUTES.plusSeconds(1));
        }
        assertTrue(bans.size() <= 1);
    }

    @Test
    void failuresWithinDurationOfEachOtherAddUp() throws Exception {
        BanTable bans = table(3, FIVE_MINUTES, 100);
        InetAddress a = ip("192.0.2.34");
        // Each gap is under the window, so the count carries on even though the first and the
        // last failure are twelve minutes apart.
        bans.recordFailure(a);
        advance(Duration.ofMinutes(4));
        bans.recordFailure(a);
        advance(Duration.ofMinutes(4));
        bans.recordFailure(a);
        assertEquals(0, bans.bannedForNanos(a));
        advance(Duration.ofMinutes(4));
        bans.recordFailure(a);
        assertEquals(FIVE_MINUTES_NANOS, bans.bannedForNanos(a));
    }

    @Test
    void ipv6IsBannedPerSlash64() throws Exception {
        BanTable bans = table(1, FIVE_MINUTES, 100);
        bans.recordFailure(ip("2001:db8:1:2::1"));
        bans.recordFailure(ip("2001:db8:1:2:ffff:ffff:ffff:fffe"));
        assertEquals(1, bans.size(), "one /64, one entry");
        assertEquals(FIVE_MINUTES_NANOS, bans.bannedForNanos(ip("2001:db8:1:2:abcd::42")));
        assertEquals(0, bans.bannedForNanos(ip("2001:db8:1:3::1")), "the neighbouring /64");
        assertEquals(0, bans.bannedForNanos(ip("2001:db9:1:2::1")));
    }

    @Test
    void ipv4MappedIpv6CountsAsIpv4() throws Exception {
        BanTable bans = table(1, FIVE_MINUTES, 100);
        byte[] mapped = new byte[16];
        mapped[10] = (byte) 0xFF;
        mapped[11] = (byte) 0xFF;
        mapped[12] = (byte) 192;
        mapped[14] = 2;
        mapped[15] = 44;
        // InetAddress.getByAddress would turn these bytes into an Inet4Address; this factory keeps
        // them IPv6, as some dual-stack socket paths do.
        InetAddress v6 = Inet6Address.getByAddress(null, mapped, -1);
        assertInstanceOf(Inet6Address.class, v6);

        bans.recordFailure(v6);
        bans.recordFailure(ip("192.0.2.44"));
        assertEquals(1, bans.size());
        assertEquals(FIVE_MINUTES_NANOS, bans.bannedForNanos(ip("192.0.2.44")));
        assertEquals(FIVE_MINUTES_NANOS, bans.bannedForNanos(v6));
        assertEquals(0, bans.bannedForNanos(ip("192.0.2.45")));
        // Other addresses of ::/64 (here loopback) are not the mapped IPv4 address.
        assertEquals(0, bans.bannedForNanos(ip("::1")));
    }

    @Test
    void ipv4KeysDoNotCollideWithIpv6Prefixes() throws Exception {
        assertNotEquals(BanTable.key(ip("0.0.0.1")), BanTable.key(ip("::1")));
        assertNotEquals(BanTable.key(ip("192.0.2.1")), BanTable.key(ip("0:0:c000:201::1")));
        assertEquals(BanTable.key(ip("192.0.2.1")), BanTable.key(ip("::ffff:192.0.2.1")));
    }

    @Test
    void anActiveBanOutlivesAnyNumberOfSingleFailures() throws Exception {
        // The attack that evicted bans from the old single table: 75,000 one-off failures from
        // distinct addresses within seconds.
        BanTable bans = table(3, FIVE_MINUTES, 65536);
        InetAddress attacker = ip("203.0.113.50");
        for (int i = 0; i < 4; i++) {
            bans.recordFailure(attacker);
        }
        assertEquals(FIVE_MINUTES_NANOS, bans.bannedForNanos(attacker));
        for (int i = 0; i < 200_000; i++) {
            bans.recordFailure(ipv4(0x0A00_0000 + i));
            if ((i & 1023) == 0) {
                advance(Duration.ofMillis(1));
            }
        }
        assertTrue(bans.bannedForNanos(attacker) > 0, "the ban survived 200,000 single failures");
        assertTrue(bans.size() <= 65536 + 1, "counting stays within its bound: " + bans.size());
        assertEquals(0, bans.bannedForNanos(ipv4(0x0A00_0000 + 5)), "single failures ban nobody");
    }

    @Test
    void bansBeyondCapacityAreAggregatedByPrefixAndNoneIsLost() throws Exception {
        BanTable bans = table(0, FIVE_MINUTES, 1000);
        for (int i = 0; i < 10_000; i++) {
            bans.recordFailure(ipv4(0x0A00_0000 + i));
            advance(Duration.ofMillis(1));
        }
        for (int i = 0; i < 10_000; i++) {
            assertTrue(bans.bannedForNanos(ipv4(0x0A00_0000 + i)) > 0, "offender " + i + " is still banned");
        }
        BanTable.Stats stats = bans.stats();
        assertEquals(1000, stats.banned());
        // 9,000 later offenders fill 10.0.3.232 .. 10.0.39.15: 37 /24 prefixes.
        assertEquals(37, stats.bannedPrefixes());
        assertEquals(1000 + 37, bans.size());
        // The aggregated ban covers the /24 of an offender, not other networks.
        assertTrue(bans.bannedForNanos(ip("10.0.39.200")) > 0);
        assertEquals(0, bans.bannedForNanos(ip("10.0.40.1")));
        assertEquals(0, bans.bannedForNanos(ip("10.1.0.1")));
    }

    @Test
    void ipv6BansAreAggregatedBySlash48() throws Exception {
        BanTable bans = table(0, FIVE_MINUTES, 1);
        bans.recordFailure(ip("2001:db8:1:1::1"));
        bans.recordFailure(ip("2001:db8:2:5::1"));
        assertTrue(bans.bannedForNanos(ip("2001:db8:1:1::9")) > 0);
        assertTrue(bans.bannedForNanos(ip("2001:db8:2:ffff::1")) > 0, "same /48 as the second offender");
        assertEquals(0, bans.bannedForNanos(ip("2001:db8:3::1")));
    }

    @Test
    void whenEveryTableIsFullThePrefixBanClosestToExpiryGivesWay() throws Exception {
        BanTable bans = table(0, FIVE_MINUTES, 2);
        bans.recordFailure(ip("192.0.2.1"));
        bans.recordFailure(ip("192.0.2.2"));
        advance(Duration.ofSeconds(1));
        bans.recordFailure(ip("198.51.100.1"));
        advance(Duration.ofSeconds(1));
        bans.recordFailure(ip("203.0.113.1"));
        advance(Duration.ofSeconds(1));
        bans.recordFailure(ip("198.18.0.1"));
        assertEquals(0, bans.bannedForNanos(ip("198.51.100.1")), "the oldest prefix ban gave way");
        assertTrue(bans.bannedForNanos(ip("203.0.113.1")) > 0);
        assertTrue(bans.bannedForNanos(ip("198.18.0.1")) > 0);
        assertTrue(bans.bannedForNanos(ip("192.0.2.1")) > 0, "address bans never give way");
        assertEquals(1, bans.stats().prefixEvicted());
    }

    @Test
    void repeatOffenderRenewsItsBan() throws Exception {
        BanTable bans = table(0, FIVE_MINUTES, 3);
        InetAddress repeat = ip("192.0.2.100");
        bans.recordFailure(repeat);
        advance(Duration.ofMinutes(4));
        assertTrue(bans.recordFailure(repeat), "a failure while banned renews the ban");
        assertEquals(FIVE_MINUTES_NANOS, bans.bannedForNanos(repeat));
        assertEquals(1, bans.size());
    }

    @Test
    void expiredEntriesAreDroppedBeforeLiveOnes() throws Exception {
        BanTable bans = table(0, FIVE_MINUTES, 2);
        InetAddress old = ip("192.0.2.1");
        InetAddress live = ip("192.0.2.2");
        bans.recordFailure(old);
        advance(Duration.ofMinutes(3));
        bans.recordFailure(live);
        advance(Duration.ofMinutes(3));
        // "old" expired, "live" has two minutes left; the newcomer must displace only "old".
        bans.recordFailure(ip("192.0.2.3"));
        assertEquals(2, bans.size());
        assertEquals(Duration.ofMinutes(2).toNanos(), bans.bannedForNanos(live));
        assertEquals(0, bans.bannedForNanos(old));
    }

    @Test
    void manyDistinctAddressesStayWithinCapacity() {
        BanTable bans = table(3, FIVE_MINUTES, 4096);
        int max = 0;
        // Clock frozen: nothing ever expires, so only the capacity bound keeps the table small.
        for (int i = 0; i < 100_000; i++) {
            bans.recordFailure(ipv4(0xC633_0000 + i));
            max = Math.max(max, bans.size());
        }
        assertEquals(4096, max);
        assertEquals(4096, bans.size());
    }

    @Test
    void expiredEntriesAreTrimmedWithoutReachingCapacity() {
        BanTable bans = table(3, Duration.ofSeconds(1), 4096);
        for (int i = 0; i < 10_000; i++) {
            bans.recordFailure(ipv4(0xC633_0000 + i));
            advance(Duration.ofMillis(10));
        }
        // One second's worth of failures (100) is live; everything older is gone.
        assertEquals(100, bans.size());
    }

    @Test
    void negativeArgumentsAreRejectedNamingTheOption() {
        IllegalArgumentException times = assertThrows(IllegalArgumentException.class,
                () -> table(-1, FIVE_MINUTES, 10));
        assertTrue(times.getMessage().contains("-reconnectTimes"), times.getMessage());
        IllegalArgumentException duration = assertThrows(IllegalArgumentException.class,
                () -> table(3, Duration.ofSeconds(-1), 10));
        assertTrue(duration.getMessage().contains("-reconnectDuration"), duration.getMessage());
        assertThrows(IllegalArgumentException.class, () -> table(3, FIVE_MINUTES, 0));
    }

    @Test
    void hugeDurationDoesNotOverflow() throws Exception {
        BanTable bans = table(0, Duration.ofSeconds(Long.MAX_VALUE), 10);
        InetAddress a = ip("192.0.2.1");
        bans.recordFailure(a);
        advance(Duration.ofDays(365));
        assertTrue(bans.bannedForNanos(a) > 0);
    }

    private static InetAddress ip(String literal) throws UnknownHostException {
        // Literals only: getByName does no lookup for them.
        return InetAddress.getByName(literal);
    }

    private static InetAddress ipv4(int bits) {
        try {
            return InetAddress.getByAddress(new byte[] {
                (byte) (bits >>> 24), (byte) (bits >>> 16), (byte) (bits >>> 8), (byte) bits});
        } catch (UnknownHostException e) {
            throw new AssertionError(e);
        }
    }

    @Test
    void bansInForceAreListedWithTheirAddressAndTimeLeft() throws Exception {
        BanTable bans = table(0, FIVE_MINUTES, 100);
        bans.recordFailure(ip("192.0.2.7"));
        advance(Duration.ofMinutes(1));
        bans.recordFailure(ip("2001:db8:0:1::5"));
        var list = bans.banned(10);
        assertEquals(2, list.size());
        assertEquals("2001:db8:0:1::/64", list.get(0).address());
        assertEquals(FIVE_MINUTES, list.get(0).remaining());
        assertEquals("192.0.2.7", list.get(1).address());
        assertEquals(Duration.ofMinutes(4), list.get(1).remaining());
        assertEquals(1, bans.banned(1).size());
        assertEquals("192.0.2.0/24", BanTable.describe(BanTable.key(ip("192.0.2.7")) & 0xFFFF_FFFF_FFFF_FF00L, true));
    }

    @Test
    void configureChangesTheThresholdsAndZeroForgetsEverything() throws Exception {
        BanTable bans = table(3, FIVE_MINUTES, 100);
        InetAddress a = ip("192.0.2.1");
        bans.configure(0, FIVE_MINUTES);
        bans.recordFailure(a);
        assertEquals(FIVE_MINUTES_NANOS, bans.bannedForNanos(a));
        bans.configure(0, Duration.ZERO);
        assertEquals(0, bans.bannedForNanos(a));
        assertEquals(0, bans.size());
    }
}

package dev.gt.core.internal.server;

import dev.gt.api.GtErrorCode;
import dev.gt.core.internal.LogThrottle;
import java.net.SocketAddress;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What the server logs about refused tunnels, without letting a flood of them flood the log:
 * failed logins are counted and summed up once a minute (each one is logged at debug level),
 * bans and other refusals get at most one line per second with the number held back.
 */
final class RefusalLog {
    private static final Logger log = LoggerFactory.getLogger(ServerHelloHandler.class);

    private final LogThrottle refusals = new LogThrottle(TimeUnit.SECONDS.toNanos(1), System::nanoTime);
    private final LogThrottle banLines = new LogThrottle(TimeUnit.SECONDS.toNanos(1), System::nanoTime);
    private final AtomicLong failedLogins = new AtomicLong();
    private final AtomicLong newBans = new AtomicLong();
    private volatile String lastFailure;

    /** A failed login (error 1); {@code detail} is for the server's log only. */
    void failedLogin(SocketAddress from, String id, String detail) {
        failedLogins.incrementAndGet();
        lastFailure = "id '" + id + "' from " + from + ": " + detail;
        log.debug("tunnel from {} (id '{}') refused: {}", from, id, detail);
    }

    /** A ban imposed or renewed on {@code address}. */
    void banned(String address, String length) {
        newBans.incrementAndGet();
        long held = banLines.tryAcquire();
        if (held >= 0) {
            log.warn("{} is refused for {} after too many failed logins (-reconnectTimes, -reconnectDuration){}",
                    address, length, held > 0 ? "; " + held + " more bans in the last second" : "");
        }
    }

    /** Any other refusal. */
    void refused(SocketAddress from, String id, GtErrorCode code, String detail) {
        long held = refusals.tryAcquire();
        if (held >= 0) {
            log.warn("tunnel from {}{} rejected: {} (code {}): {}{}", from, id == null ? "" : " (id '" + id + "')",
                    code.description(), code.code(), detail,
                    held > 0 ? " (" + held + " more refusals in the last second)" : "");
        } else {
            log.debug("tunnel from {}{} rejected: {} (code {}): {}", from, id == null ? "" : " (id '" + id + "')",
                    code.description(), code.code(), detail);
        }
    }

    /** Logs the last minute's failed logins, if there were any; called once a minute. */
    void summarize(BanTable.Stats bans) {
        long failed = failedLogins.getAndSet(0);
        long banned = newBans.getAndSet(0);
        if (failed == 0 && banned == 0) {
            return;
        }
        log.warn("{} failed login{} in the last minute (last: {}); {} new ban{}; banned now: {} address{}, {} "
                + "prefix{}", failed, failed == 1 ? "" : "s", lastFailure, banned, banned == 1 ? "" : "s",
                bans.banned(), bans.banned() == 1 ? "" : "es", bans.bannedPrefixes(),
                bans.bannedPrefixes() == 1 ? "" : "es");
    }
}

package dev.gt.p2p.internal;

import io.netty.channel.Channel;
import io.netty.channel.EventLoop;
import io.netty.util.concurrent.ScheduledFuture;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.zip.CRC32;
import javax.crypto.Mac;

/**
 * What one event loop of the server keeps for itself: a parser and hash instances (reused, never
 * shared), the allocations it owns, and the channels written to since the last flush.
 */
final class LoopState {
    final EventLoop loop;
    final StunParser parser = new StunParser();
    final CRC32 crc = new CRC32();
    final Mac hmacSha1 = Crypto.hmacSha1();
    final Mac hmacSha256 = Crypto.hmacSha256();
    final int[] unknown = new int[16];
    final Set<Allocation> allocations = new LinkedHashSet<>();
    private final List<Channel> toFlush = new ArrayList<>();
    ScheduledFuture<?> sweeper;

    LoopState(EventLoop loop) {
        this.loop = loop;
    }

    /** Remembers that {@code ch} has unflushed writes; {@link #flush()} sends them at the end of the read batch. */
    void flushLater(Channel ch) {
        int n = toFlush.size();
        if (n > 0 && toFlush.get(n - 1) == ch) {
            return;
        }
        if (n >= 32) {
            ch.flush(); // many relays in one batch: no quadratic search
            return;
        }
        for (int i = 0; i < n; i++) {
            if (toFlush.get(i) == ch) {
                return;
            }
        }
        toFlush.add(ch);
    }

    void flush() {
        for (int i = 0; i < toFlush.size(); i++) {
            toFlush.get(i).flush();
        }
        toFlush.clear();
    }
}

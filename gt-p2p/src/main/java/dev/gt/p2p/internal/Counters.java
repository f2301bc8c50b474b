package dev.gt.p2p.internal;

import dev.gt.p2p.StunCounters;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;

/** The server's live counters; striped so that event loops do not contend. */
public final class Counters {
    private static final int[] CODES = {300, 400, 401, 403, 420, 437, 438, 440, 441, 442, 443, 486, 500, 508};

    final LongAdder bindingRequests = new LongAdder();
    final LongAdder turnRequests = new LongAdder();
    final LongAdder indications = new LongAdder();
    final LongAdder dropped = new LongAdder();
    final LongAdder successResponses = new LongAdder();
    private final LongAdder[] errors = new LongAdder[CODES.length];
    final AtomicInteger allocations = new AtomicInteger();
    final LongAdder allocationsCreated = new LongAdder();
    final LongAdder packetsToPeers = new LongAdder();
    final LongAdder bytesToPeers = new LongAdder();
    final LongAdder packetsToClients = new LongAdder();
    final LongAdder bytesToClients = new LongAdder();
    final LongAdder relayDropped = new LongAdder();
    final AtomicInteger tcpConnections = new AtomicInteger();

    Counters() {
        for (int i = 0; i < errors.length; i++) {
            errors[i] = new LongAdder();
        }
    }

    void error(int code) {
        for (int i = 0; i < CODES.length; i++) {
            if (CODES[i] == code) {
                errors[i].increment();
                return;
            }
        }
        errors[CODES.length - 2].increment(); // 500: not reached with the codes the server sends
    }

    StunCounters snapshot() {
        Map<Integer, Long> e = new HashMap<>();
        for (int i = 0; i < CODES.length; i++) {
            long v = errors[i].sum();
            if (v != 0) {
                e.put(CODES[i], v);
            }
        }
        return new StunCounters(bindingRequests.sum(), turnRequests.sum(), indications.sum(), dropped.sum(),
                successResponses.sum(), e, allocations.get(), allocationsCreated.sum(), packetsToPeers.sum(),
                bytesToPeers.sum(), packetsToClients.sum(), bytesToClients.sum(), relayDropped.sum(),
                tcpConnections.get());
    }
}

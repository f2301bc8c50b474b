package dev.gt.runner;

import dev.gt.p2p.StunCounters;
import dev.gt.p2p.StunServer;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.function.ToDoubleFunction;

/**
 * The STUN/TURN server's counters as {@code gt.stun.*} meters beside the GT server's, so that
 * {@code /metrics} shows them when {@code -stunAddr} runs. Each meter reads a fresh
 * {@link StunServer#counters()} snapshot when scraped; tags are fixed sets (no per-client or
 * per-code tags), so the number of series stays bounded.
 */
final class StunMeters {
    private StunMeters() {
    }

    static void bind(StunServer stun, MeterRegistry registry) {
        counter(registry, stun, "gt.stun.requests", "Binding requests answered", StunCounters::bindingRequests,
                "kind", "binding");
        counter(registry, stun, "gt.stun.requests", "TURN requests received", StunCounters::turnRequests,
                "kind", "turn");
        counter(registry, stun, "gt.stun.requests", "Send and Binding indications received",
                StunCounters::indications, "kind", "indication");
        counter(registry, stun, "gt.stun.dropped", "Messages dropped without an answer (malformed, bad "
                + "FINGERPRINT, unsupported)", StunCounters::dropped);
        counter(registry, stun, "gt.stun.responses", "Responses sent", StunCounters::successResponses,
                "result", "success");
        counter(registry, stun, "gt.stun.responses", "Responses sent",
                c -> c.errorResponses().values().stream().mapToLong(Long::longValue).sum(), "result", "error");
        counter(registry, stun, "gt.stun.allocations.created", "TURN allocations made",
                StunCounters::allocationsCreated);
        counter(registry, stun, "gt.stun.relayed.packets", "Datagrams relayed", StunCounters::relayedPacketsToPeers,
                "direction", "to_peers");
        counter(registry, stun, "gt.stun.relayed.packets", "Datagrams relayed",
                StunCounters::relayedPacketsToClients, "direction", "to_clients");
        counter(registry, stun, "gt.stun.relayed.bytes", "Application bytes relayed",
                StunCounters::relayedBytesToPeers, "direction", "to_peers");
        counter(registry, stun, "gt.stun.relayed.bytes", "Application bytes relayed",
                StunCounters::relayedBytesToClients, "direction", "to_clients");
        counter(registry, stun, "gt.stun.relay.dropped", "Datagrams not relayed (no permission, bandwidth, "
                + "refused peer)", StunCounters::relayDropped);
        Gauge.builder("gt.stun.allocations", stun, s -> s.counters().allocations())
                .description("TURN allocations now").strongReference(true).register(registry);
        Gauge.builder("gt.stun.tcp.connections", stun, s -> s.counters().tcpConnections())
                .description("STUN/TURN TCP connections now").strongReference(true).register(registry);
    }

    private static void counter(MeterRegistry registry, StunServer stun, String name, String description,
            ToDoubleFunction<StunCounters> value, String... tags) {
        FunctionCounter.builder(name, stun, s -> value.applyAsDouble(s.counters()))
                .description(description).tags(tags).register(registry);
    }
}

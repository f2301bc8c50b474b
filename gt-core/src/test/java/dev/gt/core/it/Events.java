package dev.gt.core.it;

import dev.gt.api.GtEvent;
import dev.gt.api.GtEventListener;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Predicate;
import java.util.stream.Collectors;
import org.awaitility.Awaitility;

/** Records the events of a server or client and lets a test wait for one. */
final class Events extends GtEventListener.AsEvents {
    private final List<GtEvent> events = new CopyOnWriteArrayList<>();

    @Override
    protected void onEvent(GtEvent event) {
        events.add(event);
    }

    List<GtEvent> all() {
        return List.copyOf(events);
    }

    <T extends GtEvent> List<T> of(Class<T> type) {
        return events.stream().filter(type::isInstance).map(type::cast).collect(Collectors.toList());
    }

    /** Waits until {@code count} events of {@code type} were seen; returns the last of them. */
    <T extends GtEvent> T awaitCount(Class<T> type, int count) {
        Awaitility.await("" + count + " " + type.getSimpleName() + " event(s); seen: " + events)
                .atMost(Duration.ofSeconds(20))
                .until(() -> of(type).size() >= count);
        List<T> seen = of(type);
        return seen.get(count - 1);
    }

    /** Waits for an event of {@code type} matching {@code p}. */
    <T extends GtEvent> T await(Class<T> type, Predicate<T> p) {
        Awaitility.await(type.getSimpleName() + " event; seen: " + events)
                .atMost(Duration.ofSeconds(20))
                .until(() -> of(type).stream().anyMatch(p));
        return of(type).stream().filter(p).findFirst().orElseThrow();
    }

    @Override
    public String toString() {
        return events.toString();
    }
}

package dev.gt.api;

/**
 * Receives {@link GtEvent}s. Called on a Netty event loop: return quickly and never block; hand
 * slow work to an executor of your own. Exceptions thrown here are logged and otherwise ignored.
 */
@FunctionalInterface
public interface GtEventListener {
    /** A listener that ignores every event. */
    GtEventListener NOOP = event -> { };

    /** Called once per event. */
    void onEvent(GtEvent event);
}

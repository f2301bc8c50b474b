package dev.gt.api.spi;

import java.net.InetSocketAddress;
import java.util.concurrent.CompletableFuture;

/** A listening tunnel transport ({@link TunnelTransport#listen}); closing it closes its connections too. */
public interface TunnelListener {
    /** The bound address (a requested port 0 resolved). */
    InetSocketAddress localAddress();

    /**
     * Stops taking connections and closes the ones it accepted (the core has said GOAWAY on them
     * before); idempotent. The future completes when the socket is closed.
     */
    CompletableFuture<Void> close();
}

package dev.gt.core.internal.client;

import dev.gt.api.ClientState;
import dev.gt.core.GtClientConfig;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/** Placeholder until the client runtime lands. */
public final class ClientRuntime {
    public ClientRuntime(GtClientConfig config) {
    }

    public CompletableFuture<Void> start() {
        return CompletableFuture.failedFuture(new UnsupportedOperationException("not yet"));
    }

    public ClientState state() {
        return new ClientState(false, List.of(), List.of());
    }

    public CompletableFuture<Void> stop() {
        return CompletableFuture.completedFuture(null);
    }
}

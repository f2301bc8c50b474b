package dev.gt.core.internal.server;

import dev.gt.api.ServerState;
import dev.gt.core.GtServerConfig;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

/** Placeholder until the server runtime lands. */
public final class ServerRuntime {
    public ServerRuntime(GtServerConfig config) {
    }

    public CompletableFuture<Void> start() {
        return CompletableFuture.failedFuture(new UnsupportedOperationException("not yet"));
    }

    public InetSocketAddress boundAddr() {
        return null;
    }

    public ServerState state() {
        return new ServerState(false, Map.of(), List.of());
    }

    public CompletableFuture<Void> stop() {
        return CompletableFuture.completedFuture(null);
    }
}

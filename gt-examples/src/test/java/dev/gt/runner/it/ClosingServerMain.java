package dev.gt.runner.it;

import dev.gt.core.GtServer;

/**
 * A host application's {@code main} that runs a server until the JVM is asked to stop: it relies
 * on {@link GtServer#closeOnJvmShutdown()} and {@link GtServer#awaitTermination()} alone. Run with
 * gt.jar's classes by {@link ShutdownHookIT}.
 */
public final class ClosingServerMain {
    private ClosingServerMain() {
    }

    public static void main(String[] args) throws Exception {
        GtServer server = GtServer.builder().listenAddress("127.0.0.1:0").user("id1", "secret1").build().closeOnJvmShutdown();
        server.start().get();
        System.out.println("serving on port " + server.listenAddress().getPort());
        System.out.flush();
        server.awaitTermination();
    }
}

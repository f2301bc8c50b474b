package dev.gt.examples.recipes;

import dev.gt.api.GtEventListener;
import dev.gt.api.ServiceSpec;
import dev.gt.core.GtClient;
import dev.gt.core.GtServer;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A client's view of a server restart, told by its {@link GtEventListener}: the tunnel connects,
 * drops when the server stops, is rescheduled while the server is away, and connects again.
 */
public final class ReconnectEvents {
    private static final String ID = "events";
    private static final String SECRET = "events-secret";

    /** Runs the whole story on {@code port} (0: any free one), printing each event to {@code out}. */
    public static void run(int port, PrintStream out) {
        AtomicInteger connects = new AtomicInteger();
        CompletableFuture<Void> up = new CompletableFuture<>();
        CompletableFuture<Void> retrying = new CompletableFuture<>();
        CompletableFuture<Void> upAgain = new CompletableFuture<>();
        GtEventListener listener = new GtEventListener() {
            @Override
            public void tunnelConnected(String remote, int tunnel, SocketAddress serverAddress) {
                out.println("tunnel " + tunnel + " connected to " + serverAddress);
                (connects.incrementAndGet() == 1 ? up : upAgain).complete(null);
            }

            @Override
            public void tunnelDisconnected(String remote, int tunnel, Throwable cause) {
                out.println("tunnel " + tunnel + " disconnected" + (cause == null ? "" : ": " + cause.getMessage()));
            }

            @Override
            public void reconnectScheduled(String remote, int tunnel, Duration delay, int attempt) {
                out.println("tunnel " + tunnel + " reconnects in " + delay.toMillis() + " ms (attempt " + attempt + ")");
                retrying.complete(null);
            }
        };
        GtServer server = server(new InetSocketAddress("127.0.0.1", port));
        InetSocketAddress address = server.listenAddress();
        try (GtClient client = GtClient.builder().id(ID).secret(SECRET).server("tcp://127.0.0.1:" + address.getPort())
                .service(ServiceSpec.local("http://127.0.0.1:8000").build())
                .reconnectDelay(Duration.ofMillis(500)).eventListener(listener).build()) {
            client.start().join();
            up.join();
            server.close();
            out.println("server stopped");
            retrying.join();
            server = server(address);
            out.println("server started again");
            upAgain.join();
        } finally {
            server.close();
        }
    }

    private static GtServer server(InetSocketAddress address) {
        return GtServer.builder().listenAddress(address).user(ID, SECRET).build().start().join();
    }

    public static void main(String[] args) {
        run(8080, System.out);
    }
}

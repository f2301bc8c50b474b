package dev.gt.testing;

import dev.gt.api.ServiceSpec;
import dev.gt.core.GtClient;
import dev.gt.core.GtServer;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * A GT server on 127.0.0.1 (a free port) for the tests of one class, started before the first
 * test and closed after the last, with the clients made through it:
 *
 * <pre>{@code
 * class MyServiceTest {
 *     @RegisterExtension
 *     static final GtServerExtension gt = new GtServerExtension() {
 *         @Override
 *         protected void configure(GtServer.Builder server) {
 *             server.user("app", "secret");
 *         }
 *     };
 *
 *     @Test
 *     void reachableThroughTheTunnel() {
 *         gt.connect("app", "secret", ServiceSpec.local("http://127.0.0.1:" + myPort).build());
 *         // GET http://127.0.0.1:{gt.address().getPort()}/ with "Host: app.example.com" reaches it
 *     }
 * }
 * }</pre>
 *
 * Like Armeria's {@code ServerExtension} or OkHttp's {@code MockWebServer}: a real server on a real
 * socket, so tests see what users see. Register it as a {@code static} field.
 */
public class GtServerExtension implements BeforeAllCallback, AfterAllCallback {
    private static final long START_SECONDS = 20;

    private GtServer server;
    private final List<GtClient> clients = new ArrayList<>();

    /** Configures the server; the address is already 127.0.0.1:0. Override to add users, limits... */
    protected void configure(GtServer.Builder server) {
    }

    @Override
    public void beforeAll(ExtensionContext context) throws Exception {
        GtServer.Builder b = GtServer.builder().listenAddress(new InetSocketAddress("127.0.0.1", 0)).tcpBindAddress("127.0.0.1")
                .drainTimeout(Duration.ofMillis(200));
        configure(b);
        server = b.build();
        await(server.start());
    }

    @Override
    public void afterAll(ExtensionContext context) {
        List<GtClient> all;
        synchronized (clients) {
            all = new ArrayList<>(clients);
            clients.clear();
        }
        for (GtClient c : all) {
            c.close();
        }
        if (server != null) {
            server.close();
            server = null;
        }
    }

    /** The running server. */
    public GtServer server() {
        if (server == null) {
            throw new IllegalStateException("the server runs only while the test class runs (register the "
                    + "extension as a static field with @RegisterExtension)");
        }
        return server;
    }

    /** Where visitors and clients reach the server. */
    public InetSocketAddress address() {
        return server().listenAddress();
    }

    /** The URL a client uses for this server. */
    public String remoteUrl() {
        return "tcp://127.0.0.1:" + address().getPort();
    }

    /**
     * Starts a client of this server with {@code id} and {@code secret} offering {@code services},
     * and waits until its first tunnel is ready; it is closed after the test class.
     */
    public GtClient connect(String id, String secret, ServiceSpec... services) {
        return connect(b -> {
            b.id(id).secret(secret);
            for (ServiceSpec s : services) {
                b.service(s);
            }
        });
    }

    /**
     * Starts a client of this server configured by {@code config} (which sets the id, secret and
     * services; the remote is set already) and waits until its first tunnel is ready.
     */
    public GtClient connect(Consumer<GtClient.Builder> config) {
        GtClient.Builder b = GtClient.builder().server(remoteUrl()).reconnectDelay(Duration.ofMillis(200))
                .drainTimeout(Duration.ofMillis(200));
        config.accept(b);
        GtClient client = b.build();
        synchronized (clients) {
            clients.add(client);
        }
        await(client.start());
        return client;
    }

    private static void await(java.util.concurrent.CompletableFuture<?> f) {
        try {
            f.get(START_SECONDS, TimeUnit.SECONDS);
        } catch (ExecutionException e) {
            throw new IllegalStateException("GT did not start: " + e.getCause().getMessage(), e.getCause());
        } catch (TimeoutException e) {
            throw new IllegalStateException("GT did not start within " + START_SECONDS + " s", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while GT started", e);
        }
    }
}

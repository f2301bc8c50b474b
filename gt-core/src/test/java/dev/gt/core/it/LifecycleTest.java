package dev.gt.core.it;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.gt.api.GtErrorCode;
import dev.gt.api.GtEvent;
import dev.gt.api.GtEventListener;
import dev.gt.api.GtException;
import dev.gt.api.ServiceSpec;
import dev.gt.core.GtClient;
import dev.gt.core.GtServer;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The lifecycle of servers and clients as a host application sees it: closing from an event
 * listener, what state() says after a stop, whenStopped()/awaitTermination()/closeOnJvmShutdown(),
 * a start that gives up (startTimeout) or waits for ever, and a refused login that stops the
 * client instead of hammering the server.
 */
@Timeout(60)
class LifecycleTest {
    private static final Duration STOPPED = Duration.ofSeconds(5);

    // ---------------------------------------------------------------- close() on an event loop

    @Test
    void clientCloseFromItsOwnEventListenerStopsItWithoutDeadlock() throws Exception {
        try (Backend backend = new Backend(); GtServer server = server(b -> { })) {
            AtomicReference<GtClient> self = new AtomicReference<>();
            CountDownLatch closeReturned = new CountDownLatch(1);
            GtClient client = GtPair.newClient(server, b -> b.service(ServiceSpec.local(backend.url()).build())
                    .eventListener(GtEventListener.of(e -> {
                        if (e instanceof GtEvent.TunnelConnected) {
                            self.get().close();
                            closeReturned.countDown();
                        }
                    })));
            self.set(client);
            // Not closed by try-with-resources: a close() that deadlocks would hang the test run.
            try {
                client.start();
                assertTrue(closeReturned.await(10, TimeUnit.SECONDS), "close() in the event listener did not return");
                client.whenStopped().get(STOPPED.toSeconds(), TimeUnit.SECONDS);
                assertFalse(client.state().running());
                assertTimeoutPreemptively(STOPPED, client::close, "a later close() from the test thread hangs");
            } finally {
                client.stop();
            }
        }
    }

    @Test
    void serverCloseFromItsOwnEventListenerStopsItWithoutDeadlock() throws Exception {
        AtomicReference<GtServer> self = new AtomicReference<>();
        CountDownLatch closeReturned = new CountDownLatch(1);
        try (Backend backend = new Backend()) {
            GtServer server = server(b -> b.eventListener(GtEventListener.of(e -> {
                if (e instanceof GtEvent.ClientConnected) {
                    self.get().close();
                    closeReturned.countDown();
                }
            })));
            self.set(server);
            // Not closed by try-with-resources: a close() that deadlocks would hang the test run.
            try (GtClient client = GtPair.newClient(server, b -> b.service(ServiceSpec.local(backend.url()).build()))) {
                client.start();
                assertTrue(closeReturned.await(10, TimeUnit.SECONDS), "close() in the event listener did not return");
                server.whenStopped().get(STOPPED.toSeconds(), TimeUnit.SECONDS);
                assertFalse(server.state().running());
                assertTimeoutPreemptively(STOPPED, server::close, "a later close() from the test thread hangs");
            } finally {
                server.stop();
            }
        }
    }

    // ---------------------------------------------------------------- state after stop

    @Test
    void aStoppedServerListsNoListenersAndCannotStartAgain() throws Exception {
        int port = FreePorts.block(1);
        try (EchoServer echo = new EchoServer();
                GtPair gt = GtPair.start(s -> s.tcpPortRange(port + "-" + port),
                        c -> c.service(ServiceSpec.local(echo.url()).serverPort(port).build()))) {
            Map<String, java.net.InetSocketAddress> before = gt.server.state().listeners();
            assertEquals(gt.addr(), before.get("addr"), before.toString());
            assertEquals(port, before.get("tcp:id1:0").getPort(), before.toString());

            gt.server.stop().get(10, TimeUnit.SECONDS);
            assertEquals(Map.of(), gt.server.state().listeners());
            assertFalse(gt.server.state().running());
            IllegalStateException e = assertThrows(IllegalStateException.class, gt.server::start);
            assertTrue(e.getMessage().contains("stopped"), e.getMessage());
        }
    }

    // ---------------------------------------------------------------- whenStopped, awaitTermination, hooks

    @Test
    void serverWhenStoppedAwaitTerminationAndCloseOnJvmShutdown() throws Exception {
        GtServer server = server(b -> { });
        try {
            assertSame(server, server.closeOnJvmShutdown());
            assertSame(server, server.closeOnJvmShutdown(), "a second call returns the server too");
            CompletableFuture<Void> stopped = server.whenStopped();
            assertFalse(stopped.isDone());
            assertFalse(server.awaitTermination(Duration.ofMillis(100)), "running, yet awaitTermination said stopped");
            // The future handed out is a copy: completing it stops nothing.
            stopped.complete(null);
            assertFalse(server.whenStopped().isDone());
            assertTrue(server.state().running());
        } finally {
            server.stop();
        }
        assertTrue(server.awaitTermination(STOPPED));
        assertTrue(server.whenStopped().isDone());
        server.awaitTermination();
        assertSame(server, server.closeOnJvmShutdown(), "harmless after the stop");
    }

    @Test
    void clientWhenStoppedAwaitTerminationAndCloseOnJvmShutdown() throws Exception {
        try (Backend backend = new Backend(); GtServer server = server(b -> { })) {
            GtClient client = GtPair.newClient(server, b -> b.service(ServiceSpec.local(backend.url()).build()));
            try {
                client.start().get(10, TimeUnit.SECONDS);
                assertSame(client, client.closeOnJvmShutdown());
                assertSame(client, client.closeOnJvmShutdown(), "a second call returns the client too");
                assertFalse(client.whenStopped().isDone());
                assertFalse(client.awaitTermination(Duration.ofMillis(100)), "running, yet awaitTermination said stopped");
                client.whenStopped().complete(null);
                assertFalse(client.whenStopped().isDone());
            } finally {
                client.stop();
            }
            assertTrue(client.awaitTermination(STOPPED));
            assertTrue(client.whenStopped().isDone());
            client.awaitTermination();
        }
    }

    // ---------------------------------------------------------------- startTimeout

    @Test
    void aServerNameThatDoesNotResolveFailsStartAfterTheStartTimeout() throws Exception {
        GtException e = failedStart("tcp://gt-test.invalid:8080");
        assertTrue(e.getMessage().contains("gt-test.invalid") && e.getMessage().contains("resolve"), e.toString());
        assertFalse(e.getMessage().contains("internal error"), e.toString());
    }

    @Test
    void aRefusedConnectionFailsStartAfterTheStartTimeout() throws Exception {
        int closed = FreePorts.closedPort();
        GtException e = failedStart("tcp://127.0.0.1:" + closed);
        assertTrue(e.getMessage().contains(Integer.toString(closed)), e.toString());
    }

    /**
     * Starts a client of {@code remote} with a start timeout of 1 s; requires start() to fail with
     * SERVER_UNREACHABLE after about that, and the client to have stopped. Returns the failure.
     */
    private static GtException failedStart(String remote) throws Exception {
        GtClient client = GtClient.builder().id("id1").secret("secret1").server(remote)
                .service(ServiceSpec.local("http://127.0.0.1:1").build()).reconnectDelay(Duration.ofMillis(50))
                .startTimeout(Duration.ofSeconds(1)).build();
        try {
            long begin = System.nanoTime();
            ExecutionException e = assertThrows(ExecutionException.class, () -> client.start().get(5, TimeUnit.SECONDS));
            long millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - begin);
            assertTrue(millis >= 900, "start() failed after " + millis + " ms, before its timeout of 1 s: " + e);
            GtException gt = assertInstanceOf(GtException.class, e.getCause(), e.toString());
            assertEquals(GtErrorCode.SERVER_UNREACHABLE, gt.code(), gt.toString());
            client.whenStopped().get(STOPPED.toSeconds(), TimeUnit.SECONDS);
            assertFalse(client.state().running());
            return gt;
        } finally {
            client.close();
        }
    }

    @Test
    void aZeroStartTimeoutWaitsUntilTheServerAppears() throws Exception {
        int port = FreePorts.closedPort();
        try (Backend backend = new Backend();
                GtClient client = GtClient.builder().id("id1").secret("secret1").server("tcp://127.0.0.1:" + port)
                        .service(ServiceSpec.local(backend.url()).build()).reconnectDelay(Duration.ofMillis(50))
                        .startTimeout(Duration.ZERO).build()) {
            CompletableFuture<GtClient> started = client.start();
            // Longer than the 1 s after which a start with a timeout would have given up.
            await().during(Duration.ofMillis(1500)).atMost(Duration.ofSeconds(3)).until(() -> !started.isDone());
            assertTrue(client.state().running());
            try (GtServer late = GtServer.builder().listenAddress("127.0.0.1:" + port).user("id1", "secret1").build()) {
                late.start().get(10, TimeUnit.SECONDS);
                assertSame(client, started.get(10, TimeUnit.SECONDS));
                assertEquals(200, RawHttp.get(late.listenAddress(), "id1.example.com", "/late").status());
            }
        }
    }

    // ---------------------------------------------------------------- refused logins

    @Test
    void aWrongSecretFailsStartAndStopsTheClientAfterOneFailedLogin() throws Exception {
        Events serverEvents = new Events();
        try (Backend backend = new Backend(); GtServer server = server(b -> b.eventListener(serverEvents));
                GtClient client = GtPair.newClient(server, b -> b.secret("wrong").reconnectDelay(Duration.ofMillis(50))
                        .service(ServiceSpec.local(backend.url()).build()))) {
            ExecutionException e = assertThrows(ExecutionException.class, () -> client.start().get(10, TimeUnit.SECONDS));
            GtException gt = assertInstanceOf(GtException.class, e.getCause(), e.toString());
            assertEquals(GtErrorCode.INVALID_ID_OR_SECRET, gt.code(), gt.toString());
            client.whenStopped().get(STOPPED.toSeconds(), TimeUnit.SECONDS);
            assertFalse(client.state().running());
            // Ten reconnect delays later the server still saw a single failed login.
            await().during(Duration.ofMillis(500)).atMost(Duration.ofSeconds(2))
                    .until(() -> serverEvents.of(GtEvent.ClientRejected.class).size() == 1);
        }
    }

    @Test
    void keepRetryingAfterRefusalKeepsTrying() throws Exception {
        Events serverEvents = new Events();
        try (Backend backend = new Backend(); GtServer server = server(b -> b.eventListener(serverEvents));
                GtClient client = GtPair.newClient(server, b -> b.secret("wrong").reconnectDelay(Duration.ofMillis(50))
                        .keepRetryingAfterRefusal(true).service(ServiceSpec.local(backend.url()).build()))) {
            CompletableFuture<GtClient> started = client.start();
            serverEvents.awaitCount(GtEvent.ClientRejected.class, 3);
            assertTrue(started.isCompletedExceptionally());
            assertTrue(client.state().running());
            assertFalse(client.whenStopped().isDone());
        }
    }

    /** A started server with user id1/secret1 on 127.0.0.1:0, configured further by {@code config}. */
    private static GtServer server(java.util.function.Consumer<GtServer.Builder> config) throws Exception {
        GtServer.Builder b = GtServer.builder().listenAddress("127.0.0.1:0").user("id1", "secret1");
        config.accept(b);
        GtServer server = b.build();
        try {
            server.start().get(10, TimeUnit.SECONDS);
        } catch (Exception | Error e) {
            server.close();
            throw e;
        }
        return server;
    }
}

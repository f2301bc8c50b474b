package dev.gt.core.it;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.gt.api.GtErrorCode;
import dev.gt.api.GtEvent;
import dev.gt.api.GtException;
import dev.gt.api.ServerState;
import dev.gt.api.ServiceSpec;
import dev.gt.core.GtClient;
import dev.gt.core.GtServer;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Server ports for TCP services: taken from -tcpRange on demand, given back when the client leaves. */
@Timeout(30)
class TcpPortTest {
    @Test
    void requestedPortIsOpenedAndReleasedWhenTheClientCloses() throws Exception {
        int base = FreePorts.block(10);
        int wanted = base + 3;
        try (EchoServer echo = new EchoServer();
                GtServer server = GtServer.builder().listenAddress("127.0.0.1:0").user("id1", "secret1")
                        .tcpPortRange(base + "-" + (base + 9)).tcpBindAddress("127.0.0.1").build()) {
            server.start().get(10, TimeUnit.SECONDS);
            GtClient client = GtPair.newClient(server, b -> b
                    .service(ServiceSpec.local(echo.url()).serverPort(wanted).build()));
            try {
                client.start().get(10, TimeUnit.SECONDS);
                assertEquals(wanted, client.state().services().get(0).tcpPort());
                ServerState.ClientInfo info = server.state().clients().get(0);
                assertEquals(List.of(wanted), info.tcpPorts());
                assertEchoes(wanted);
                // Let the echo's stream end everywhere first (closing during it: see the next test).
                await().atMost(Duration.ofSeconds(10)).until(() -> streams(server) == 0
                        && client.state().tunnels().stream().mapToInt(t -> t.streams()).sum() == 0);
            } finally {
                client.close();
            }
            await("client removed from the server").atMost(Duration.ofSeconds(10))
                    .until(() -> server.state().clients().isEmpty());
            await("port " + wanted + " released").atMost(Duration.ofSeconds(10))
                    .until(() -> FreePorts.canBind(wanted));
            assertTrue(server.state().listeners().keySet().stream().noneMatch(k -> k.startsWith("tcp:")),
                    "listeners: " + server.state().listeners());
        }
    }

    @Test
    void closingTheClientWhileAVisitorIsConnectedEndsTheVisitorAndReleasesThePort() throws Exception {
        int base = FreePorts.block(10);
        try (EchoServer echo = new EchoServer();
                GtServer server = GtServer.builder().listenAddress("127.0.0.1:0").user("id1", "secret1")
                        .tcpPortRange(base + "-" + (base + 9)).tcpBindAddress("127.0.0.1").build()) {
            server.start().get(10, TimeUnit.SECONDS);
            GtClient client = GtPair.newClient(server, b -> b
                    .service(ServiceSpec.local(echo.url()).serverPort(base).build()));
            try {
                client.start().get(10, TimeUnit.SECONDS);
            } catch (Exception e) {
                client.close();
                throw e;
            }
            try (Socket visitor = TransferTest.connect(base)) {
                visitor.setSoTimeout(10_000);
                visitor.getOutputStream().write(7);
                assertEquals(7, visitor.getInputStream().read());
                assertEquals(1, streams(server));

                client.close();
                client.close(); // idempotent

                // The tunnel is gone, so is the stream: the visitor sees its connection end.
                int r;
                try {
                    r = visitor.getInputStream().read();
                } catch (java.net.SocketException reset) {
                    r = -1;
                }
                assertEquals(-1, r, "the visitor's connection should end with the client's tunnel");
            }
            await("client removed from the server: " + server.state()).atMost(Duration.ofSeconds(10))
                    .until(() -> server.state().clients().isEmpty());
            await("port " + base + " released").atMost(Duration.ofSeconds(10))
                    .until(() -> FreePorts.canBind(base));
        }
    }

    @Test
    void portOutsideTheRangeWithoutRandomIsRefused() throws Exception {
        int base = FreePorts.block(10);
        try (EchoServer echo = new EchoServer();
                GtServer server = GtServer.builder().listenAddress("127.0.0.1:0").user("id1", "secret1")
                        .tcpPortRange(base + "-" + (base + 9)).tcpBindAddress("127.0.0.1").build()) {
            server.start().get(10, TimeUnit.SECONDS);
            GtException e = startFails(server, ServiceSpec.local(echo.url()).serverPort(base + 10).build());
            assertEquals(GtErrorCode.FAILED_TO_OPEN_TCP_PORT, e.code(), e.toString());
            assertTrue(server.state().clients().isEmpty(), "state: " + server.state());
        }
    }

    @Test
    void portOutsideTheRangeWithRandomGetsAPortInTheRange() throws Exception {
        int base = FreePorts.block(10);
        try (EchoServer echo = new EchoServer();
                GtServer server = GtServer.builder().listenAddress("127.0.0.1:0").user("id1", "secret1")
                        .tcpPortRange(base + "-" + (base + 9)).tcpBindAddress("127.0.0.1").build()) {
            server.start().get(10, TimeUnit.SECONDS);
            try (GtClient client = GtPair.newClient(server, b -> b.service(ServiceSpec.local(echo.url())
                    .serverPort(base + 10).allowRandomServerPort(true).build()))) {
                client.start().get(10, TimeUnit.SECONDS);
                int port = client.state().services().get(0).tcpPort();
                assertTrue(port >= base && port <= base + 9, "port " + port + " outside " + base + "-" + (base + 9));
                assertEchoes(port);
            }
        }
    }

    @Test
    void portTakenByAnotherClientWithoutRandomIsRefused() throws Exception {
        int base = FreePorts.block(10);
        try (EchoServer echo = new EchoServer();
                GtServer server = GtServer.builder().listenAddress("127.0.0.1:0").user("id1", "secret1")
                        .user("id2", "secret2").tcpPortRange(base + "-" + (base + 9)).tcpBindAddress("127.0.0.1").build()) {
            server.start().get(10, TimeUnit.SECONDS);
            try (GtClient holder = GtPair.newClient(server, b -> b.service(ServiceSpec.local(echo.url())
                    .serverPort(base).build()))) {
                holder.start().get(10, TimeUnit.SECONDS);
                Events events = new Events();
                try (GtClient other = GtPair.newClient(server, b -> b.id("id2").secret("secret2")
                        .reconnectDelay(Duration.ofSeconds(30)).eventListener(events)
                        .service(ServiceSpec.local(echo.url()).serverPort(base).build()))) {
                    ExecutionException e = assertThrows(ExecutionException.class,
                            () -> other.start().get(10, TimeUnit.SECONDS));
                    GtException cause = assertInstanceOf(GtException.class, e.getCause());
                    assertEquals(GtErrorCode.FAILED_TO_OPEN_TCP_PORT, cause.code(), cause.toString());
                    assertEquals(GtErrorCode.FAILED_TO_OPEN_TCP_PORT,
                            events.awaitCount(GtEvent.HandshakeRejected.class, 1).code());
                }
                assertEchoes(base);
            }
        }
    }

    @Test
    void serverWithoutTcpRangeRefusesTcpServicesNamingTheOption() throws Exception {
        try (EchoServer echo = new EchoServer();
                GtServer server = GtServer.builder().listenAddress("127.0.0.1:0").user("id1", "secret1").build()) {
            server.start().get(10, TimeUnit.SECONDS);
            GtException e = startFails(server, ServiceSpec.local(echo.url()).allowRandomServerPort(true).build());
            assertEquals(GtErrorCode.FAILED_TO_OPEN_TCP_PORT, e.code(), e.toString());
            assertTrue(e.getMessage().contains("-tcpRange"), e.getMessage());
        }
    }

    private static int streams(GtServer server) {
        return server.state().clients().stream().flatMap(c -> c.tunnels().stream()).mapToInt(t -> t.streams()).sum();
    }

    private static GtException startFails(GtServer server, ServiceSpec service) throws Exception {
        try (GtClient client = GtPair.newClient(server, b -> b.reconnectDelay(Duration.ofSeconds(30)).service(service))) {
            ExecutionException e = assertThrows(ExecutionException.class, () -> client.start().get(10, TimeUnit.SECONDS));
            return assertInstanceOf(GtException.class, e.getCause(), e.toString());
        }
    }

    private static void assertEchoes(int port) throws Exception {
        try (Socket s = TransferTest.connect(port)) {
            OutputStream out = s.getOutputStream();
            InputStream in = s.getInputStream();
            byte[] msg = Data.random(1000, port);
            out.write(msg);
            out.flush();
            Data.assertSameBytes(msg, in.readNBytes(msg.length), "echo via port " + port);
        }
    }
}

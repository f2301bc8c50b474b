package dev.gt.core.it;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.gt.api.GtEvent;
import dev.gt.api.ServiceSpec;
import dev.gt.core.GtClient;
import dev.gt.core.GtServer;
import dev.gt.transport.tcp.EpollEngineProvider;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A NAT in front of a QUIC client gives it a new source address (a rebinding) while its tunnel is
 * quiet, again and again: each time a visitor is served again within about the client's server
 * timeout, either over the same connection (the server followed the client) or over a new one
 * (the keepalive found the tunnel silent or its PINGs unanswered, and the client reconnected).
 * GT does not offer connection migration (README); this is what it promises instead.
 */
@Timeout(200)
class QuicRebindingTest {
    private static final int REBINDINGS = 6;
    private static final Duration SERVER_TIMEOUT = Duration.ofSeconds(5);

    @Test
    void aClientWhoseAddressChangesIsServedAgainWithinItsServerTimeout() throws Exception {
        int port = FreePorts.block(1);
        Events ev = new Events();
        try (EchoServer echo = new EchoServer();
                GtServer server = GtServer.builder().listenAddress("127.0.0.1:0").tunnelListener("quic", "127.0.0.1:0")
                        .user(GtPair.ID, GtPair.SECRET).tcpPortRange(port + "-" + port).tcpBindAddress("127.0.0.1")
                        .ioEngine(new EpollEngineProvider()).build()) {
            server.start().get(10, TimeUnit.SECONDS);
            try (UdpRelay nat = new UdpRelay(server.tunnelListenAddress("quic"));
                    GtClient client = GtClient.builder().id(GtPair.ID).secret(GtPair.SECRET)
                            .server("quic://127.0.0.1:" + nat.address().getPort()).trustAnyCertificate(true)
                            .reconnectDelay(Duration.ofMillis(200)).serverTimeout(SERVER_TIMEOUT)
                            .ioEngine(new EpollEngineProvider()).eventListener(ev)
                            .service(ServiceSpec.local(echo.url()).serverPort(port).build()).build()) {
                client.start().get(20, TimeUnit.SECONDS);
                assertEquals("a", EchoServer.roundTrip(port, "a", 1000));
                StringBuilder times = new StringBuilder();
                for (int i = 1; i <= REBINDINGS; i++) {
                    long start = System.nanoTime();
                    nat.rebind();
                    // The timeout, a reconnect and a handshake; twice that is plenty.
                    Awaitility.await("a visitor served after rebinding " + i)
                            .atMost(SERVER_TIMEOUT.multipliedBy(4)).pollInterval(Duration.ofMillis(10))
                            .until(() -> answers(port));
                    times.append((System.nanoTime() - start) / 1_000_000).append(" ms ");
                }
                System.out.println("served again after " + times + "; reconnects: "
                        + ev.of(GtEvent.TunnelDisconnected.class).size());
            }
        }
    }

    private static boolean answers(int port) {
        try {
            return "b".equals(EchoServer.roundTrip(port, "b", 1000));
        } catch (Exception e) {
            return false;
        }
    }
}

package dev.gt.core.internal;

import dev.gt.api.ServiceSpec;
import dev.gt.core.GtClient;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The core finds tunnel transports by scheme and names none itself. */
@Timeout(30)
class TunnelTransportsTest {
    @Test
    void tcpAndTlsComeFromTheTransportModule() {
        assertEquals("tcp", TunnelTransports.forScheme("tcp").scheme());
        assertEquals("tls", TunnelTransports.forScheme("TLS").scheme());
        assertTrue(TunnelTransports.forScheme("tcp").getClass().getName().startsWith("dev.gt.transport."),
                "gt-core holds no transport of its own");
    }

    @Test
    void aSchemeWithoutItsModuleIsRefusedByNameWithWhatIsThere() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> TunnelTransports.forScheme("quic"));
        assertEquals("no tunnel transport for quic:// (available: [tcp, tls]; is its module, such as "
                + "gt-transport-quic, on the class path?)", e.getMessage());
    }

    @Test
    void aClientForAMissingTransportFailsToStartAndSaysWhy() throws Exception {
        GtClient client = GtClient.builder().id("q").server("quic://127.0.0.1:4433")
                .service(ServiceSpec.local("http://127.0.0.1:1").build()).startTimeout(Duration.ofSeconds(5)).build();
        try {
            java.util.concurrent.ExecutionException e = assertThrows(java.util.concurrent.ExecutionException.class,
                    () -> client.start().get(10, TimeUnit.SECONDS));
            assertTrue(e.getCause().getMessage().contains("no tunnel transport for quic://"), e.getCause().toString());
        } finally {
            client.close();
        }
    }
}

package dev.gt.core.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.gt.api.ServiceSpec;
import dev.gt.core.GtClient;
import dev.gt.core.GtServer;
import dev.gt.core.internal.IoEngines;
import dev.gt.core.internal.tls.TlsContexts;
import io.netty.handler.ssl.SslProvider;
import java.time.Duration;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * What a user gets who does not add the optional native jars (any platform but Linux x86-64, or
 * a Linux user who leaves them out): NIO and the JDK's TLS, and everything still works. Runs only
 * in gt-core's {@code no-natives} surefire execution, whose class path lacks the io_uring, epoll
 * and netty-tcnative jars; the default execution excludes the tag.
 */
@Tag("no-natives")
@Timeout(60)
class NativeFallbackTest {

    @Test
    void withoutTheNativeJarsNioAndJdkTlsCarryATlsTunnel() throws Exception {
        ClassLoader loader = getClass().getClassLoader();
        for (String library : new String[] {"libnetty_transport_native_io_uring42_x86_64.so",
                "libnetty_transport_native_epoll_x86_64.so", "libnetty_tcnative_linux_x86_64.so"}) {
            assertNull(loader.getResource("META-INF/native/" + library),
                    library + " is on the class path (expected this test to run without the native jars)");
        }
        assertEquals("nio", IoEngines.select(null).name());
        assertEquals(SslProvider.JDK, TlsContexts.provider());

        try (Backend backend = new Backend();
                GtServer server = GtServer.builder().tlsListenAddress("127.0.0.1:0").user("id1", "secret1").build()) {
            server.start().get();
            try (GtClient client = GtClient.builder().id("id1").secret("secret1")
                    .server("tls://localhost:" + server.tlsListenAddress().getPort())
                    .pinnedCertificateSha256(server.certificateFingerprint())
                    .service(ServiceSpec.local(backend.url()).build()).reconnectDelay(Duration.ofMillis(200)).build()) {
                client.start().get();
                String reply = TlsSmokeTest.httpsGet(server.tlsListenAddress().getPort(), "id1.example.com",
                        TlsSmokeTest.trustAll());
                assertTrue(reply.startsWith("HTTP/1.1 200"), reply);
                assertTrue(reply.endsWith("ok GET /x host=id1.example.com"), reply);
            }
        }
    }
}

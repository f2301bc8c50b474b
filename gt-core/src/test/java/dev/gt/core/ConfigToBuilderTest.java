package dev.gt.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import dev.gt.api.GtEventListener;
import dev.gt.api.PortRange;
import dev.gt.api.ServiceSpec;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** {@code toBuilder()} gives back every setting, and a variant built from it leaves the original alone. */
class ConfigToBuilderTest {
    private static final GtEventListener LISTENER = new GtEventListener() { };

    @Test
    void serverConfigRoundTripsThroughItsBuilder() {
        GtServerConfig c = GtServer.builder()
                .listenAddress("127.0.0.1:0").tlsListenAddress("127.0.0.1:0").sniListenAddress(":0")
                .certificateFile(Path.of("cert.pem")).privateKeyFile(Path.of("key.pem")).minTlsVersion(TlsVersion.TLS1_3)
                .user("id1", "secret1").user("id2", User.builder("secret2").tcpPortRange("30000-30010").maxTcpPorts(2)
                        .speedLimit(1000).maxTunnels(3).maxHostPrefixes(4).hostPrefixPattern("^a").prependIdToHostPrefixes(true)
                        .build())
                .allowAnyClient(true).authUrl("http://127.0.0.1:1/auth").speedLimitPerClient(4096)
                .maxHostPrefixesPerClient(5).hostPrefixPattern("^[a-z]+$").prependIdToHostPrefixes(true)
                .failedLoginsBeforeBan(0).banDuration(Duration.ofMinutes(7)).banTableCapacity(1024)
                .allowAnyClientHold(Duration.ZERO).tcpPortRange(new PortRange(10000, 10010)).maxTcpPortsPerClient(6)
                .tcpBindAddress("127.0.0.1").httpRoutingHeader("X-Client").idleTimeout(Duration.ofSeconds(33))
                .handshakeTimeout(Duration.ofSeconds(2)).streamOpenTimeout(Duration.ofSeconds(3))
                .drainTimeout(Duration.ofSeconds(4)).allowAnyClientServices(7).maxTunnelsPerClient(8)
                .maxServicesPerHandshake(9).maxHeadBytes(4096).eventListener(LISTENER).workerThreads(1)
                .buildConfig();
        assertEquals(accessors(c), accessors(c.toBuilder().buildConfig()));
        GtServerConfig variant = c.toBuilder().idleTimeout(Duration.ofSeconds(1)).user("id3", "secret3").buildConfig();
        assertEquals(Duration.ofSeconds(33), c.idleTimeout());
        assertEquals(List.of("id1", "id2"), List.copyOf(c.users().keySet()));
        assertEquals(List.of("id1", "id2", "id3"), List.copyOf(variant.users().keySet()));
        assertNotEquals(accessors(c), accessors(variant));
    }

    @Test
    void clientConfigRoundTripsThroughItsBuilder() {
        GtClientConfig c = GtClient.builder().id("id1")
                .server("tcp://gt.example.com:8080").server("tls://gt2.example.com")
                .service(ServiceSpec.local("http://127.0.0.1:80").hostPrefix("web").rewriteHostHeader(true)
                        .idleTimeout(Duration.ofSeconds(9)).build())
                .reconnectDelay(Duration.ofSeconds(1)).serverTimeout(Duration.ofSeconds(2)).maxTunnels(5).idleTunnels(2)
                .pinnedCertificateSha256("AB".repeat(32)).eventListener(LISTENER).workerThreads(1)
                .startTimeout(Duration.ZERO).keepRetryingAfterRefusal(true).drainTimeout(Duration.ofSeconds(3))
                .buildConfig();
        // The generated secret comes along, so the variant authenticates as the same client.
        assertEquals(accessors(c), accessors(c.toBuilder().buildConfig()));
        GtClientConfig variant = c.toBuilder().maxTunnels(1).idleTunnels(1).buildConfig();
        assertEquals(c.secret(), variant.secret());
        assertEquals(5, c.maxTunnels());
        assertEquals(1, variant.maxTunnels());
    }

    private static Map<String, Object> accessors(Object config) {
        Map<String, Object> values = new LinkedHashMap<>();
        Method[] methods = config.getClass().getMethods();
        Arrays.sort(methods, Comparator.comparing(Method::getName));
        for (Method m : methods) {
            if (m.getParameterCount() > 0 || Modifier.isStatic(m.getModifiers()) || m.getDeclaringClass() == Object.class
                    || m.getName().equals("toBuilder")) {
                continue;
            }
            try {
                values.put(m.getName(), m.invoke(config));
            } catch (IllegalAccessException | InvocationTargetException e) {
                throw new AssertionError(m.getName(), e);
            }
        }
        return values;
    }
}

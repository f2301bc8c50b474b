package dev.gt.runner.options;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.gt.api.ServiceSpec;
import dev.gt.core.GtClient;
import dev.gt.core.GtServer;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * One source of defaults: what {@code -h} shows is what the library does when the option is not
 * given, and every option's setter is a real library setting. The table reads its defaults from
 * the library; these tests make sure the values it reads, the setters it calls and what the runner
 * builds without options all agree with the bare library builders.
 */
class OptionDefaultsTest {
    private static final ServiceSpec SERVICE = ServiceSpec.local("tcp://localhost:1").build();

    @TempDir
    Path dir;

    private static GtServer.Builder server() {
        return GtServer.builder().listenAddress(new InetSocketAddress("127.0.0.1", 0));
    }

    private static GtClient.Builder client() {
        return GtClient.builder().id("id1").secret("secret1").server("tcp://localhost:1").service(SERVICE);
    }

    @Test
    void theRunnerWithoutOptionsConfiguresWhatTheLibraryDefaultsTo() {
        assertEquals(accessors(server().buildConfig()),
                accessors(ServerOptions.parse(new String[] {"-addr", "127.0.0.1:0"}, dir).builder().buildConfig()));
        // The runner's client keeps trying for ever, as GT's does: its only settings of its own.
        Map<String, Object> library = accessors(client().startTimeout(Duration.ZERO).keepRetryingAfterRefusal(true)
                .buildConfig());
        Map<String, Object> runner = accessors(ClientOptions.parse(new String[] {"-id", "id1", "-secret", "secret1",
                "-remote", "tcp://localhost:1", "-local", "tcp://localhost:1"}, dir).builder().buildConfig());
        assertEquals(library, runner);
    }

    @Test
    void applyingADefaultThroughItsSetterChangesNothing() {
        int checked = 0;
        checked += defaultsChangeNothing(OptionTable.SERVER.commandOptions(), OptionDefaultsTest::server,
                b -> accessors(b.buildConfig()));
        checked += defaultsChangeNothing(OptionTable.CLIENT.commandOptions(), OptionDefaultsTest::client,
                b -> accessors(b.buildConfig()));
        List<Option<? super ServiceSpec.Builder, ?>> service = new ArrayList<>();
        for (Option<?, ?> o : OptionTable.CLIENT.options()) {
            if (o.perService()) {
                service.add(OptionTable.CLIENT.serviceOption(o.name()));
            }
        }
        checked += defaultsChangeNothing(service, () -> ServiceSpec.local("tcp://localhost:1"),
                b -> accessors(b.build()));
        // timeout, connections, maxHandShakeOptions, httpMUXHeader, tlsVersion, speed, reconnectTimes,
        // reconnectDuration, hostNumber, tcpNumber, workerThreads; reconnectDelay, remoteTimeout,
        // remoteConnections, remoteIdleConnections, workerThreads, remoteProbeInterval; localTimeout.
        assertEquals(18, checked);
    }

    private static <B> int defaultsChangeNothing(List<? extends Option<? super B, ?>> options, Supplier<B> fresh,
            java.util.function.Function<B, Map<String, Object>> build) {
        int checked = 0;
        Map<String, Object> expected = build.apply(fresh.get());
        for (Option<? super B, ?> o : options) {
            if (o.supported() && o.hasSetter() && o.defaultValue() != null) {
                B b = fresh.get();
                o.applyTo(b, o.defaultValue());
                assertEquals(expected, build.apply(b), "-" + o.name() + " " + o.defaultText());
                checked++;
            }
        }
        return checked;
    }

    @Test
    void helpShowsTheLibrarysDefaults() {
        String server = ServerOptions.usage().replaceAll("\\s+", " ");
        assertTrue(server.contains("0 disables it. (default 90s)"), server);
        assertTrue(server.contains("(default 5m)"), server);
        assertTrue(server.contains("(default \"tls1.2\")"), server);
        String client = ClientOptions.usage().replaceAll("\\s+", " ");
        assertTrue(client.contains("(default 45s)"), client);
        assertTrue(client.contains("local service; 0 disables it. (default 2m)"), client);
    }

    @Test
    void everySetterIsASettingOfTheLibrary() throws NoSuchMethodException {
        int checked = 0;
        for (Option<?, ?> o : OptionTable.SERVER.options()) {
            checked += hasSetting(o, o.perService() ? ServiceSpec.Builder.class : GtServer.Builder.class);
        }
        for (Option<?, ?> o : OptionTable.CLIENT.options()) {
            checked += hasSetting(o, o.perService() ? ServiceSpec.Builder.class : GtClient.Builder.class);
        }
        assertTrue(checked > 30, "checked " + checked);
    }

    private static int hasSetting(Option<?, ?> o, Class<?> builder) {
        if (!o.hasSetter()) {
            return 0;
        }
        assertNotNull(o.setting(), o.toString());
        boolean found = Arrays.stream(builder.getMethods())
                // One argument, or a qualifier and the value (tunnelListener("quic", address)).
                .anyMatch(m -> m.getName().equals(o.setting()) && m.getParameterCount() >= 1 && m.getParameterCount() <= 2);
        assertTrue(found, o + ": " + builder.getName() + " has no setter " + o.setting());
        assertFalse(o.setting().startsWith("-"), o.toString());
        return 1;
    }

    /** Every public no-argument accessor of a configuration and its value; services by theirs. */
    static Map<String, Object> accessors(Object config) {
        Map<String, Object> values = new LinkedHashMap<>();
        List<Method> methods = new ArrayList<>(Arrays.asList(config.getClass().getMethods()));
        methods.sort(Comparator.comparing(Method::getName));
        for (Method m : methods) {
            if (m.getParameterCount() > 0 || Modifier.isStatic(m.getModifiers()) || m.getDeclaringClass() == Object.class
                    || m.getName().equals("toBuilder")) {
                continue;
            }
            try {
                Object v = m.invoke(config);
                if (v instanceof List && !((List<?>) v).isEmpty() && ((List<?>) v).get(0) instanceof ServiceSpec) {
                    List<Object> specs = new ArrayList<>();
                    for (Object spec : (List<?>) v) {
                        specs.add(accessors(spec));
                    }
                    v = specs;
                }
                values.put(m.getName(), v);
            } catch (IllegalAccessException | InvocationTargetException e) {
                throw new AssertionError(m.getName(), e);
            }
        }
        return values;
    }
}

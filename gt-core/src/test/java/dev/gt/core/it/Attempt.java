package dev.gt.core.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;

import dev.gt.api.GtErrorCode;
import dev.gt.api.GtException;
import dev.gt.api.ServiceSpec;
import dev.gt.core.GtClient;
import dev.gt.core.GtServer;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * One client's attempt to connect: either it became ready (and must be closed) or the server
 * refused its hello with a code. The client waits long before retrying, so one attempt is one hello.
 */
final class Attempt implements AutoCloseable {
    final GtClient client;
    final GtException rejection;

    private Attempt(GtClient client, GtException rejection) {
        this.client = client;
        this.rejection = rejection;
    }

    static Attempt connect(GtServer server, String id, String secret, List<ServiceSpec> services) throws Exception {
        return connect(server, b -> {
            b.id(id).secret(secret);
            services.forEach(b::service);
        });
    }

    static Attempt connect(GtServer server, Consumer<GtClient.Builder> config) throws Exception {
        GtClient c = GtPair.newClient(server, b -> {
            b.reconnectDelay(Duration.ofMinutes(5));
            config.accept(b);
        });
        try {
            c.start().get(15, TimeUnit.SECONDS);
            return new Attempt(c, null);
        } catch (ExecutionException e) {
            c.close();
            return new Attempt(null, assertInstanceOf(GtException.class, e.getCause(), e.toString()));
        }
    }

    /** Asserts the attempt succeeded. */
    Attempt ready() {
        assertNull(rejection, () -> "expected a ready tunnel, got " + rejection);
        assertNotNull(client);
        return this;
    }

    /** Asserts the server refused it with {@code code}; returns the server's message. */
    String refused(GtErrorCode code) {
        assertNotNull(rejection, "expected a rejection with " + code + ", but the client connected");
        assertEquals(code, rejection.code(), rejection.toString());
        return rejection.getMessage();
    }

    @Override
    public void close() {
        if (client != null) {
            client.close();
        }
    }
}

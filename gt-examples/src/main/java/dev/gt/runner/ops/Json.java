package dev.gt.runner.ops;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import dev.gt.api.ClientState;
import dev.gt.api.PortRange;
import dev.gt.api.ServerState;
import dev.gt.api.StreamInfo;
import dev.gt.api.TunnelInfo;
import java.io.IOException;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Function;

/**
 * The JSON of the status API and the dashboard: snapshots written field by field (so that the
 * wire format is ours, not a reflection of Java records), and flat objects read back.
 */
public final class Json {
    private static final JsonFactory FACTORY = new JsonFactory();

    private Json() {
    }

    /** Something that writes itself into a generator. */
    @FunctionalInterface
    public interface Body {
        /** Writes one JSON value. */
        void write(JsonGenerator g) throws IOException;
    }

    /** The text of one JSON value. */
    public static String write(Body body) {
        StringWriter w = new StringWriter();
        try (JsonGenerator g = FACTORY.createGenerator(w)) {
            body.write(g);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return w.toString();
    }

    /** {@code {"k": "v", ...}} of strings. */
    public static String object(Map<String, ?> fields) {
        return write(g -> {
            g.writeStartObject();
            for (Map.Entry<String, ?> e : fields.entrySet()) {
                g.writeFieldName(e.getKey());
                value(g, e.getValue());
            }
            g.writeEndObject();
        });
    }

    private static void value(JsonGenerator g, Object v) throws IOException {
        if (v == null) {
            g.writeNull();
        } else if (v instanceof Boolean b) {
            g.writeBoolean(b);
        } else if (v instanceof Integer || v instanceof Long) {
            g.writeNumber(((Number) v).longValue());
        } else if (v instanceof Number n) {
            g.writeNumber(n.doubleValue());
        } else if (v instanceof Map<?, ?> m) {
            g.writeStartObject();
            for (Map.Entry<?, ?> e : m.entrySet()) {
                g.writeFieldName(String.valueOf(e.getKey()));
                value(g, e.getValue());
            }
            g.writeEndObject();
        } else if (v instanceof Iterable<?> it) {
            g.writeStartArray();
            for (Object o : it) {
                value(g, o);
            }
            g.writeEndArray();
        } else {
            g.writeString(v.toString());
        }
    }

    /**
     * Reads a flat JSON object of strings, numbers and booleans (as their text); nested values
     * are refused.
     *
     * @throws IllegalArgumentException when the text is not such an object
     */
    public static Map<String, String> readFlat(String text) {
        Map<String, String> out = new LinkedHashMap<>();
        try (JsonParser p = FACTORY.createParser(text)) {
            if (p.nextToken() != JsonToken.START_OBJECT) {
                throw new IllegalArgumentException("expected a JSON object");
            }
            JsonToken t;
            while ((t = p.nextToken()) == JsonToken.FIELD_NAME) {
                String name = p.currentName();
                JsonToken v = p.nextToken();
                if (v == JsonToken.START_OBJECT || v == JsonToken.START_ARRAY) {
                    throw new IllegalArgumentException("field '" + name + "' is not a plain value");
                }
                out.put(name, v == JsonToken.VALUE_NULL ? null : p.getText());
            }
            if (t != JsonToken.END_OBJECT) {
                throw new IllegalArgumentException("expected the end of the JSON object");
            }
        } catch (IOException e) {
            throw new IllegalArgumentException("not valid JSON", e);
        }
        return out;
    }

    static String address(SocketAddress a) {
        if (a instanceof InetSocketAddress i) {
            String host = i.getAddress() != null ? i.getAddress().getHostAddress() : i.getHostString();
            return (host.indexOf(':') >= 0 ? "[" + host + "]" : host) + ":" + i.getPort();
        }
        return a == null ? null : a.toString();
    }

    private static double seconds(Duration d) {
        return d == null ? 0 : d.toNanos() / 1e9;
    }

    static void tunnel(JsonGenerator g, TunnelInfo t, boolean withStreams) throws IOException {
        g.writeStartObject();
        g.writeStringField("remote", t.remote());
        g.writeNumberField("tunnel", t.tunnel());
        g.writeStringField("peer", address(t.peer()));
        g.writeStringField("transport", t.transport());
        g.writeStringField("ioEngine", t.ioEngine());
        if (t.rtt() == null) {
            g.writeNullField("rttMillis");
        } else {
            g.writeNumberField("rttMillis", t.rtt().toNanos() / 1e6);
        }
        g.writeNumberField("ageSeconds", seconds(t.age()));
        g.writeNumberField("streams", t.streams());
        g.writeNumberField("bytesSent", t.bytesSent());
        g.writeNumberField("bytesReceived", t.bytesReceived());
        if (withStreams) {
            g.writeArrayFieldStart("openStreams");
            for (StreamInfo s : t.openStreams()) {
                g.writeStartObject();
                g.writeNumberField("stream", s.stream());
                g.writeStringField("route", s.route());
                g.writeStringField("peer", address(s.peer()));
                g.writeNumberField("bytesFromPeer", s.bytesFromPeer());
                g.writeNumberField("bytesToPeer", s.bytesToPeer());
                g.writeNumberField("ageSeconds", seconds(s.age()));
                g.writeEndObject();
            }
            g.writeEndArray();
        }
        g.writeEndObject();
    }

    static void limits(JsonGenerator g, ServerState.Limits l) throws IOException {
        g.writeStartObject();
        g.writeNumberField("connections", l.maxTunnels());
        g.writeNumberField("tcpNumber", l.maxTcpPorts());
        g.writeNumberField("hostNumber", l.maxHostPrefixes());
        g.writeArrayFieldStart("hostRegex");
        for (String p : l.hostPrefixPatterns()) {
            g.writeString(p);
        }
        g.writeEndArray();
        g.writeBooleanField("hostWithID", l.prependIdToHostPrefixes());
        g.writeNumberField("speed", l.speedLimit());
        g.writeArrayFieldStart("tcpRange");
        for (PortRange r : l.tcpPortRanges()) {
            g.writeString(r.toString());
        }
        g.writeEndArray();
        g.writeEndObject();
    }

    /**
     * A server snapshot: running, listeners, counters, limits, bans and clients with their
     * tunnels (and open streams when asked). {@code hidden} ids (the self-test's) are left out.
     */
    public static String server(ServerState s, boolean withStreams, java.util.function.Predicate<String> hidden,
            Map<String, Object> extra) {
        return write(g -> {
            g.writeStartObject();
            g.writeStringField("kind", "server");
            g.writeBooleanField("running", s.running());
            for (Map.Entry<String, Object> e : extra.entrySet()) {
                g.writeFieldName(e.getKey());
                value(g, e.getValue());
            }
            g.writeObjectFieldStart("listeners");
            for (Map.Entry<String, InetSocketAddress> e : s.listeners().entrySet()) {
                if (!e.getKey().startsWith("tcp:")) {
                    g.writeStringField(e.getKey(), address(e.getValue()));
                }
            }
            g.writeEndObject();
            ServerState.Counters c = s.counters();
            g.writeObjectFieldStart("counters");
            g.writeNumberField("tunnelsAccepted", c.tunnelsAccepted());
            g.writeNumberField("tunnelsRejected", c.tunnelsRejected());
            g.writeNumberField("failedLogins", c.failedLogins());
            g.writeNumberField("streamsOpened", c.streamsOpened());
            g.writeNumberField("openStreams", c.openStreams());
            g.writeNumberField("bytesFromVisitors", c.bytesFromVisitors());
            g.writeNumberField("bytesToVisitors", c.bytesToVisitors());
            g.writeNumberField("droppedEvents", s.droppedEvents());
            g.writeEndObject();
            g.writeFieldName("limits");
            limits(g, s.limits());
            ServerState.Bans b = s.bans();
            g.writeObjectFieldStart("bans");
            g.writeNumberField("bannedAddresses", b.bannedAddresses());
            g.writeNumberField("bannedPrefixes", b.bannedPrefixes());
            g.writeNumberField("bansImposed", b.bansImposed());
            g.writeArrayFieldStart("banned");
            for (ServerState.Ban ban : b.banned()) {
                g.writeStartObject();
                g.writeStringField("address", ban.address());
                g.writeNumberField("remainingSeconds", seconds(ban.remaining()));
                g.writeEndObject();
            }
            g.writeEndArray();
            g.writeEndObject();
            g.writeArrayFieldStart("clients");
            for (ServerState.ClientInfo ci : s.clients()) {
                if (hidden.test(ci.id())) {
                    continue;
                }
                g.writeStartObject();
                g.writeStringField("id", ci.id());
                g.writeArrayFieldStart("hosts");
                for (String h : ci.hosts()) {
                    g.writeString(h);
                }
                g.writeEndArray();
                g.writeArrayFieldStart("tcpPorts");
                for (int p : ci.tcpPorts()) {
                    g.writeNumber(p);
                }
                g.writeEndArray();
                g.writeNumberField("bytesFromVisitors", ci.bytesFromVisitors());
                g.writeNumberField("bytesToVisitors", ci.bytesToVisitors());
                g.writeFieldName("limits");
                limits(g, ci.limits());
                g.writeArrayFieldStart("tunnels");
                for (TunnelInfo t : ci.tunnels()) {
                    tunnel(g, t, withStreams);
                }
                g.writeEndArray();
                g.writeEndObject();
            }
            g.writeEndArray();
            g.writeEndObject();
        });
    }

    /**
     * A client snapshot: tunnels, services with what the server registered and whether the local
     * service answers a connection ({@code reachable}: {@code true}, {@code false}, or absent
     * when unknown yet).
     */
    public static String client(ClientState s, boolean withStreams, Function<Integer, Boolean> reachable,
            Map<String, Object> extra) {
        return write(g -> {
            g.writeStartObject();
            g.writeStringField("kind", "client");
            g.writeBooleanField("running", s.running());
            for (Map.Entry<String, Object> e : extra.entrySet()) {
                g.writeFieldName(e.getKey());
                value(g, e.getValue());
            }
            g.writeObjectFieldStart("counters");
            g.writeNumberField("bytesFromVisitors", s.bytesFromVisitors());
            g.writeNumberField("bytesToVisitors", s.bytesToVisitors());
            g.writeNumberField("openStreams", s.tunnels().stream().mapToInt(TunnelInfo::streams).sum());
            g.writeNumberField("droppedEvents", s.droppedEvents());
            g.writeEndObject();
            g.writeArrayFieldStart("tunnels");
            for (TunnelInfo t : s.tunnels()) {
                tunnel(g, t, withStreams);
            }
            g.writeEndArray();
            g.writeArrayFieldStart("services");
            for (ClientState.RegisteredService r : s.services()) {
                g.writeStartObject();
                g.writeNumberField("index", r.index());
                g.writeStringField("kind", r.service().kind().scheme());
                g.writeStringField("local", r.service().localUrl() != null ? r.service().localUrl() : "in-process");
                g.writeStringField("host", r.host());
                g.writeNumberField("tcpPort", r.tcpPort());
                g.writeBooleanField("routed", r.host() != null || r.tcpPort() != 0);
                Boolean up = reachable.apply(r.index());
                if (up != null) {
                    g.writeBooleanField("reachable", up);
                }
                g.writeEndObject();
            }
            g.writeEndArray();
            g.writeEndObject();
        });
    }
}

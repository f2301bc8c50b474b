package dev.gt.core.internal.proto;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * The client's hello: {@code F0 10 length(4)} then idLen(1) id secretLen(1) secret window(4)
 * count(2) and per service kind(1) flags(1) remotePort(2) prefixLen(1) prefix.
 *
 * @param id client id (1..200 bytes)
 * @param secret secret (1..200 bytes)
 * @param window the client's per-stream receive window
 * @param services the services, in index order
 */
public record Hello(String id, String secret, int window, List<Service> services) {
    /** Service flag: the server may choose another TCP port. */
    public static final int SERVICE_FLAG_RANDOM = 0x01;

    /** Compact constructor: copies the list. */
    public Hello {
        services = List.copyOf(services);
    }

    /**
     * One service of the hello.
     *
     * @param kind {@link Protocol#KIND_HTTP}, {@link Protocol#KIND_HTTPS} or {@link Protocol#KIND_TCP}
     * @param prefix the host prefix, or {@code null} for the client id (HTTP, HTTPS)
     * @param remotePort the requested TCP port, 0 for any
     * @param random whether another TCP port is acceptable
     */
    public record Service(int kind, String prefix, int remotePort, boolean random) { }

    @Override
    public String toString() {
        return "Hello{id=" + id + ", secret=***, window=" + window + ", services=" + services + "}";
    }

    /** Encodes magic, version, length and body. */
    public ByteBuf encode(ByteBufAllocator alloc) {
        ByteBuf buf = alloc.buffer();
        buf.writeByte(Protocol.MAGIC).writeByte(Protocol.VERSION);
        int lengthAt = buf.writerIndex();
        buf.writeInt(0);
        writeShortString(buf, id, "id");
        writeShortString(buf, secret, "secret");
        buf.writeInt(window);
        buf.writeShort(services.size());
        for (Service s : services) {
            buf.writeByte(s.kind()).writeByte(s.random() ? SERVICE_FLAG_RANDOM : 0).writeShort(s.remotePort());
            if (s.prefix() == null) {
                buf.writeByte(0);
            } else {
                writeShortString(buf, s.prefix(), "hostPrefix");
            }
        }
        buf.setInt(lengthAt, buf.writerIndex() - lengthAt - 4);
        return buf;
    }

    private static void writeShortString(ByteBuf buf, String s, String what) {
        byte[] b = s.getBytes(StandardCharsets.UTF_8);
        if (b.length < 1 || b.length > 200) {
            throw new IllegalArgumentException(what + " has " + b.length + " bytes (expected 1 to 200)");
        }
        buf.writeByte(b.length).writeBytes(b);
    }

    /**
     * Decodes a hello body (after magic, version and length).
     *
     * @param maxServices the most services accepted
     * @throws ProtocolException naming the field and the expectation
     * @throws TooManyServicesException when there are more than {@code maxServices}
     */
    public static Hello decodeBody(ByteBuf body, int maxServices) {
        String id = readShortString(body, "id", false);
        String secret = readShortString(body, "secret", false);
        need(body, 6, "window and service count");
        int window = body.readInt();
        if (window < Protocol.MIN_WINDOW || window > Protocol.MAX_WINDOW) {
            throw new ProtocolException("hello window " + window + " (expected " + Protocol.MIN_WINDOW + " to "
                    + Protocol.MAX_WINDOW + ")");
        }
        int count = body.readUnsignedShort();
        if (count == 0) {
            throw new ProtocolException("hello has no service (expected at least one)");
        }
        if (count > maxServices) {
            throw new TooManyServicesException(count, maxServices);
        }
        List<Service> services = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            need(body, 5, "service " + i);
            int kind = body.readUnsignedByte();
            if (kind > Protocol.KIND_TCP) {
                throw new ProtocolException("service " + i + " has kind " + kind + " (expected 0 http, 1 https or 2 tcp)");
            }
            int flags = body.readUnsignedByte();
            int port = body.readUnsignedShort();
            String prefix = readShortString(body, "service " + i + " hostPrefix", true);
            if (kind == Protocol.KIND_TCP && prefix != null) {
                throw new ProtocolException("service " + i + " is tcp but has a host prefix");
            }
            if (prefix != null) {
                checkPrefixBytes(prefix, i);
            }
            services.add(new Service(kind, prefix, port, (flags & SERVICE_FLAG_RANDOM) != 0));
        }
        if (body.isReadable()) {
            throw new ProtocolException("hello has " + body.readableBytes() + " bytes after the last service");
        }
        return new Hello(id, secret, window, services);
    }

    private static void checkPrefixBytes(String prefix, int index) {
        for (int i = 0; i < prefix.length(); i++) {
            char c = prefix.charAt(i);
            if (!(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_')) {
                throw new ProtocolException("service " + index + " host prefix has character 0x"
                        + Integer.toHexString(c) + " (expected letters, digits, '-' or '_')");
            }
        }
    }

    private static String readShortString(ByteBuf body, String what, boolean mayBeEmpty) {
        need(body, 1, what + " length");
        int len = body.readUnsignedByte();
        if (len == 0) {
            if (mayBeEmpty) {
                return null;
            }
            throw new ProtocolException("hello " + what + " is empty (expected 1 to 200 bytes)");
        }
        if (len > 200) {
            throw new ProtocolException("hello " + what + " has " + len + " bytes (expected 1 to 200)");
        }
        need(body, len, what);
        String s = body.readCharSequence(len, StandardCharsets.UTF_8).toString();
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c < ' ' || c == 0x7f || c == '\uFFFD') {
                throw new ProtocolException("hello " + what + " has a control or invalid character");
            }
        }
        return s;
    }

    private static void need(ByteBuf body, int n, String what) {
        if (body.readableBytes() < n) {
            throw new ProtocolException("hello ends inside " + what + " (" + body.readableBytes()
                    + " bytes left, expected " + n + ")");
        }
    }

    /** The hello lists more services than the server accepts. */
    public static final class TooManyServicesException extends RuntimeException {
        private static final long serialVersionUID = 1L;

        public TooManyServicesException(int count, int max) {
            super("hello has " + count + " services (the server accepts at most " + max + ")", null, false, false);
        }
    }
}

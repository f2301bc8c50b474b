package dev.gt.core.it;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.gt.core.internal.proto.Hello;
import dev.gt.core.internal.proto.Protocol;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.UnpooledByteBufAllocator;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * A tunnel client that speaks the protocol byte by byte over a blocking socket, so that a test can
 * play a client that misbehaves: one that stops in the middle of its hello, never answers an OPEN,
 * floods PINGs without reading, or drops the tunnel in the middle of a stream. The frame layout is
 * PROTOCOL.md's; the hello is encoded by the production {@link Hello}.
 */
final class RawTunnel implements AutoCloseable {
    /** A frame as read from the server. */
    record Frame(int type, int flags, int stream, byte[] payload) {
        /** The code of an ERROR, RESET or GOAWAY frame. */
        int code() {
            return ((payload[0] & 0xFF) << 8) | (payload[1] & 0xFF);
        }

        /** The message of an ERROR frame (after its code and service index). */
        String errorMessage() {
            return new String(payload, 4, payload.length - 4, StandardCharsets.UTF_8);
        }

        @Override
        public String toString() {
            return Protocol.typeName(type) + "(flags " + flags + ", stream " + stream + ", " + payload.length
                    + " bytes: " + new String(payload, StandardCharsets.ISO_8859_1) + ")";
        }
    }

    final Socket socket;
    private final DataInputStream in;
    private final OutputStream out;
    /** The SERVICE frames of the handshake answer, in order. */
    final List<Frame> services = new ArrayList<>();

    private RawTunnel(Socket socket) throws IOException {
        this.socket = socket;
        this.in = new DataInputStream(socket.getInputStream());
        this.out = socket.getOutputStream();
    }

    /**
     * Connects to {@code server}, sends a hello for {@code id}/{@code secret} with {@code services}
     * and reads the answer up to READY; fails if the server refuses.
     *
     * @param receiveBuffer the socket's receive buffer (set before connecting), or 0 for the default
     */
    static RawTunnel login(InetSocketAddress server, String id, String secret, List<Hello.Service> services,
            int receiveBuffer) throws IOException {
        Socket s = new Socket();
        try {
            if (receiveBuffer > 0) {
                s.setReceiveBufferSize(receiveBuffer);
            }
            s.connect(server, 5000);
            s.setSoTimeout(10_000);
            RawTunnel t = new RawTunnel(s);
            t.write(hello(id, secret, services));
            t.readVersion();
            for (Frame f; (f = t.readFrame()).type() != Protocol.TYPE_READY; ) {
                if (f.type() != Protocol.TYPE_SERVICE) {
                    throw new AssertionError("the server refused the hello of '" + id + "': " + f);
                }
                t.services.add(f);
            }
            return t;
        } catch (IOException | RuntimeException | Error e) {
            s.close();
            throw e;
        }
    }

    /** An HTTP service using the client id as its host prefix. */
    static Hello.Service http() {
        return new Hello.Service(Protocol.KIND_HTTP, null, 0, false);
    }

    /** An HTTP service with host prefix {@code prefix}. */
    static Hello.Service http(String prefix) {
        return new Hello.Service(Protocol.KIND_HTTP, prefix, 0, false);
    }

    /** A TCP service asking for server port {@code port}. */
    static Hello.Service tcp(int port) {
        return new Hello.Service(Protocol.KIND_TCP, null, port, false);
    }

    /** The bytes of a hello ({@code F0 10}, length, body). */
    static byte[] hello(String id, String secret, List<Hello.Service> services) {
        ByteBuf b = new Hello(id, secret, Protocol.DEFAULT_WINDOW, services).encode(UnpooledByteBufAllocator.DEFAULT);
        try {
            return ByteBufUtil.getBytes(b);
        } finally {
            b.release();
        }
    }

    /** The bytes of one frame. */
    static byte[] frame(int type, int flags, int stream, byte[] payload) {
        return ByteBuffer.allocate(Protocol.HEADER_LENGTH + payload.length).put((byte) type).put((byte) flags)
                .putInt(stream).putInt(payload.length).put(payload).array();
    }

    static byte[] ping(long opaque) {
        return frame(Protocol.TYPE_PING, 0, 0, ByteBuffer.allocate(8).putLong(opaque).array());
    }

    void write(byte[] bytes) throws IOException {
        out.write(bytes);
        out.flush();
    }

    /** ACCEPT for {@code stream}: the local service is connected. */
    void accept(int stream) throws IOException {
        write(frame(Protocol.TYPE_ACCEPT, 0, stream, new byte[0]));
    }

    /** DATA on {@code stream}. */
    void data(int stream, byte[] payload) throws IOException {
        write(frame(Protocol.TYPE_DATA, 0, stream, payload));
    }

    /** Reads and checks the version bytes every answer of the server starts with. */
    void readVersion() throws IOException {
        readVersion(in);
    }

    static void readVersion(InputStream in) throws IOException {
        byte[] v = new DataInputStream(in).readNBytes(2);
        assertEquals("[-16, 16]", Arrays.toString(v), "expected the version bytes F0 10");
    }

    Frame readFrame() throws IOException {
        return readFrame(in);
    }

    /** Reads one frame from {@code stream}. */
    static Frame readFrame(InputStream stream) throws IOException {
        DataInputStream d = stream instanceof DataInputStream ? (DataInputStream) stream : new DataInputStream(stream);
        int type = d.readUnsignedByte();
        int flags = d.readUnsignedByte();
        int id = d.readInt();
        int length = d.readInt();
        if (length < 0 || length > Protocol.MAX_DATA_PAYLOAD) {
            throw new IOException("frame of " + Integer.toUnsignedString(length) + " bytes");
        }
        byte[] payload = new byte[length];
        d.readFully(payload);
        return new Frame(type, flags, id, payload);
    }

    /** Reads frames until one of {@code type} (answering none of the others); returns it. */
    Frame awaitFrame(int type) throws IOException {
        for (Frame f; ; ) {
            f = readFrame();
            if (f.type() == type) {
                return f;
            }
        }
    }

    /**
     * Reads until the server ends the connection (EOF, a reset, or a TLS error for a TLS socket)
     * and returns how it ended; fails if the socket's read timeout passes first.
     */
    static String awaitEnd(Socket s) throws IOException {
        InputStream in = s.getInputStream();
        byte[] buf = new byte[8192];
        try {
            while (in.read(buf) >= 0) {
                // What comes before the end does not matter here.
            }
            return "EOF";
        } catch (SocketTimeoutException e) {
            throw new AssertionError("the server did not end the connection within " + s.getSoTimeout() + " ms", e);
        } catch (EOFException | SocketException | javax.net.ssl.SSLException e) {
            return e.toString();
        }
    }

    @Override
    public void close() throws IOException {
        socket.close();
    }
}

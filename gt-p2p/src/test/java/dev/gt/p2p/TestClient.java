package dev.gt.p2p;

import java.io.DataInputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.util.Arrays;

/** A blocking UDP or TCP client socket that sends raw messages and reads whole answers. */
final class TestClient implements AutoCloseable {
    private final DatagramSocket udp;
    private final Socket tcp;
    private final InetSocketAddress server;

    private TestClient(DatagramSocket udp, Socket tcp, InetSocketAddress server) {
        this.udp = udp;
        this.tcp = tcp;
        this.server = server;
    }

    static TestClient udp(InetSocketAddress server) throws IOException {
        DatagramSocket s = new DatagramSocket(new InetSocketAddress(server.getAddress(), 0));
        s.setSoTimeout(5000);
        return new TestClient(s, null, server);
    }

    static TestClient tcp(InetSocketAddress server) throws IOException {
        Socket s = new Socket();
        s.connect(server, 5000);
        s.setSoTimeout(5000);
        s.setTcpNoDelay(true);
        return new TestClient(null, s, server);
    }

    InetSocketAddress local() {
        return udp != null ? (InetSocketAddress) udp.getLocalSocketAddress()
                : (InetSocketAddress) tcp.getLocalSocketAddress();
    }

    void send(byte[] b) throws IOException {
        if (udp != null) {
            udp.send(new DatagramPacket(b, b.length, server));
        } else {
            OutputStream o = tcp.getOutputStream();
            o.write(b);
            o.flush();
        }
    }

    void sendTo(byte[] b, InetSocketAddress to) throws IOException {
        udp.send(new DatagramPacket(b, b.length, to));
    }

    /** The next message: a datagram, or one STUN message / ChannelData read from the stream. */
    byte[] receive() throws IOException {
        if (udp != null) {
            byte[] buf = new byte[65536];
            DatagramPacket p = new DatagramPacket(buf, buf.length);
            udp.receive(p);
            return Arrays.copyOf(buf, p.getLength());
        }
        DataInputStream in = new DataInputStream(tcp.getInputStream());
        byte[] head = new byte[4];
        in.readFully(head);
        int len = ((head[2] & 0xFF) << 8) | (head[3] & 0xFF);
        boolean channelData = (head[0] & 0xC0) == 0x40;
        int rest = channelData ? (len + 3) & ~3 : 16 + len;
        byte[] all = new byte[4 + rest];
        System.arraycopy(head, 0, all, 0, 4);
        in.readFully(all, 4, rest);
        return channelData ? Arrays.copyOf(all, 4 + len) : all;
    }

    /** The answer to {@code m}, skipping anything else that arrives first. */
    TestMessage.Answer exchange(TestMessage m) throws IOException {
        send(m.bytes());
        return answerTo(m);
    }

    TestMessage.Answer answerTo(TestMessage m) throws IOException {
        for (int i = 0; i < 100; i++) {
            byte[] b = receive();
            if ((b[0] & 0xC0) != 0) {
                continue; // ChannelData
            }
            TestMessage.Answer a = new TestMessage.Answer(b);
            if (a.answers(m)) {
                return a;
            }
        }
        throw new AssertionError("no answer to the request among 100 messages");
    }

    @Override
    public void close() throws IOException {
        if (udp != null) {
            udp.close();
        } else {
            tcp.close();
        }
    }
}

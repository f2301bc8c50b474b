package dev.gt.p2p;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.gt.p2p.internal.Stun;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.function.UnaryOperator;

/** A TURN client for the tests: the 401 challenge, then requests signed with long-term credentials. */
final class TurnClient implements AutoCloseable {
    final TestClient socket;
    final String user;
    final String password;
    String realm;
    String nonce;

    TurnClient(TestClient socket, String user, String password) {
        this.socket = socket;
        this.user = user;
        this.password = password;
    }

    /** Gets realm and nonce from an unauthenticated Allocate. */
    TestMessage.Answer challenge() throws IOException {
        TestMessage.Answer a = socket.exchange(TestMessage.request(Stun.ALLOCATE).attr(Stun.REQUESTED_TRANSPORT,
                new byte[] {17, 0, 0, 0}));
        assertEquals(401, a.errorCode());
        realm = a.text(Stun.REALM);
        nonce = a.text(Stun.NONCE);
        return a;
    }

    /** Sends a request built by {@code body} with credentials; a 438 renews the nonce and retries once. */
    TestMessage.Answer request(int method, UnaryOperator<TestMessage> body) throws IOException {
        if (nonce == null) {
            challenge();
        }
        TestMessage.Answer a = socket.exchange(sign(body.apply(TestMessage.request(method))));
        if (a.errorCode() == 438) {
            nonce = a.text(Stun.NONCE);
            a = socket.exchange(sign(body.apply(TestMessage.request(method))));
        }
        return a;
    }

    TestMessage sign(TestMessage m) {
        return m.credentials(user, realm, nonce, password);
    }

    /** Allocates a UDP relay; returns its address. */
    InetSocketAddress allocate() throws IOException {
        TestMessage.Answer a = request(Stun.ALLOCATE, m -> m.attr(Stun.REQUESTED_TRANSPORT, new byte[] {17, 0, 0, 0}));
        assertEquals(0, a.errorCode(), "allocate failed");
        return a.address(Stun.XOR_RELAYED_ADDRESS, true);
    }

    TestMessage.Answer permit(InetSocketAddress peer) throws IOException {
        return request(Stun.CREATE_PERMISSION, m -> m.xorAddress(Stun.XOR_PEER_ADDRESS, peer));
    }

    TestMessage.Answer bind(int channel, InetSocketAddress peer) throws IOException {
        return request(Stun.CHANNEL_BIND, m -> m.uint32(Stun.CHANNEL_NUMBER, (long) channel << 16)
                .xorAddress(Stun.XOR_PEER_ADDRESS, peer));
    }

    /** A Send indication carrying {@code data} to {@code peer}. */
    void send(InetSocketAddress peer, byte[] data) throws IOException {
        socket.send(TestMessage.indication(Stun.SEND).xorAddress(Stun.XOR_PEER_ADDRESS, peer)
                .attr(Stun.DATA_ATTR, data).bytes());
    }

    /** ChannelData (padded to 4 bytes, as TCP requires and UDP allows). */
    void channelData(int channel, byte[] data) throws IOException {
        byte[] b = new byte[4 + ((data.length + 3) & ~3)];
        b[0] = (byte) (channel >> 8);
        b[1] = (byte) channel;
        b[2] = (byte) (data.length >> 8);
        b[3] = (byte) data.length;
        System.arraycopy(data, 0, b, 4, data.length);
        socket.send(b);
    }

    @Override
    public void close() throws IOException {
        socket.close();
    }
}

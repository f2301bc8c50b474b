package dev.gt.p2p.internal;

import static org.junit.jupiter.api.Assertions.assertTrue;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.gt.p2p.StunServer;
import dev.gt.transport.tcp.NioEngineProvider;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.channel.socket.DatagramPacket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.time.Clock;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.zip.CRC32;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Timeout;

/**
 * The whole server-side processing, UDP datagrams and TCP streams, on inputs a fuzzer shapes into
 * STUN/TURN messages: mostly well-formed, often correctly signed with a valid nonce (so that
 * Allocate, Refresh, CreatePermission, ChannelBind, Send and ChannelData run their real code),
 * with arbitrary attributes, plus raw bytes. Nothing may throw, leak a buffer or break framing.
 */
@Timeout(value = 10, unit = TimeUnit.MINUTES) // a fuzzing run (JAZZER_FUZZ=1) lasts maxDuration
class ServerFuzzTest {
    private static final int[] TYPES = {Stun.MAPPED_ADDRESS, Stun.RESPONSE_ADDRESS, Stun.CHANGE_REQUEST,
        Stun.USERNAME, Stun.MESSAGE_INTEGRITY, Stun.ERROR_CODE, Stun.CHANNEL_NUMBER, Stun.LIFETIME,
        Stun.XOR_PEER_ADDRESS, Stun.DATA_ATTR, Stun.REALM, Stun.NONCE, Stun.REQUESTED_ADDRESS_FAMILY,
        Stun.EVEN_PORT, Stun.REQUESTED_TRANSPORT, Stun.DONT_FRAGMENT, Stun.XOR_MAPPED_ADDRESS,
        Stun.RESERVATION_TOKEN, Stun.PRIORITY, Stun.SOFTWARE, Stun.FINGERPRINT, 0x7FF0, 0xC001};
    private static final int[] METHODS = {Stun.BINDING, Stun.ALLOCATE, Stun.REFRESH, Stun.SEND, Stun.DATA,
        Stun.CREATE_PERMISSION, Stun.CHANNEL_BIND, 0x00A};
    private static StunService service;
    private static byte[] aliceKey;

    private static synchronized StunService service() throws Exception {
        if (service == null) {
            var config = StunServer.builder().listenAddress("127.0.0.1:0").tcp(false).threads(1)
                    .ioEngine(new NioEngineProvider()).turnAllowPeer("127.0.0.0/8").maxAllocations(8)
                    .turnRelayPorts("61000-61063").build().config();
            service = new StunService(config, new TurnAuth("gt", Map.of("alice", "wonderland"), List.of("s"),
                    Clock.systemUTC()));
            service.start().get(30, TimeUnit.SECONDS);
            aliceKey = Crypto.longTermKey("alice", "gt", "wonderland");
        }
        return service;
    }

    @AfterAll
    static void stop() {
        if (service != null) {
            service.stop().join();
            service = null;
        }
    }

    @FuzzTest(maxDuration = "5m")
    void udpDatagram(FuzzedDataProvider data) throws Exception {
        StunService svc = service();
        UdpEndpoint ep = svc.endpoints().get(0);
        Channel ch = ep.channels.get(0);
        // A few fixed clients, so that allocations made by one input meet the requests of the next.
        InetSocketAddress client = new InetSocketAddress(InetAddress.getByAddress(new byte[] {127, 0, 0,
            (byte) data.consumeInt(2, 5)}), 9);
        byte[] message = message(data, svc, client.getAddress());
        ByteBuf content = Unpooled.wrappedBuffer(message);
        try {
            ch.eventLoop().submit(() -> {
                LoopState ls = svc.loopState(ch.eventLoop());
                svc.onDatagram(ch, ep, new DatagramPacket(content, ep.local, client), ls);
                ls.flush();
                ch.flush();
            }).get(10, TimeUnit.SECONDS);
        } catch (ExecutionException e) {
            throw new AssertionError("processing threw", e.getCause());
        } finally {
            content.release();
        }
    }

    /** A TCP connection whose remote address is a real one, as the handler expects. */
    private static final class TcpLikeChannel extends EmbeddedChannel {
        @Override
        protected SocketAddress remoteAddress0() {
            return new InetSocketAddress("127.0.0.9", 40000);
        }

        @Override
        protected SocketAddress localAddress0() {
            return new InetSocketAddress("127.0.0.1", 3478);
        }
    }

    @FuzzTest(maxDuration = "5m")
    void tcpStream(FuzzedDataProvider data) throws Exception {
        StunService svc = service();
        EmbeddedChannel ch = new TcpLikeChannel();
        ch.pipeline().addLast(new StunTcpHandler(svc));
        try {
            int pieces = data.consumeInt(1, 4);
            for (int i = 0; i < pieces && ch.isActive(); i++) {
                byte[] m = message(data, svc, InetAddress.getByName("127.0.0.9"));
                // Cut at an arbitrary point: the handler must reassemble.
                int cut = data.consumeInt(0, m.length);
                ch.writeInbound(Unpooled.wrappedBuffer(m, 0, cut));
                if (ch.isActive()) { // bytes that cannot be framed close the connection
                    ch.writeInbound(Unpooled.wrappedBuffer(m, cut, m.length - cut));
                }
            }
            ch.runPendingTasks();
            StunParser p = new StunParser();
            for (Object o; (o = ch.readOutbound()) != null; ) {
                ByteBuf b = (ByteBuf) o;
                try {
                    boolean channelData = (b.getUnsignedByte(b.readerIndex()) & 0xC0) == 0x40;
                    assertTrue(channelData || p.parse(b), "the server wrote something that is not a STUN message");
                    if (!channelData) {
                        assertTrue(p.fingerprintValid(new CRC32()));
                    }
                } finally {
                    b.release();
                }
            }
        } finally {
            ch.finishAndReleaseAll();
        }
    }

    /** Raw bytes, ChannelData, or a STUN message with fuzzer-chosen attributes, maybe signed and fingerprinted. */
    static byte[] message(FuzzedDataProvider data, StunService svc, InetAddress client) {
        int kind = data.consumeInt(0, 9);
        if (kind == 0) {
            return data.consumeBytes(data.consumeInt(0, 600));
        }
        if (kind == 1) {
            byte[] payload = data.consumeBytes(data.consumeInt(0, 300));
            ByteBuf b = Unpooled.buffer();
            b.writeShort(data.consumeInt(0x4000, 0x7FFF));
            b.writeShort(payload.length);
            b.writeBytes(payload);
            b.writeZero((4 - (payload.length & 3)) & 3);
            return io.netty.buffer.ByteBufUtil.getBytes(b);
        }
        int method = data.pickValue(METHODS);
        int cls = data.consumeInt(0, 3);
        byte[] id = data.consumeBytes(16);
        id = java.util.Arrays.copyOf(id, 16);
        if (data.consumeInt(0, 9) > 0) {
            id[0] = 0x21;
            id[1] = 0x12;
            id[2] = (byte) 0xA4;
            id[3] = 0x42;
        }
        ByteBuf out = Unpooled.buffer();
        int s = StunEncoder.begin(out, Stun.type(method, cls), id);
        int n = data.consumeInt(0, 6);
        for (int i = 0; i < n; i++) {
            int type = data.consumeBoolean() ? data.pickValue(TYPES) : data.consumeInt(0, 0xFFFF);
            switch (data.consumeInt(0, 3)) {
                case 0:
                    StunEncoder.xorAddress(out, s, type, peer(data));
                    break;
                case 1:
                    StunEncoder.uint32(out, type, data.consumeLong());
                    break;
                default:
                    StunEncoder.bytes(out, type, data.consumeBytes(data.consumeInt(0, 80)));
                    break;
            }
        }
        if (data.consumeBoolean()) {
            StunEncoder.string(out, Stun.USERNAME, data.consumeBoolean() ? "alice" : "mallory");
            StunEncoder.string(out, Stun.REALM, "gt");
            StunEncoder.string(out, Stun.NONCE, data.consumeBoolean() ? svc.nonceFor(client) : "stale");
            StunEncoder.messageIntegrity(out, s, Crypto.init(Crypto.hmacSha1(), aliceKey));
        }
        if (data.consumeBoolean()) {
            StunEncoder.fingerprint(out, s, new CRC32());
        } else {
            StunEncoder.finish(out, s);
        }
        byte[] b = io.netty.buffer.ByteBufUtil.getBytes(out);
        out.release();
        return b;
    }

    private static InetSocketAddress peer(FuzzedDataProvider data) {
        try {
            switch (data.consumeInt(0, 3)) {
                case 0:
                    return new InetSocketAddress("127.0.0.1", data.consumeInt(1, 65535));
                case 1:
                    return new InetSocketAddress("10.0.0.1", 9);
                case 2:
                    return new InetSocketAddress("::1", 9);
                default:
                    return new InetSocketAddress(InetAddress.getByAddress(data.consumeBytes(4).length == 4
                            ? new byte[] {8, 8, 8, 8} : new byte[] {1, 1, 1, 1}), 53);
            }
        } catch (java.net.UnknownHostException e) {
            throw new AssertionError(e);
        }
    }
}

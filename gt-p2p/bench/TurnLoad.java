import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * TurnLoad: TURN relay throughput for comparing servers on one machine (JDK only; run with
 * {@code java TurnLoad.java HOST PORT USER PASSWORD [SECONDS] [PAIRS] [SIZE] [WINDOW]}).
 *
 * <p>For each pair, two UDP clients allocate relays with long-term credentials, permit and bind
 * a channel to each other's relayed address; then A sends ChannelData to B as a closed loop with
 * WINDOW messages in flight (the next leaves when one arrives at B), so every message crosses the
 * server twice (A's allocation, then B's). Prints messages and megabytes per second received at
 * the B side, losses (replaced after 200 ms) and this generator's own CPU per message.
 */
public final class TurnLoad {
    static final int COOKIE = 0x2112A442;

    public static void main(String[] a) throws Exception {
        if (a.length < 4) {
            System.err.println("usage: java TurnLoad.java HOST PORT USER PASSWORD [SECONDS] [PAIRS] [SIZE] [WINDOW]");
            System.exit(2);
        }
        InetSocketAddress server = new InetSocketAddress(InetAddress.getByName(a[0]), Integer.parseInt(a[1]));
        String user = a[2];
        String pass = a[3];
        double seconds = a.length > 4 ? Double.parseDouble(a[4]) : 5;
        int pairs = a.length > 5 ? Integer.parseInt(a[5]) : 8;
        int size = a.length > 6 ? Integer.parseInt(a[6]) : 1000;
        int window = a.length > 7 ? Integer.parseInt(a[7]) : 16;

        List<Client> senders = new ArrayList<>();
        List<Client> receivers = new ArrayList<>();
        for (int p = 0; p < pairs; p++) {
            Client x = new Client(server, user, pass);
            Client y = new Client(server, user, pass);
            x.allocate();
            y.allocate();
            x.permitAndBind(y.relay);
            y.permitAndBind(x.relay);
            senders.add(x);
            receivers.add(y);
        }
        Selector sel = Selector.open();
        for (int p = 0; p < pairs; p++) {
            receivers.get(p).ch.configureBlocking(false);
            receivers.get(p).ch.register(sel, SelectionKey.OP_READ, p);
            senders.get(p).ch.configureBlocking(false);
        }
        ByteBuffer out = ByteBuffer.allocateDirect(4 + size);
        ByteBuffer in = ByteBuffer.allocateDirect(65536);
        long[][] sentAt = new long[pairs][window];
        int[][] seq = new int[pairs][window];
        long cpu0 = cpu();
        long start = System.nanoTime();
        for (int p = 0; p < pairs; p++) {
            for (int w = 0; w < window; w++) {
                send(senders.get(p).ch, out, size, w, ++seq[p][w]);
                sentAt[p][w] = start;
            }
        }
        long end = start + (long) (seconds * 1e9);
        long received = 0;
        long lost = 0;
        long lastSweep = start;
        while (true) {
            long now = System.nanoTime();
            if (now >= end) {
                break;
            }
            sel.select(20);
            for (SelectionKey k : sel.selectedKeys()) {
                int p = (Integer) k.attachment();
                DatagramChannel ch = (DatagramChannel) k.channel();
                while (true) {
                    in.clear();
                    if (ch.receive(in) == null) {
                        break;
                    }
                    in.flip();
                    if (in.remaining() < 12 || (in.get(0) & 0xC0) != 0x40) {
                        continue; // not ChannelData (a Data indication would mean no channel)
                    }
                    int w = in.getInt(4);
                    int s = in.getInt(8);
                    if (w < 0 || w >= window || s != seq[p][w]) {
                        continue; // late
                    }
                    received++;
                    sentAt[p][w] = now;
                    send(senders.get(p).ch, out, size, w, ++seq[p][w]);
                }
            }
            sel.selectedKeys().clear();
            if (now - lastSweep > 50_000_000L) {
                lastSweep = now;
                for (int p = 0; p < pairs; p++) {
                    for (int w = 0; w < window; w++) {
                        if (now - sentAt[p][w] > 200_000_000L) {
                            lost++;
                            sentAt[p][w] = now;
                            send(senders.get(p).ch, out, size, w, ++seq[p][w]);
                        }
                    }
                }
            }
        }
        double elapsed = (System.nanoTime() - start) / 1e9;
        double cpuUs = (cpu() - cpu0) / 1e3;
        System.out.printf("relayed_msgs=%d msgs_per_s=%.0f MB_per_s=%.1f lost=%d gen_cpu_us_per_msg=%.2f elapsed=%.2f%n",
                received, received / elapsed, received * (double) size / elapsed / 1e6, lost,
                received == 0 ? 0 : cpuUs / received, elapsed);
    }

    static long cpu() {
        return ((com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean())
                .getProcessCpuTime();
    }

    /** ChannelData on channel 0x4000: slot and sequence number first, then filler. */
    static void send(DatagramChannel ch, ByteBuffer out, int size, int slot, int seq) {
        out.clear();
        out.putShort((short) 0x4000).putShort((short) size).putInt(slot).putInt(seq);
        out.position(4 + size);
        out.flip();
        try {
            ch.send(out, ch.getRemoteAddress());
        } catch (IOException e) {
            throw new IllegalStateException("send failed", e);
        }
    }

    /** One TURN client: blocking set-up, then non-blocking ChannelData. */
    static final class Client {
        final DatagramChannel ch;
        final String user;
        final String pass;
        String realm;
        String nonce;
        byte[] key;
        InetSocketAddress relay;

        Client(InetSocketAddress server, String user, String pass) throws IOException {
            this.ch = DatagramChannel.open();
            ch.bind(new InetSocketAddress(server.getAddress(), 0));
            ch.connect(server);
            ch.socket().setSoTimeout(5000);
            this.user = user;
            this.pass = pass;
        }

        void allocate() throws Exception {
            byte[] transport = {17, 0, 0, 0};
            Msg r = transact(Msg.request(0x003).attr(0x0019, transport), false);
            if (r.error() != 401) {
                throw new IllegalStateException("expected a 401 challenge, got " + r.error());
            }
            realm = r.text(0x0014);
            nonce = r.text(0x0015);
            key = MessageDigest.getInstance("MD5").digest((user + ":" + realm + ":" + pass)
                    .getBytes(StandardCharsets.UTF_8));
            r = transact(Msg.request(0x003).attr(0x0019, transport), true);
            if (r.error() != 0) {
                throw new IllegalStateException("Allocate failed: " + r.error());
            }
            relay = r.xorAddress(0x0016);
        }

        void permitAndBind(InetSocketAddress peer) throws Exception {
            Msg r = transact(Msg.request(0x008).xorAddress(0x0012, peer), true);
            if (r.error() != 0) {
                throw new IllegalStateException("CreatePermission failed: " + r.error());
            }
            r = transact(Msg.request(0x009).attr(0x000C, new byte[] {0x40, 0, 0, 0}).xorAddress(0x0012, peer), true);
            if (r.error() != 0) {
                throw new IllegalStateException("ChannelBind failed: " + r.error());
            }
        }

        Msg transact(Msg m, boolean sign) throws Exception {
            if (sign) {
                m.attr(0x0006, user.getBytes(StandardCharsets.UTF_8)).attr(0x0014, realm.getBytes(StandardCharsets.UTF_8))
                        .attr(0x0015, nonce.getBytes(StandardCharsets.UTF_8));
            }
            ch.write(ByteBuffer.wrap(m.encode(sign ? key : null)));
            ByteBuffer b = ByteBuffer.allocate(2048);
            ch.socket().setSoTimeout(5000);
            ch.receive(b);
            b.flip();
            byte[] raw = new byte[b.remaining()];
            b.get(raw);
            return new Msg(raw);
        }
    }

    /** Just enough STUN for the set-up. */
    static final class Msg {
        final ByteBuffer b;

        Msg(byte[] raw) {
            b = ByteBuffer.wrap(raw);
        }

        private Msg(int type) {
            b = ByteBuffer.allocate(1500);
            b.putShort((short) type).putShort((short) 0).putInt(COOKIE);
            byte[] id = new byte[12];
            ThreadLocalRandom.current().nextBytes(id);
            b.put(id);
        }

        static Msg request(int method) {
            return new Msg(method);
        }

        Msg attr(int type, byte[] v) {
            b.putShort((short) type).putShort((short) v.length).put(v);
            b.position(b.position() + ((4 - (v.length & 3)) & 3));
            return this;
        }

        Msg xorAddress(int type, InetSocketAddress a) {
            byte[] ip = a.getAddress().getAddress();
            byte[] v = new byte[4 + ip.length];
            v[1] = 1;
            int port = a.getPort() ^ (COOKIE >>> 16);
            v[2] = (byte) (port >> 8);
            v[3] = (byte) port;
            for (int i = 0; i < 4; i++) {
                v[4 + i] = (byte) (ip[i] ^ (COOKIE >>> (24 - 8 * i)));
            }
            return attr(type, v);
        }

        byte[] encode(byte[] key) throws Exception {
            if (key != null) {
                b.putShort(2, (short) (b.position() - 20 + 24));
                Mac mac = Mac.getInstance("HmacSHA1");
                mac.init(new SecretKeySpec(key, "HmacSHA1"));
                mac.update(b.array(), 0, b.position());
                attr(0x0008, mac.doFinal());
            }
            b.putShort(2, (short) (b.position() - 20));
            byte[] out = new byte[b.position()];
            System.arraycopy(b.array(), 0, out, 0, out.length);
            return out;
        }

        private int find(int type) {
            for (int p = 20; p + 4 <= b.limit(); ) {
                int t = b.getShort(p) & 0xFFFF;
                int l = b.getShort(p + 2) & 0xFFFF;
                if (t == type) {
                    return p;
                }
                p += 4 + ((l + 3) & ~3);
            }
            return -1;
        }

        int error() {
            int p = find(0x0009);
            return p < 0 ? 0 : (b.get(p + 6) & 7) * 100 + (b.get(p + 7) & 0xFF);
        }

        String text(int type) {
            int p = find(type);
            return new String(b.array(), p + 4, b.getShort(p + 2) & 0xFFFF, StandardCharsets.UTF_8);
        }

        InetSocketAddress xorAddress(int type) throws Exception {
            int p = find(type);
            int port = (b.getShort(p + 6) & 0xFFFF) ^ (COOKIE >>> 16);
            byte[] ip = new byte[4];
            for (int i = 0; i < 4; i++) {
                ip[i] = (byte) (b.get(p + 8 + i) ^ (COOKIE >>> (24 - 8 * i)));
            }
            return new InetSocketAddress(InetAddress.getByAddress(ip), port);
        }
    }
}

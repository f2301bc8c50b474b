package dev.gt.p2p;

import dev.gt.api.spi.IoEngine;
import dev.gt.api.spi.IoEngineProvider;
import dev.gt.p2p.internal.Stun;
import dev.gt.p2p.internal.StunEncoder;
import dev.gt.p2p.internal.StunParser;
import dev.gt.p2p.internal.Transports;
import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.socket.DatagramPacket;
import io.netty.util.concurrent.ScheduledFuture;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.zip.CRC32;

/**
 * Asks a STUN server for this host's reflexive (server-seen) address with a Binding request over
 * UDP, retransmitted as RFC 5389 §7.2.1 says: after RTO, then doubling, up to 7 requests, then a
 * last wait of 16 × RTO (39.5 s in all with the default 500 ms), or less if {@link Builder#timeout}
 * is shorter.
 *
 * <pre>{@code
 * try (StunClient stun = StunClient.builder().build()) {
 *     InetSocketAddress reflexive = stun.query("stun:stun.example.org:3478").get();
 * }
 * }</pre>
 *
 * Thread-safe; several queries may run at once, each on a socket of its own.
 */
public final class StunClient implements AutoCloseable {
    private final IoEngine io;
    private final boolean ownsIo;
    private final long rtoNanos;
    private final int maxRequests;
    private final long timeoutNanos;
    private final SecureRandom random = new SecureRandom();

    private StunClient(Builder b) {
        if (b.ioTransport != null) {
            io = b.ioTransport;
            ownsIo = false;
        } else {
            io = Transports.select(b.transport).create(1, "gt-stun-client");
            ownsIo = true;
        }
        rtoNanos = b.rto.toNanos();
        maxRequests = b.maxRequests;
        timeoutNanos = b.timeout.toNanos();
    }

    /** A builder with RFC 5389's defaults. */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * Queries the server of a {@code stun:host[:port]} URI (host names are resolved off the event
     * loops). The future fails with {@link StunException} (timeout or error response),
     * {@link UnknownHostException}, or {@link IllegalArgumentException} for a bad URI.
     */
    public CompletableFuture<InetSocketAddress> query(String stunUri) {
        StunUri uri;
        try {
            uri = StunUri.parse(stunUri);
        } catch (IllegalArgumentException e) {
            return CompletableFuture.failedFuture(e);
        }
        return CompletableFuture.supplyAsync(() -> {
            try {
                return new InetSocketAddress(InetAddress.getByName(uri.host()), uri.port());
            } catch (UnknownHostException e) {
                throw new java.util.concurrent.CompletionException(e);
            }
        }).thenCompose(this::query);
    }

    /** Queries a server from a fresh socket on an ephemeral port. */
    public CompletableFuture<InetSocketAddress> query(InetSocketAddress server) {
        Objects.requireNonNull(server, "server");
        InetAddress any;
        try {
            any = server.getAddress() instanceof Inet4Address ? InetAddress.getByName("0.0.0.0")
                    : InetAddress.getByName("::");
        } catch (UnknownHostException e) {
            return CompletableFuture.failedFuture(e);
        }
        return query(server, new InetSocketAddress(any, 0));
    }

    /**
     * Queries a server from a socket bound to {@code local} (the reflexive address belongs to a
     * local port, so P2P asks from the port it will use). The socket is closed when done.
     */
    public CompletableFuture<InetSocketAddress> query(InetSocketAddress server, InetSocketAddress local) {
        Objects.requireNonNull(server, "server");
        Objects.requireNonNull(local, "local");
        if (server.isUnresolved()) {
            return CompletableFuture.failedFuture(new UnknownHostException(server.getHostString()));
        }
        byte[] id = new byte[16];
        random.nextBytes(id);
        id[0] = 0x21;
        id[1] = 0x12;
        id[2] = (byte) 0xA4;
        id[3] = 0x42;
        Transaction t = new Transaction(server, id);
        ChannelFuture bind = new Bootstrap().group(io.group()).channelFactory(io.datagramChannelFactory())
                .handler(t).bind(local);
        bind.addListener(f -> {
            if (!f.isSuccess()) {
                t.result.completeExceptionally(f.cause());
                return;
            }
            t.start(bind.channel());
        });
        return t.result;
    }

    /** Shuts down the event loop the client created (a shared engine is left running). */
    @Override
    public void close() {
        if (ownsIo) {
            io.close();
        }
    }

    /** One Binding transaction on its own socket; confined to the socket's event loop. */
    private final class Transaction extends SimpleChannelInboundHandler<DatagramPacket> {
        final InetSocketAddress server;
        final byte[] id;
        final CompletableFuture<InetSocketAddress> result = new CompletableFuture<>();
        private Channel channel;
        private int sent;
        private long nextWait;
        private long deadline;
        private ScheduledFuture<?> timer;

        Transaction(InetSocketAddress server, byte[] id) {
            this.server = server;
            this.id = id;
        }

        void start(Channel ch) {
            channel = ch;
            // Closed by a task, never inside channelRead: Netty's datagram read loop goes on reading until
            // EAGAIN after the handler returns, and a socket closed under it leaves its fd number free
            // for the next socket this process opens. If that one is blocking (a JDK DatagramSocket),
            // the loop's next recvmsg blocks for ever and close() of an owned engine never returns.
            result.whenComplete((v, e) -> ch.eventLoop().execute(() -> {
                if (timer != null) {
                    timer.cancel(false);
                }
                ch.close();
            }));
            ch.eventLoop().execute(() -> {
                deadline = System.nanoTime() + timeoutNanos;
                nextWait = rtoNanos;
                transmit();
            });
        }

        private void transmit() {
            if (result.isDone()) {
                return;
            }
            long now = System.nanoTime();
            if (now >= deadline) {
                timedOut();
                return;
            }
            ByteBuf out = channel.alloc().buffer(28);
            int s = StunEncoder.begin(out, Stun.type(Stun.BINDING, Stun.REQUEST), id);
            StunEncoder.fingerprint(out, s, new CRC32());
            channel.writeAndFlush(new DatagramPacket(out, server));
            sent++;
            boolean last = sent == maxRequests;
            // RTO, doubling; after the last request a final wait of Rm = 16 RTOs (RFC 5389 §7.2.1).
            long wait = Math.min(last ? 16 * rtoNanos : nextWait, deadline - now);
            nextWait *= 2;
            timer = channel.eventLoop().schedule(last ? this::timedOut : this::transmit, Math.max(1, wait),
                    TimeUnit.NANOSECONDS);
        }

        private void timedOut() {
            result.completeExceptionally(new StunException("no answer from STUN server " + server + " to " + sent
                    + " request" + (sent == 1 ? "" : "s"), 0));
        }

        @Override
        protected void channelRead0(ChannelHandlerContext ctx, DatagramPacket p) {
            if (!p.sender().equals(server) || result.isDone()) {
                return;
            }
            StunParser m = new StunParser();
            if (!m.parse(p.content()) || !m.transactionIdEquals(id) || !m.fingerprintValid(new CRC32())
                    || m.method() != Stun.BINDING) {
                return; // not ours, or damaged: keep waiting
            }
            try {
                InetSocketAddress mapped = interpret(m, server);
                if (mapped != null) {
                    finish(mapped, null);
                }
            } catch (StunException e) {
                finish(null, e);
            }
        }

        private void finish(InetSocketAddress mapped, Throwable failure) {
            if (timer != null) {
                timer.cancel(false);
            }
            if (failure != null) {
                result.completeExceptionally(failure);
            } else {
                result.complete(mapped);
            }
        }
    }

    /**
     * What a Binding response (already matched to its transaction) says: the reflexive address,
     * or a {@link StunException} for an error response or an answer without an address. An
     * indication or request is not an answer: {@code null}.
     */
    static InetSocketAddress interpret(StunParser m, InetSocketAddress server) {
        if (m.cls() == Stun.ERROR) {
            int i = m.find(Stun.ERROR_CODE);
            int code = 0;
            String reason = "";
            if (i >= 0 && m.attributeLength(i) >= 4) {
                int off = m.attributeOffset(i);
                code = (m.buffer().getByte(off + 2) & 7) * 100 + m.buffer().getUnsignedByte(off + 3);
                int len = Math.min(m.attributeLength(i) - 4, 128);
                // Shown in messages: printable ASCII only, whatever the server sent.
                reason = m.buffer().toString(off + 4, len, java.nio.charset.StandardCharsets.US_ASCII)
                        .replaceAll("[^\\x20-\\x7E]", "?");
            }
            throw new StunException("STUN server " + server + " answered " + code + " " + reason,
                    code >= 300 && code <= 699 ? code : 500);
        }
        if (m.cls() != Stun.SUCCESS) {
            return null;
        }
        int x = m.find(Stun.XOR_MAPPED_ADDRESS);
        InetSocketAddress mapped = x >= 0 ? m.address(x, true) : null;
        if (mapped == null) {
            int plain = m.find(Stun.MAPPED_ADDRESS);
            mapped = plain >= 0 ? m.address(plain, false) : null;
        }
        if (mapped == null) {
            throw new StunException("STUN server " + server + " answered without a mapped address", 500);
        }
        return mapped;
    }

    /** Builds a {@link StunClient}. */
    public static final class Builder {
        private IoEngineProvider transport;
        private IoEngine ioTransport;
        private Duration rto = Duration.ofMillis(500);
        private int maxRequests = 7;
        private Duration timeout = Duration.ofMillis(39_500);

        Builder() {
        }

        /** The initial retransmission timeout (500 ms by default; RFC 5389 wants at least 500 ms on the Internet). */
        public Builder rto(Duration rto) {
            Objects.requireNonNull(rto, "rto");
            if (rto.isNegative() || rto.isZero()) {
                throw new IllegalArgumentException("rto: " + rto + " (expected > 0)");
            }
            this.rto = rto;
            return this;
        }

        /** Requests sent before giving up (Rc, 7 by default). */
        public Builder maxRequests(int n) {
            if (n < 1 || n > 32) {
                throw new IllegalArgumentException("maxRequests: " + n + " (expected 1 to 32)");
            }
            this.maxRequests = n;
            return this;
        }

        /** The longest a query may take, whatever the retransmission schedule (39.5 s by default). */
        public Builder timeout(Duration timeout) {
            Objects.requireNonNull(timeout, "timeout");
            if (timeout.isNegative() || timeout.isZero()) {
                throw new IllegalArgumentException("timeout: " + timeout + " (expected > 0)");
            }
            this.timeout = timeout;
            return this;
        }

        /** The engine of the client's own event loop (one thread); the best available by default. */
        public Builder ioEngine(IoEngineProvider provider) {
            this.transport = provider;
            return this;
        }

        /** Runs on the host's event loops (for instance a GtClient's) instead of creating one. */
        public Builder ioEngine(IoEngine shared) {
            this.ioTransport = shared;
            return this;
        }

        public StunClient build() {
            return new StunClient(this);
        }
    }
}

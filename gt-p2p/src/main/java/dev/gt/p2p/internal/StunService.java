package dev.gt.p2p.internal;

import dev.gt.api.spi.IoEngine;
import dev.gt.p2p.StunCounters;
import dev.gt.p2p.StunServerConfig;
import dev.gt.p2p.StunServerListener;
import io.netty.bootstrap.Bootstrap;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoop;
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.group.DefaultChannelGroup;
import io.netty.channel.socket.DatagramPacket;
import io.netty.util.concurrent.EventExecutor;
import io.netty.util.concurrent.FastThreadLocal;
import io.netty.util.concurrent.GlobalEventExecutor;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.NetworkInterface;
import java.net.SocketException;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The machinery behind {@code StunServer}: listeners, message processing for STUN Binding and
 * TURN, allocations and their relays, maintenance. Binding is stateless; TURN state lives on
 * event loops ({@link LoopState}, {@link Allocation}) and is touched only there.
 */
public final class StunService {
    private static final Logger log = LoggerFactory.getLogger(StunService.class);
    /** Most permissions one allocation may hold (memory bound). */
    static final int MAX_PERMISSIONS = 1024;
    /** Largest datagram read; bigger ones are truncated by the kernel and fail the length check. */
    private static final int MAX_DATAGRAM = 65_535;

    final StunServerConfig config;
    final Clock clock;
    final TurnAuth auth;
    final Nonces nonces;
    final RelayPorts ports;
    final Counters counters = new Counters();
    final StunServerListener listener;
    private final byte[] softwareAttribute;
    private final long defaultLifetime;
    private final long maxLifetime;
    private final long permissionLifetime;
    private final long channelLifetime;
    private final FastThreadLocal<LoopState> loopStates = new FastThreadLocal<>();
    private final List<LoopState> allLoopStates = new CopyOnWriteArrayList<>();
    private final ConcurrentHashMap<String, AtomicInteger> allocationsPerUser = new ConcurrentHashMap<>();
    private final List<UdpEndpoint> endpoints = new CopyOnWriteArrayList<>();
    /** Ports held for a later Allocate with RESERVATION-TOKEN, by token (RFC 5766 §6.2). */
    private final ConcurrentHashMap<Long, long[]> reservations = new ConcurrentHashMap<>();
    /** How long a reserved port waits for its RESERVATION-TOKEN (RFC 5766 suggests about 30 s). */
    static final long RESERVATION_MILLIS = 30_000;
    private final SecureRandom random = new SecureRandom();
    private volatile PeerPolicy peers;
    private volatile IoEngine io;
    private boolean ownsIo;
    private volatile Channel tcpListener;
    /** Connections accepted by our own TCP listener, closed on stop even when the loops are the host's. */
    private final ChannelGroup tcpConnections = new DefaultChannelGroup("gt-stun-tcp", GlobalEventExecutor.INSTANCE);
    private volatile int port;
    private volatile boolean stopping;
    private CompletableFuture<Void> startFuture;
    private CompletableFuture<Void> stopFuture;

    public StunService(StunServerConfig config, TurnAuth auth) {
        this.config = config;
        this.clock = config.clock();
        this.auth = auth.enabled() ? auth : null;
        this.nonces = new Nonces(config.nonceLifetime().toMillis(), clock, new SecureRandom());
        this.ports = new RelayPorts(config.turnRelayPorts().min(), config.turnRelayPorts().max());
        this.listener = config.listener();
        this.softwareAttribute = config.software() == null ? null
                : StunEncoder.encodeAttribute(Stun.SOFTWARE, config.software().getBytes(StandardCharsets.UTF_8));
        this.defaultLifetime = config.defaultLifetime().toMillis();
        this.maxLifetime = config.maxLifetime().toMillis();
        this.permissionLifetime = config.permissionLifetime().toMillis();
        this.channelLifetime = config.channelLifetime().toMillis();
    }

    // ------------------------------------------------------------------ lifecycle

    public synchronized CompletableFuture<Void> start() {
        if (startFuture != null) {
            return startFuture;
        }
        CompletableFuture<Void> f = new CompletableFuture<>();
        startFuture = f;
        if (stopFuture != null) {
            f.completeExceptionally(new IllegalStateException("the STUN server was stopped; create a new one"));
            return f;
        }
        // Binding waits for the sockets; never do that on the caller's thread, which may be an event loop.
        Thread t = new Thread(() -> {
            try {
                doStart();
                f.complete(null);
            } catch (Throwable e) {
                f.completeExceptionally(e);
                stop();
            }
        }, "gt-stun-start");
        t.setDaemon(true);
        t.start();
        return f;
    }

    private void doStart() throws Exception {
        if (config.ioEngine() != null) {
            io = config.ioEngine();
        } else {
            io = Transports.select(config.transport()).create(config.threads(), "gt-stun");
            ownsIo = true;
        }
        Set<InetAddress> own = new HashSet<>(localAddresses());
        if (config.turnRelayAddress() != null) {
            own.add(config.turnRelayAddress());
        }
        List<Cidr> allow = new ArrayList<>();
        config.turnAllowPeers().forEach(c -> allow.add(Cidr.parse(c)));
        List<Cidr> deny = new ArrayList<>();
        config.turnDenyPeers().forEach(c -> deny.add(Cidr.parse(c)));
        peers = new PeerPolicy(allow, deny, own);
        InetSocketAddress addr = config.listenAddress();
        if (addr != null && (config.udp() || config.tcp())) {
            bindListeners(addr);
            log.info("STUN{} listening on port {} ({}{}{}; {} engine)", auth != null ? "/TURN" : "", port,
                    config.udp() ? "UDP " + udpAddresses() : "", config.udp() && config.tcp() ? ", " : "",
                    config.tcp() ? "TCP " + tcpAddress() : "", io.name());
        }
    }

    private void bindListeners(InetSocketAddress addr) throws Exception {
        List<InetAddress> udpIps = new ArrayList<>();
        if (addr.getAddress().isAnyLocalAddress() && config.udp()) {
            boolean v4only = addr.getAddress() instanceof Inet4Address;
            for (InetAddress a : localAddresses()) {
                if ((!v4only || a instanceof Inet4Address) && !a.isLinkLocalAddress()) {
                    udpIps.add(a);
                }
            }
        }
        if (udpIps.isEmpty()) {
            udpIps.add(addr.getAddress());
        }
        int attempts = addr.getPort() == 0 ? 20 : 1;
        for (int attempt = 1; ; attempt++) {
            int p = addr.getPort();
            List<Channel> bound = new ArrayList<>();
            try {
                if (config.udp()) {
                    for (InetAddress ip : udpIps) {
                        p = bindUdp(new InetSocketAddress(ip, p), bound);
                    }
                }
                if (config.tcp()) {
                    Channel ch = new ServerBootstrap().group(io.group()).channelFactory(io.serverChannelFactory())
                            .option(ChannelOption.SO_BACKLOG, 1024)
                            .childHandler(new ChannelInitializer<Channel>() {
                                @Override
                                protected void initChannel(Channel c) {
                                    tcpConnections.add(c);
                                    c.pipeline().addLast(new StunTcpHandler(StunService.this));
                                }
                            })
                            .bind(new InetSocketAddress(addr.getAddress(), p)).sync().channel();
                    bound.add(ch);
                    tcpListener = ch;
                    p = ((InetSocketAddress) ch.localAddress()).getPort();
                }
                port = p;
                return;
            } catch (Exception e) {
                for (Channel c : bound) {
                    c.close().awaitUninterruptibly();
                }
                endpoints.clear();
                tcpListener = null;
                if (attempt >= attempts) {
                    throw new java.net.BindException("cannot listen on " + addr + ": " + e.getMessage());
                }
                log.debug("port {} free for one protocol only ({}), trying another", p, e.toString());
            }
        }
    }

    /** Binds one UDP endpoint, one socket per event loop where the engine allows it; returns the port. */
    private int bindUdp(InetSocketAddress addr, List<Channel> bound) throws Exception {
        List<EventLoop> loops = new ArrayList<>();
        for (EventExecutor e : io.group()) {
            loops.add((EventLoop) e);
        }
        ChannelOption<Boolean> reuse = io.reusePortOption();
        int sockets = reuse == null ? 1 : loops.size();
        if (reuse != null && addr.getPort() != 0) {
            // SO_REUSEPORT would let us share a port another server (of the same user) holds: refuse that.
            try (java.net.DatagramSocket probe = new java.net.DatagramSocket(addr)) {
                probe.getLocalPort();
            } catch (SocketException e) {
                throw new java.net.BindException("UDP " + addr + " is in use");
            }
        }
        UdpEndpoint ep = null;
        InetSocketAddress target = addr;
        for (int i = 0; i < sockets; i++) {
            UdpEndpoint endpoint = ep;
            Bootstrap b = new Bootstrap().group(loops.get(i)).channelFactory(io.datagramChannelFactory())
                    .option(ChannelOption.SO_RCVBUF, 4 << 20).option(ChannelOption.SO_SNDBUF, 4 << 20);
            if (reuse != null) {
                b.option(reuse, true);
            }
            UdpHandler handler = new UdpHandler(this);
            Channel ch = b.handler(handler).bind(target).sync().channel();
            bound.add(ch);
            if (endpoint == null) {
                target = new InetSocketAddress(addr.getAddress(), ((InetSocketAddress) ch.localAddress()).getPort());
                ep = new UdpEndpoint(target);
                endpoints.add(ep);
            }
            handler.endpoint = ep;
            ep.channels.add(ch);
        }
        return target.getPort();
    }

    /** Every address of this host's interfaces that are up. */
    static List<InetAddress> localAddresses() {
        List<InetAddress> out = new ArrayList<>();
        try {
            for (NetworkInterface ni : Collections.list(NetworkInterface.getNetworkInterfaces())) {
                if (ni.isUp()) {
                    out.addAll(Collections.list(ni.getInetAddresses()));
                }
            }
        } catch (SocketException e) {
            log.warn("cannot list this host's addresses ({}); TURN cannot refuse them as peers by address", e.toString());
        }
        return out;
    }

    public synchronized CompletableFuture<Void> stop() {
        if (stopFuture != null) {
            return stopFuture;
        }
        stopping = true;
        CompletableFuture<Void> done = new CompletableFuture<>();
        stopFuture = done;
        CompletableFuture<Void> started = startFuture == null ? CompletableFuture.completedFuture(null) : startFuture;
        started.handle((v, e) -> null).thenRun(() -> {
            try {
                List<CompletableFuture<Void>> steps = new ArrayList<>();
                for (UdpEndpoint ep : endpoints) {
                    for (Channel c : ep.channels) {
                        steps.add(toFuture(c.close()));
                    }
                }
                Channel t = tcpListener;
                if (t != null) {
                    steps.add(toFuture(t.close()));
                }
                CompletableFuture<Void> connections = new CompletableFuture<>();
                tcpConnections.close().addListener(x -> connections.complete(null));
                steps.add(connections);
                for (LoopState ls : allLoopStates) {
                    CompletableFuture<Void> s = new CompletableFuture<>();
                    steps.add(s);
                    try {
                        ls.loop.execute(() -> {
                            try {
                                // Completes once every relay socket is really closed, so its port is free.
                                closeAll(ls, "server stopped").whenComplete((v, e) -> s.complete(null));
                            } catch (RuntimeException e) {
                                s.complete(null);
                                throw e;
                            }
                        });
                    } catch (RuntimeException e) {
                        s.complete(null); // the loop is already shutting down: its channels go with it
                    }
                }
                CompletableFuture.allOf(steps.toArray(new CompletableFuture<?>[0])).orTimeout(10, TimeUnit.SECONDS)
                        .handle((v, e) -> null)
                        .thenCompose(v -> ownsIo && io != null ? io.shutdown() : CompletableFuture.completedFuture(null))
                        .whenComplete((v, e) -> done.complete(null));
            } catch (RuntimeException e) {
                log.warn("stopping the STUN server: {}", e.toString());
                done.complete(null);
            }
        });
        return done;
    }

    private static CompletableFuture<Void> toFuture(ChannelFuture f) {
        CompletableFuture<Void> c = new CompletableFuture<>();
        f.addListener(x -> c.complete(null));
        return c;
    }

    public List<InetSocketAddress> udpAddresses() {
        List<InetSocketAddress> out = new ArrayList<>();
        for (UdpEndpoint ep : endpoints) {
            out.add(ep.local);
        }
        return out;
    }

    public InetSocketAddress tcpAddress() {
        Channel t = tcpListener;
        return t == null ? null : (InetSocketAddress) t.localAddress();
    }

    public int port() {
        return port;
    }

    public StunCounters counters() {
        return counters.snapshot();
    }

    public ChannelHandler newTcpHandler() {
        if (startFuture == null || !startFuture.isDone() || startFuture.isCompletedExceptionally()) {
            throw new IllegalStateException("the STUN server is not started");
        }
        return new StunTcpHandler(this);
    }

    boolean stopping() {
        return stopping;
    }

    IoEngine io() {
        return io;
    }

    /** This loop's state, created on first use; its sweeper runs every maintenance interval. */
    LoopState loopState(EventLoop loop) {
        LoopState ls = loopStates.getIfExists();
        if (ls == null) {
            ls = new LoopState(loop);
            loopStates.set(ls);
            allLoopStates.add(ls);
            if (!stopping) {
                long every = config.maintenanceInterval().toNanos();
                LoopState state = ls;
                ls.sweeper = loop.scheduleAtFixedRate(() -> sweep(state), every, every, TimeUnit.NANOSECONDS);
            }
        }
        return ls;
    }

    private void sweep(LoopState ls) {
        long now = clock.millis();
        for (var e : reservations.entrySet()) {
            if (now >= e.getValue()[1] && reservations.remove(e.getKey(), e.getValue())) {
                ports.release((int) e.getValue()[0]);
            }
        }
        for (Allocation a : new ArrayList<>(ls.allocations)) {
            if (a.active && now >= a.expiresAt) {
                delete(a, ls, "expired");
            } else {
                a.sweep(now);
            }
        }
    }

    /**
     * Runs on the loop of {@code ls}: ends its allocations and forgets the loop's state; the future
     * completes when their relay sockets have closed.
     */
    private CompletableFuture<Void> closeAll(LoopState ls, String reason) {
        if (ls.sweeper != null) {
            ls.sweeper.cancel(false);
        }
        List<CompletableFuture<Void>> closing = new ArrayList<>();
        for (Allocation a : new ArrayList<>(ls.allocations)) {
            Channel relay = a.relay;
            delete(a, ls, reason);
            if (relay != null) {
                closing.add(toFuture(relay.closeFuture()));
            }
        }
        loopStates.remove(); // this thread's entry: a host's loops outlive the server
        return CompletableFuture.allOf(closing.toArray(new CompletableFuture<?>[0]));
    }

    // ------------------------------------------------------------------ datagrams

    /** A datagram on a UDP listener; the caller releases {@code p}. */
    void onDatagram(Channel ch, UdpEndpoint ep, DatagramPacket p, LoopState ls) {
        ByteBuf in = p.content();
        InetSocketAddress from = p.sender();
        if (in.readableBytes() < 4) {
            counters.dropped.increment();
            return;
        }
        int b0 = in.getUnsignedByte(in.readerIndex());
        if (b0 >= 0x40) {
            if (b0 < 0x80 && auth != null) {
                channelDataFromUdp(ch, ep, from, p, ls);
            } else {
                counters.dropped.increment();
            }
            return;
        }
        StunParser m = ls.parser;
        if (!m.parse(in)) {
            counters.dropped.increment();
            return;
        }
        if (!m.hasCookie() || m.method() == Stun.BINDING) {
            ByteBuf r = binding(m, from, ch.alloc(), ls);
            if (r != null) {
                ch.write(new DatagramPacket(r, from), ch.voidPromise());
            }
            return;
        }
        if (auth == null || !m.fingerprintValid(ls.crc)) {
            counters.dropped.increment();
            return;
        }
        Allocation a = ep.allocations.get(from);
        ClientLink link = a != null ? a.link : new ClientLink.Udp(ch, ep, from);
        if (a != null && !a.loop.inEventLoop()) {
            // The kernel moved this client to another socket: handle it where its allocation lives.
            ByteBuf copy = in.retainedDuplicate();
            a.loop.execute(() -> {
                try {
                    LoopState there = loopState(a.loop);
                    if (there.parser.parse(copy)) {
                        turn(there.parser, link, there);
                        there.flush();
                    }
                } finally {
                    copy.release();
                }
            });
            return;
        }
        turn(m, link, ls);
    }

    /** Answers a Binding message, or returns {@code null} for anything to drop (checked here too). */
    ByteBuf binding(StunParser m, InetSocketAddress client, ByteBufAllocator alloc, LoopState ls) {
        boolean rfc5389 = m.hasCookie();
        if (m.type() != Stun.type(Stun.BINDING, Stun.REQUEST)) {
            if (rfc5389 && m.type() == Stun.type(Stun.BINDING, Stun.INDICATION) && m.fingerprintValid(ls.crc)) {
                counters.indications.increment(); // a keepalive: no answer
            } else {
                counters.dropped.increment();
            }
            return null;
        }
        if (rfc5389 && !m.fingerprintValid(ls.crc)) {
            counters.dropped.increment();
            return null;
        }
        counters.bindingRequests.increment();
        int unknown = 0;
        int[] u = ls.unknown;
        for (int i = 0; i < m.attributeCount(); i++) {
            int t = m.attributeType(i);
            if (t == Stun.CHANGE_REQUEST) {
                long flags = m.uint32(i);
                if (flags < 0) {
                    counters.dropped.increment();
                    return null;
                }
                // Changing address or port needs a second address (RFC 5780); flags 0 is plain Binding (stund sends it).
                if ((flags & 0x6) != 0 && unknown < u.length) {
                    u[unknown++] = t;
                }
            } else if (Stun.comprehensionRequired(t) && !bindingAttribute(t) && unknown < u.length) {
                u[unknown++] = t;
            }
        }
        int soft = softwareAttribute == null ? 0 : softwareAttribute.length;
        if (unknown > 0) {
            ByteBuf out = alloc.directBuffer(Stun.HEADER + 24 + 4 + 2 * unknown + 4 + soft + 8);
            int s = StunEncoder.begin(out, Stun.type(Stun.BINDING, Stun.ERROR), m.buffer(), m.start());
            StunEncoder.errorCode(out, Stun.UNKNOWN_ATTRIBUTE, Stun.reason(Stun.UNKNOWN_ATTRIBUTE));
            StunEncoder.unknownAttributes(out, u, unknown, !rfc5389);
            end(out, s, rfc5389, ls);
            counters.error(Stun.UNKNOWN_ATTRIBUTE);
            return out;
        }
        boolean v4 = client.getAddress() instanceof Inet4Address;
        ByteBuf out = alloc.directBuffer(Stun.HEADER + (v4 ? 12 : 24) + soft + 8);
        int s = StunEncoder.begin(out, Stun.type(Stun.BINDING, Stun.SUCCESS), m.buffer(), m.start());
        if (rfc5389) {
            StunEncoder.xorAddress(out, s, Stun.XOR_MAPPED_ADDRESS, client);
        } else {
            StunEncoder.address(out, Stun.MAPPED_ADDRESS, client);
        }
        end(out, s, rfc5389, ls);
        counters.successResponses.increment();
        return out;
    }

    /** SOFTWARE, then FINGERPRINT for RFC 5389 (never for RFC 3489 clients, who would not expect it). */
    private void end(ByteBuf out, int s, boolean rfc5389, LoopState ls) {
        if (softwareAttribute != null) {
            StunEncoder.raw(out, softwareAttribute);
        }
        if (rfc5389) {
            StunEncoder.fingerprint(out, s, ls.crc);
        } else {
            StunEncoder.finish(out, s);
        }
    }

    /**
     * Comprehension-required attributes a Binding request may carry and the server ignores: RFC
     * 5389's own (known but unexpected, §7.3) and ICE's (RFC 8445). RFC 3489's RESPONSE-ADDRESS is
     * not among them: honouring it would make the server a reflector.
     */
    private static boolean bindingAttribute(int t) {
        switch (t) {
            case Stun.MAPPED_ADDRESS:
            case Stun.USERNAME:
            case Stun.MESSAGE_INTEGRITY:
            case Stun.ERROR_CODE:
            case Stun.UNKNOWN_ATTRIBUTES:
            case Stun.REALM:
            case Stun.NONCE:
            case Stun.XOR_MAPPED_ADDRESS:
            case Stun.PRIORITY:
            case Stun.USE_CANDIDATE:
                return true;
            default:
                return false;
        }
    }

    // ------------------------------------------------------------------ TURN

    /** A TURN message (not Binding) from a client; {@code m} passed the structural and FINGERPRINT checks. */
    void turn(StunParser m, ClientLink link, LoopState ls) {
        int cls = m.cls();
        int method = m.method();
        if (cls == Stun.REQUEST && (method == Stun.ALLOCATE || method == Stun.REFRESH
                || method == Stun.CREATE_PERMISSION || method == Stun.CHANNEL_BIND)) {
            counters.turnRequests.increment();
            request(m, link, ls);
        } else if (cls == Stun.INDICATION && method == Stun.SEND) {
            counters.indications.increment();
            send(m, link, ls);
        } else {
            counters.dropped.increment(); // unknown method, or a response sent to the server
        }
    }

    private void request(StunParser m, ClientLink link, LoopState ls) {
        if (!m.hasIntegrity()) {
            error(m, link, ls, Stun.UNAUTHORIZED, null, true, 0); // the challenge: realm and nonce
            return;
        }
        int ui = m.find(Stun.USERNAME);
        int ri = m.find(Stun.REALM);
        int ni = m.find(Stun.NONCE);
        if (ui < 0 || ri < 0 || ni < 0 || m.attributeLength(ui) > 512 || m.attributeLength(ri) > 763
                || m.attributeLength(ni) > 763) {
            error(m, link, ls, Stun.BAD_REQUEST, null, false, 0);
            return;
        }
        if (nonces.check(m.string(ni), link.remote().getAddress(), ls.hmacSha256) != Nonces.Check.VALID) {
            error(m, link, ls, Stun.STALE_NONCE, null, true, 0);
            return;
        }
        String username = m.string(ui);
        byte[] key = null;
        if (m.string(ri).equals(auth.realm())) {
            List<byte[]> keys = auth.candidateKeys(username);
            if (!keys.isEmpty()) {
                key = TurnAuth.verify(m, keys, ls.hmacSha1);
            }
        }
        if (key == null) {
            notifyAuthFailed(link.remote(), username);
            error(m, link, ls, Stun.UNAUTHORIZED, null, true, 0);
            return;
        }
        int unknown = 0;
        for (int i = 0; i < m.attributeCount() && unknown < ls.unknown.length; i++) {
            int t = m.attributeType(i);
            if (Stun.comprehensionRequired(t) && !turnAttribute(t)) {
                ls.unknown[unknown++] = t;
            }
        }
        if (unknown > 0) {
            error(m, link, ls, Stun.UNKNOWN_ATTRIBUTE, key, false, unknown);
            return;
        }
        switch (m.method()) {
            case Stun.ALLOCATE:
                allocate(m, link, ls, username, key);
                break;
            case Stun.REFRESH:
                refresh(m, link, ls, username, key);
                break;
            case Stun.CREATE_PERMISSION:
                createPermission(m, link, ls, username, key);
                break;
            default:
                channelBind(m, link, ls, username, key);
                break;
        }
    }

    /**
     * Comprehension-required attributes TURN requests may carry. DONT-FRAGMENT is not among them:
     * the relay cannot set the DF bit, so RFC 5766 §6.2 has it answered with 420.
     */
    private static boolean turnAttribute(int t) {
        switch (t) {
            case Stun.USERNAME:
            case Stun.MESSAGE_INTEGRITY:
            case Stun.REALM:
            case Stun.NONCE:
            case Stun.CHANNEL_NUMBER:
            case Stun.LIFETIME:
            case Stun.XOR_PEER_ADDRESS:
            case Stun.DATA_ATTR:
            case Stun.REQUESTED_ADDRESS_FAMILY:
            case Stun.EVEN_PORT:
            case Stun.REQUESTED_TRANSPORT:
            case Stun.RESERVATION_TOKEN:
                return true;
            default:
                return false;
        }
    }

    private void allocate(StunParser m, ClientLink link, LoopState ls, String username, byte[] key) {
        Allocation existing = link.allocation();
        if (existing != null) {
            if (m.transactionIdEquals(existing.transactionId) && existing.username.equals(username)) {
                if (existing.active) {
                    allocateSuccess(existing, ls); // a retransmission: the same answer again
                }
                return;
            }
            error(m, link, ls, Stun.ALLOCATION_MISMATCH, key, false, 0);
            return;
        }
        int rt = m.find(Stun.REQUESTED_TRANSPORT);
        if (rt < 0 || m.attributeLength(rt) != 4) {
            error(m, link, ls, Stun.BAD_REQUEST, key, false, 0);
            return;
        }
        if (m.buffer().getUnsignedByte(m.attributeOffset(rt)) != Stun.TRANSPORT_UDP) {
            error(m, link, ls, Stun.UNSUPPORTED_TRANSPORT, key, false, 0);
            return;
        }
        int ev = m.find(Stun.EVEN_PORT);
        int rs = m.find(Stun.RESERVATION_TOKEN);
        if (ev >= 0 && rs >= 0 || ev >= 0 && m.attributeLength(ev) != 1 || rs >= 0 && m.attributeLength(rs) != 8) {
            error(m, link, ls, Stun.BAD_REQUEST, key, false, 0);
            return;
        }
        boolean reserveNext = ev >= 0 && (m.buffer().getUnsignedByte(m.attributeOffset(ev)) & 0x80) != 0;
        InetAddress relayIp = relayAddressFor(link);
        int fam = m.find(Stun.REQUESTED_ADDRESS_FAMILY);
        if (fam >= 0) {
            if (m.attributeLength(fam) != 4) {
                error(m, link, ls, Stun.BAD_REQUEST, key, false, 0);
                return;
            }
            int f = m.buffer().getUnsignedByte(m.attributeOffset(fam));
            int have = relayIp instanceof Inet4Address ? Stun.FAMILY_IPV4 : Stun.FAMILY_IPV6;
            if (f != have) {
                error(m, link, ls, Stun.ADDRESS_FAMILY_NOT_SUPPORTED, key, false, 0);
                return;
            }
        }
        int quota = reserveQuota(username);
        if (quota != 0) {
            error(m, link, ls, quota, key, false, 0);
            return;
        }
        int p;
        if (rs >= 0) {
            long[] held = reservations.remove(m.buffer().getLong(m.attributeOffset(rs)));
            p = held == null ? -1 : (int) held[0];
            if (held != null && clock.millis() >= held[1]) {
                ports.release(p);
                p = -1;
            }
        } else {
            p = reserveNext ? ports.takePair() : ports.take(ev >= 0);
        }
        if (p < 0) {
            releaseQuota(username);
            error(m, link, ls, Stun.INSUFFICIENT_CAPACITY, key, false, 0);
            return;
        }
        byte[] tx = new byte[16];
        m.copyTransactionId(tx);
        Allocation a = new Allocation(link, ls.loop, username, key, tx, relayIp, ev >= 0, config.allocationBandwidth(),
                System.nanoTime());
        a.lifetimeMillis = lifetime(m, false);
        a.port = p;
        a.reserveNext = reserveNext;
        if (!link.attach(a)) {
            ports.release(p);
            if (reserveNext) {
                ports.release(p + 1);
            }
            releaseQuota(username);
            error(m, link, ls, Stun.ALLOCATION_MISMATCH, key, false, 0);
            return;
        }
        ls.allocations.add(a);
        bindRelay(a, p, 1);
    }

    private InetAddress relayAddressFor(ClientLink link) {
        if (config.turnRelayAddress() != null) {
            return config.turnRelayAddress();
        }
        InetAddress local = link.local().getAddress();
        if (!local.isAnyLocalAddress()) {
            return local;
        }
        // A wildcard socket cannot tell which address the request reached; give the first usable one.
        for (InetAddress a : localAddresses()) {
            if (!a.isLoopbackAddress() && !a.isLinkLocalAddress() && a.getClass() == local.getClass()) {
                return a;
            }
        }
        return InetAddress.getLoopbackAddress();
    }

    private void bindRelay(Allocation a, int p, int attempt) {
        RelayHandler handler = new RelayHandler(this, a);
        new Bootstrap().group(a.loop).channelFactory(io.datagramChannelFactory())
                .option(ChannelOption.SO_RCVBUF, 1 << 20).option(ChannelOption.SO_SNDBUF, 1 << 20)
                .handler(handler)
                .bind(new InetSocketAddress(a.relayIp, p)).addListener((ChannelFuture f) -> {
                    LoopState ls = loopState(a.loop);
                    if (a.closed) {
                        // Deleted while binding (connection closed, server stopping).
                        if (f.isSuccess()) {
                            f.channel().close().addListener(x -> ports.release(p));
                        } else {
                            ports.release(p);
                        }
                        if (a.reserveNext) {
                            ports.release(p + 1);
                        }
                        return;
                    }
                    if (f.isSuccess()) {
                        if (a.reserveNext) {
                            long token;
                            do {
                                token = random.nextLong();
                            } while (token == 0 || reservations.putIfAbsent(token,
                                    new long[] {p + 1, clock.millis() + RESERVATION_MILLIS}) != null);
                            a.reservationToken = token;
                        }
                        a.relay = f.channel();
                        a.relayAddress = new InetSocketAddress(a.relayIp, p);
                        a.expiresAt = clock.millis() + a.lifetimeMillis;
                        a.active = true;
                        counters.allocationsCreated.increment();
                        // The listener hears of the allocation before the client does, so that what the
                        // client does next (a Refresh, a close) is always reported after it.
                        notifyCreated(a);
                        allocateSuccess(a, ls);
                        ls.flush();
                        a.link.channel.flush();
                        return;
                    }
                    // Some other program holds the port (or the bind failed otherwise): give it back, since
                    // that program may let it go, and try another; the random pick rarely lands on it again.
                    ports.release(p);
                    if (a.reserveNext) {
                        ports.release(p + 1);
                    }
                    if (attempt < 8 && !stopping) {
                        int next = a.reserveNext ? ports.takePair() : ports.take(a.even);
                        if (next > 0) {
                            a.port = next;
                            bindRelay(a, next, attempt + 1);
                            return;
                        }
                    }
                    log.warn("TURN: no relay port could be bound on {} ({} attempts, last: {})",
                            a.relayIp.getHostAddress(), attempt, f.cause() == null ? "?" : f.cause().toString());
                    a.closed = true;
                    a.link.detach(a);
                    ls.allocations.remove(a);
                    releaseQuota(a.username);
                    ByteBuf out = a.link.channel.alloc().buffer(128);
                    int s = StunEncoder.begin(out, Stun.type(Stun.ALLOCATE, Stun.ERROR), a.transactionId);
                    StunEncoder.errorCode(out, Stun.INSUFFICIENT_CAPACITY, Stun.reason(Stun.INSUFFICIENT_CAPACITY));
                    signAndSend(out, s, a.key, a.link, ls);
                    counters.error(Stun.INSUFFICIENT_CAPACITY);
                    a.link.channel.flush();
                });
    }

    private void allocateSuccess(Allocation a, LoopState ls) {
        ByteBuf out = a.link.channel.alloc().buffer(160);
        int s = StunEncoder.begin(out, Stun.type(Stun.ALLOCATE, Stun.SUCCESS), a.transactionId);
        StunEncoder.xorAddress(out, s, Stun.XOR_RELAYED_ADDRESS, a.relayAddress);
        long remaining = Math.max(0, a.expiresAt - clock.millis());
        StunEncoder.uint32(out, Stun.LIFETIME, remaining / 1000);
        StunEncoder.xorAddress(out, s, Stun.XOR_MAPPED_ADDRESS, a.link.remote());
        if (a.reservationToken != 0) {
            out.writeShort(Stun.RESERVATION_TOKEN);
            out.writeShort(8);
            out.writeLong(a.reservationToken);
        }
        signAndSend(out, s, a.key, a.link, ls);
        counters.successResponses.increment();
    }

    /** RFC 5766 §6.2/§7.2: min(requested, max), but not below the default; 0 only where allowed. */
    private long lifetime(StunParser m, boolean zeroAllowed) {
        int li = m.find(Stun.LIFETIME);
        if (li < 0) {
            return defaultLifetime;
        }
        long requested = m.uint32(li);
        if (requested < 0) {
            return defaultLifetime;
        }
        if (requested == 0 && zeroAllowed) {
            return 0;
        }
        return Math.max(defaultLifetime, Math.min(requested * 1000, maxLifetime));
    }

    private void refresh(StunParser m, ClientLink link, LoopState ls, String username, byte[] key) {
        Allocation a = activeAllocation(m, link, ls, username, key);
        if (a == null) {
            return;
        }
        long lt = lifetime(m, true);
        if (lt == 0) {
            delete(a, ls, "refreshed to zero");
        } else {
            a.expiresAt = clock.millis() + lt;
        }
        ByteBuf out = link.channel.alloc().buffer(96);
        int s = StunEncoder.begin(out, Stun.type(Stun.REFRESH, Stun.SUCCESS), m.buffer(), m.start());
        StunEncoder.uint32(out, Stun.LIFETIME, lt / 1000);
        signAndSend(out, s, key, link, ls);
        counters.successResponses.increment();
    }

    /** The client's allocation, or {@code null} after answering 437 (none) or 441 (another user's). */
    private Allocation activeAllocation(StunParser m, ClientLink link, LoopState ls, String username, byte[] key) {
        Allocation a = link.allocation();
        if (a == null || !a.active) {
            error(m, link, ls, Stun.ALLOCATION_MISMATCH, key, false, 0);
            return null;
        }
        if (!a.username.equals(username)) {
            error(m, link, ls, Stun.WRONG_CREDENTIALS, key, false, 0);
            return null;
        }
        return a;
    }

    /**
     * Checks a peer address for CreatePermission and ChannelBind; returns 0 or the error code
     * (400 malformed, 443 other family than the relay, 403 refused by policy).
     */
    private int checkPeer(Allocation a, InetSocketAddress peer) {
        if (peer == null) {
            return Stun.BAD_REQUEST;
        }
        if ((peer.getAddress() instanceof Inet4Address) != (a.relayIp instanceof Inet4Address)) {
            return Stun.PEER_ADDRESS_FAMILY_MISMATCH;
        }
        return peers.permits(peer.getAddress()) ? 0 : Stun.FORBIDDEN;
    }

    private void createPermission(StunParser m, ClientLink link, LoopState ls, String username, byte[] key) {
        Allocation a = activeAllocation(m, link, ls, username, key);
        if (a == null) {
            return;
        }
        List<InetAddress> toPermit = new ArrayList<>(2);
        for (int i = 0; i < m.attributeCount(); i++) {
            if (m.attributeType(i) != Stun.XOR_PEER_ADDRESS) {
                continue;
            }
            InetSocketAddress peer = m.address(i, true);
            int problem = checkPeer(a, peer);
            if (problem != 0) {
                error(m, link, ls, problem, key, false, 0);
                return;
            }
            toPermit.add(peer.getAddress());
        }
        if (toPermit.isEmpty()) {
            error(m, link, ls, Stun.BAD_REQUEST, key, false, 0);
            return;
        }
        if (a.permissions.size() + toPermit.size() > MAX_PERMISSIONS) {
            error(m, link, ls, Stun.INSUFFICIENT_CAPACITY, key, false, 0);
            return;
        }
        long until = clock.millis() + permissionLifetime;
        for (InetAddress ip : toPermit) {
            a.permit(ip, until);
        }
        emptySuccess(m, link, ls, key);
    }

    private void channelBind(StunParser m, ClientLink link, LoopState ls, String username, byte[] key) {
        Allocation a = activeAllocation(m, link, ls, username, key);
        if (a == null) {
            return;
        }
        int ci = m.find(Stun.CHANNEL_NUMBER);
        int pi = m.find(Stun.XOR_PEER_ADDRESS);
        if (ci < 0 || pi < 0 || m.attributeLength(ci) != 4) {
            error(m, link, ls, Stun.BAD_REQUEST, key, false, 0);
            return;
        }
        int number = m.buffer().getUnsignedShort(m.attributeOffset(ci));
        if (number < Stun.MIN_CHANNEL || number > Stun.MAX_CHANNEL) {
            error(m, link, ls, Stun.BAD_REQUEST, key, false, 0);
            return;
        }
        InetSocketAddress peer = m.address(pi, true);
        int problem = checkPeer(a, peer);
        if (problem != 0) {
            error(m, link, ls, problem, key, false, 0);
            return;
        }
        Allocation.ChannelBinding byNumber = a.channels.get(number);
        Allocation.ChannelBinding byPeer = a.channelsByPeer.get(peer);
        if (byNumber != null && !byNumber.peer.equals(peer) || byPeer != null && byPeer.number != number) {
            error(m, link, ls, Stun.BAD_REQUEST, key, false, 0); // RFC 5766 §11.2: one peer per channel and back
            return;
        }
        long now = clock.millis();
        if (byNumber == null) {
            byNumber = new Allocation.ChannelBinding(number, peer);
            a.channels.put(number, byNumber);
            a.channelsByPeer.put(peer, byNumber);
        }
        byNumber.expiresAt = now + channelLifetime;
        if (a.permissions.size() < MAX_PERMISSIONS || a.permissions.containsKey(peer.getAddress())) {
            a.permit(peer.getAddress(), now + permissionLifetime);
        }
        emptySuccess(m, link, ls, key);
    }

    private void emptySuccess(StunParser m, ClientLink link, LoopState ls, byte[] key) {
        ByteBuf out = link.channel.alloc().buffer(80);
        int s = StunEncoder.begin(out, Stun.type(m.method(), Stun.SUCCESS), m.buffer(), m.start());
        signAndSend(out, s, key, link, ls);
        counters.successResponses.increment();
    }

    /** Send indication (RFC 5766 §10.2): relayed when a permission exists, silently dropped otherwise. */
    private void send(StunParser m, ClientLink link, LoopState ls) {
        Allocation a = link.allocation();
        int pi = m.find(Stun.XOR_PEER_ADDRESS);
        int di = m.find(Stun.DATA_ATTR);
        if (a == null || !a.active || pi < 0 || di < 0 || m.find(Stun.DONT_FRAGMENT) >= 0) {
            counters.relayDropped.increment();
            return;
        }
        InetSocketAddress peer = m.address(pi, true);
        if (peer == null || !a.permitted(peer.getAddress(), clock.millis())) {
            counters.relayDropped.increment();
            return;
        }
        toPeer(a, peer, m.buffer(), m.attributeOffset(di), m.attributeLength(di), ls);
    }

    /** ChannelData on a UDP listener; the caller releases {@code p}. */
    private void channelDataFromUdp(Channel ch, UdpEndpoint ep, InetSocketAddress from, DatagramPacket p,
            LoopState ls) {
        ByteBuf in = p.content();
        int r = in.readerIndex();
        int len = in.getUnsignedShort(r + 2);
        Allocation a = ep.allocations.get(from);
        if (a == null || len > in.readableBytes() - 4) {
            counters.relayDropped.increment();
            return;
        }
        int number = in.getUnsignedShort(r);
        if (!a.loop.inEventLoop()) {
            ByteBuf copy = in.retainedDuplicate();
            a.loop.execute(() -> {
                try {
                    LoopState there = loopState(a.loop);
                    channelData(a, number, copy, copy.readerIndex() + 4, len, there);
                    there.flush();
                } finally {
                    copy.release();
                }
            });
            return;
        }
        channelData(a, number, in, r + 4, len, ls);
    }

    /** Relays ChannelData of a bound channel to its peer (RFC 5766 §11.5). */
    void channelData(Allocation a, int number, ByteBuf buf, int offset, int len, LoopState ls) {
        Allocation.ChannelBinding b = a.channels.get(number);
        if (!a.active || b == null || !b.valid(clock.millis())) {
            counters.relayDropped.increment();
            return;
        }
        toPeer(a, b.peer, buf, offset, len, ls);
    }

    private void toPeer(Allocation a, InetSocketAddress peer, ByteBuf buf, int offset, int len, LoopState ls) {
        if (a.toPeers != null && !a.toPeers.tryTake(len, System.nanoTime())) {
            counters.relayDropped.increment();
            return;
        }
        a.relay.write(new DatagramPacket(buf.retainedSlice(offset, len), peer), a.relay.voidPromise());
        ls.flushLater(a.relay);
        counters.packetsToPeers.increment();
        counters.bytesToPeers.add(len);
    }

    /** A datagram from a peer to an allocation's relay socket (RFC 5766 §10.3, §11.6); the caller releases it. */
    void fromPeer(Allocation a, DatagramPacket p, LoopState ls) {
        ByteBuf data = p.content();
        int len = data.readableBytes();
        InetSocketAddress peer = p.sender();
        long now = clock.millis();
        ClientLink link = a.link;
        if (!a.active || !a.permitted(peer.getAddress(), now) || !link.writable()
                || a.toClient != null && !a.toClient.tryTake(len, System.nanoTime())) {
            counters.relayDropped.increment();
            return;
        }
        Allocation.ChannelBinding b = a.channelsByPeer.get(peer);
        ByteBuf out;
        if (b != null && b.valid(now)) {
            int pad = link.tcp() ? (4 - (len & 3)) & 3 : 0; // RFC 5766 §11.5: padded over TCP
            out = link.channel.alloc().directBuffer(4 + len + pad);
            out.writeShort(b.number);
            out.writeShort(len);
            out.writeBytes(data, data.readerIndex(), len);
            out.writeZero(pad);
        } else {
            if (len > MAX_DATAGRAM - 48) {
                counters.relayDropped.increment();
                return;
            }
            out = link.channel.alloc().directBuffer(Stun.HEADER + 24 + 4 + len + 3);
            byte[] tx = new byte[16];
            ThreadLocalRandom.current().nextBytes(tx);
            tx[0] = 0x21;
            tx[1] = 0x12;
            tx[2] = (byte) 0xA4;
            tx[3] = 0x42;
            int s = StunEncoder.begin(out, Stun.type(Stun.DATA, Stun.INDICATION), tx);
            StunEncoder.xorAddress(out, s, Stun.XOR_PEER_ADDRESS, peer);
            StunEncoder.bytes(out, Stun.DATA_ATTR, data, data.readerIndex(), len);
            StunEncoder.finish(out, s);
        }
        link.write(out);
        ls.flushLater(link.channel);
        counters.packetsToClients.increment();
        counters.bytesToClients.add(len);
    }

    /** Ends an allocation on its loop: its relay closes, its port and quota are given back. */
    void delete(Allocation a, LoopState ls, String reason) {
        if (a.closed) {
            return;
        }
        boolean wasActive = a.active;
        a.closed = true;
        a.active = false;
        a.link.detach(a);
        ls.allocations.remove(a);
        releaseQuota(a.username);
        int p = a.port;
        if (a.relay != null) {
            a.relay.close().addListener(x -> ports.release(p));
        }
        // Without a relay the bind is still under way; its listener sees `closed` and gives the port back.
        if (wasActive) {
            notifyDeleted(a, reason);
        }
    }

    /**
     * Counts a new allocation against the quotas; returns 0, or the error code: 508 when the server
     * is full, 486 when the user is. {@link #releaseQuota} undoes it.
     */
    private int reserveQuota(String username) {
        if (counters.allocations.incrementAndGet() > config.maxAllocations()) {
            counters.allocations.decrementAndGet();
            return Stun.INSUFFICIENT_CAPACITY;
        }
        int max = config.maxAllocationsPerUser();
        if (max > 0) {
            boolean[] ok = new boolean[1];
            allocationsPerUser.compute(username, (k, v) -> {
                AtomicInteger c = v == null ? new AtomicInteger() : v;
                if (c.get() < max) {
                    c.incrementAndGet();
                    ok[0] = true;
                }
                return c.get() == 0 ? null : c;
            });
            if (!ok[0]) {
                counters.allocations.decrementAndGet();
                return Stun.ALLOCATION_QUOTA_REACHED;
            }
        }
        return 0;
    }

    private void releaseQuota(String username) {
        counters.allocations.decrementAndGet();
        if (config.maxAllocationsPerUser() > 0) {
            allocationsPerUser.computeIfPresent(username, (k, v) -> v.decrementAndGet() <= 0 ? null : v);
        }
    }

    /**
     * Sends an error response. Before authentication ({@code key == null}) it carries no
     * MESSAGE-INTEGRITY; {@code challenge} adds REALM and a fresh NONCE (401, 438).
     */
    private void error(StunParser m, ClientLink link, LoopState ls, int code, byte[] key, boolean challenge,
            int unknown) {
        ByteBuf out = link.channel.alloc().buffer(192);
        int s = StunEncoder.begin(out, Stun.type(m.method(), Stun.ERROR), m.buffer(), m.start());
        StunEncoder.errorCode(out, code, Stun.reason(code));
        if (unknown > 0) {
            StunEncoder.unknownAttributes(out, ls.unknown, unknown, false);
        }
        if (challenge) {
            StunEncoder.string(out, Stun.REALM, auth.realm());
            StunEncoder.string(out, Stun.NONCE, nonces.issue(link.remote().getAddress(), ls.hmacSha256));
        }
        signAndSend(out, s, key, link, ls);
        counters.error(code);
    }

    /** SOFTWARE, MESSAGE-INTEGRITY when a key is known, FINGERPRINT; then queued to the client. */
    private void signAndSend(ByteBuf out, int s, byte[] key, ClientLink link, LoopState ls) {
        if (softwareAttribute != null) {
            StunEncoder.raw(out, softwareAttribute);
        }
        if (key != null) {
            StunEncoder.messageIntegrity(out, s, Crypto.init(ls.hmacSha1, key));
        }
        StunEncoder.fingerprint(out, s, ls.crc);
        link.write(out);
        ls.flushLater(link.channel);
    }

    // ------------------------------------------------------------------ listener calls

    private void notifyCreated(Allocation a) {
        log.debug("TURN allocation for '{}' from {} relayed at {}", a.username, a.link.remote(), a.relayAddress);
        try {
            listener.allocationCreated(a.username, a.link.remote(), a.relayAddress, a.link.tcp());
        } catch (RuntimeException e) {
            log.warn("{}.allocationCreated threw {}", listener.getClass().getName(), e.toString());
        }
    }

    private void notifyDeleted(Allocation a, String reason) {
        log.debug("TURN allocation for '{}' at {} ended: {}", a.username, a.relayAddress, reason);
        try {
            listener.allocationDeleted(a.username, a.relayAddress, reason);
        } catch (RuntimeException e) {
            log.warn("{}.allocationDeleted threw {}", listener.getClass().getName(), e.toString());
        }
    }

    private void notifyAuthFailed(InetSocketAddress client, String username) {
        try {
            listener.authenticationFailed(client, username);
        } catch (RuntimeException e) {
            log.warn("{}.authenticationFailed threw {}", listener.getClass().getName(), e.toString());
        }
    }

    /** For tests: the bound UDP endpoints. */
    List<UdpEndpoint> endpoints() {
        return endpoints;
    }

    /** For tests: a nonce valid for {@code client} now. */
    String nonceFor(InetAddress client) {
        return nonces.issue(client, Crypto.hmacSha256());
    }

    /** For tests: ports taken by relays now. */
    public int relayPortsInUse() {
        return ports.inUse();
    }

    /** For tests and the TCP handler: TURN is on. */
    boolean turnEnabled() {
        return auth != null;
    }

    /** A fresh TCP link for an accepted connection. */
    ClientLink.Tcp tcpLink(Channel ch) {
        return new ClientLink.Tcp(ch);
    }
}

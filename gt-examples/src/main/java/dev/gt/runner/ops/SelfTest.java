package dev.gt.runner.ops;

import dev.gt.api.ServiceKind;
import dev.gt.api.ServiceSpec;
import dev.gt.core.GtClient;
import dev.gt.core.GtServer;
import dev.gt.core.GtServerConfig;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpVersion;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.HexFormat;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;
import java.util.function.Supplier;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManager;
import javax.net.ssl.X509TrustManager;

/**
 * GT's {@code GET /status}: an end-to-end test of the server through its own listener. A client
 * made for the test logs in with a user of its own (random id and secret, added to the server's
 * users by the runner), serves {@code /statusResp} in-process, and the test requests it as a
 * visitor through the server. Over the TLS listener when there is one (as GT), else the plain
 * one; a server with only {@code -sniAddr} has no HTTP path to test. A success is kept for 15
 * seconds; tests never overlap.
 */
public final class SelfTest {
    /** How long a success is answered from the cache, as GT. */
    public static final Duration CACHE = Duration.ofSeconds(15);
    private static final Duration DEADLINE = Duration.ofSeconds(30);

    /** The outcome: whether it passed, and what to say. */
    public record Result(boolean ok, String detail) { }

    private final Supplier<GtServer> server;
    private final String id;
    private final String secret;
    private final String version;
    private final ExecutorService executor;
    private final LongSupplier nanoClock;
    private CompletableFuture<Result> running;
    private Result lastSuccess;
    private long lastSuccessAt;

    /**
     * @param executor where the test's blocking steps run (never an event loop)
     */
    public SelfTest(Supplier<GtServer> server, String version, ExecutorService executor, LongSupplier nanoClock) {
        this.server = server;
        this.version = version;
        this.executor = executor;
        this.nanoClock = nanoClock;
        byte[] b = new byte[32];
        SecureRandom random = new SecureRandom();
        random.nextBytes(b);
        this.secret = HexFormat.of().formatHex(b);
        byte[] i = new byte[8];
        random.nextBytes(i);
        this.id = "gt-selftest-" + HexFormat.of().formatHex(i);
    }

    /** The id of the test's user, which the server must know (and dashboards hide). */
    public String userId() {
        return id;
    }

    /** The test user's secret. */
    public String userSecret() {
        return secret;
    }

    /** The result, from the cache when a success is younger than {@link #CACHE}. */
    public synchronized CompletableFuture<Result> run() {
        if (lastSuccess != null && nanoClock.getAsLong() - lastSuccessAt < CACHE.toNanos()) {
            return CompletableFuture.completedFuture(lastSuccess);
        }
        if (running != null) {
            return running;
        }
        CompletableFuture<Result> r = CompletableFuture.supplyAsync(this::test, executor);
        running = r;
        r.whenComplete((result, e) -> {
            synchronized (this) {
                running = null;
                if (result != null && result.ok()) {
                    lastSuccess = result;
                    lastSuccessAt = nanoClock.getAsLong();
                }
            }
        });
        return r;
    }

    private Result test() {
        GtServer s = server.get();
        if (s == null) {
            return new Result(false, "the server is not running");
        }
        GtServerConfig c = s.config();
        if (c.authUrl() != null || c.authenticator() != null) {
            return new Result(false, "the self-test cannot log in: tunnels are authenticated by -authAPI");
        }
        InetSocketAddress tls = s.tlsListenAddress();
        InetSocketAddress plain = s.listenAddress();
        if (tls == null && plain == null) {
            return new Result(false, "no HTTP path to test: the server listens only on -sniAddr, where visitors "
                    + "are routed by SNI to clients' https:// services");
        }
        InetSocketAddress target = loopback(tls != null ? tls : plain);
        GtClient.Builder b = GtClient.builder().id(id).secret(secret).workerThreads(1)
                .reconnectDelay(Duration.ofSeconds(1)).startTimeout(DEADLINE).drainTimeout(Duration.ZERO)
                .service(ServiceSpec.handler(ServiceKind.HTTP, statusHandler()).build());
        if (tls != null) {
            b.server("tls://" + host(target) + ":" + target.getPort());
            if (s.certificateFingerprint() != null) {
                b.pinnedCertificateSha256(s.certificateFingerprint());
            } else {
                b.trustAnyCertificate(true);
            }
        } else {
            b.server("tcp://" + host(target) + ":" + target.getPort());
        }
        GtClient client = b.build();
        try {
            client.start().get(DEADLINE.toMillis(), TimeUnit.MILLISECONDS);
            String body = request(target, tls != null, c.httpRoutingHeader());
            return body.contains("\"ok\"") ? new Result(true, body) : new Result(false, "unexpected answer");
        } catch (java.util.concurrent.ExecutionException e) {
            return new Result(false, "the test client could not log in: " + e.getCause().getMessage());
        } catch (java.util.concurrent.TimeoutException e) {
            return new Result(false, "the test client got no tunnel within " + DEADLINE.toSeconds() + "s");
        } catch (IOException e) {
            return new Result(false, "the request through the tunnel failed: " + e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return new Result(false, "interrupted");
        } finally {
            client.close();
        }
    }

    private static String host(InetSocketAddress a) {
        String h = a.getAddress().getHostAddress();
        return h.indexOf(':') >= 0 ? "[" + h + "]" : h;
    }

    /** A wildcard bind is tested through the loopback address. */
    private static InetSocketAddress loopback(InetSocketAddress bound) {
        InetAddress a = bound.getAddress();
        if (a == null || a.isAnyLocalAddress()) {
            return new InetSocketAddress(InetAddress.getLoopbackAddress(), bound.getPort());
        }
        return bound;
    }

    private String request(InetSocketAddress target, boolean tls, String routingHeader) throws IOException {
        String host = id + ".example.com";
        StringBuilder head = new StringBuilder("GET /statusResp HTTP/1.1\r\nHost: ").append(host).append("\r\n");
        if (!routingHeader.equalsIgnoreCase("Host")) {
            head.append(routingHeader).append(": ").append(id).append("\r\n");
        }
        head.append("Connection: close\r\n\r\n");
        try (Socket socket = tls ? tlsSocket(target) : new Socket()) {
            if (!tls) {
                socket.connect(target, 5000);
            }
            socket.setSoTimeout(10_000);
            OutputStream out = socket.getOutputStream();
            out.write(head.toString().getBytes(StandardCharsets.US_ASCII));
            out.flush();
            InputStream in = socket.getInputStream();
            ByteArrayOutputStream all = new ByteArrayOutputStream();
            byte[] buf = new byte[4096];
            int n;
            while ((n = in.read(buf)) > 0 && all.size() < 65536) {
                all.write(buf, 0, n);
            }
            String text = all.toString(StandardCharsets.UTF_8);
            if (!text.startsWith("HTTP/1.1 200")) {
                int eol = text.indexOf('\r');
                throw new IOException("the server answered " + (eol > 0 ? text.substring(0, eol) : "nothing"));
            }
            int body = text.indexOf("\r\n\r\n");
            return body < 0 ? "" : text.substring(body + 4);
        }
    }

    /** The server's own TLS listener: its certificate was pinned by the test client already. */
    private static Socket tlsSocket(InetSocketAddress target) throws IOException {
        try {
            SSLContext ctx = SSLContext.getInstance("TLS");
            ctx.init(null, new TrustManager[] {new X509TrustManager() {
                @Override
                public void checkClientTrusted(X509Certificate[] chain, String authType) {
                }

                @Override
                public void checkServerTrusted(X509Certificate[] chain, String authType) {
                }

                @Override
                public X509Certificate[] getAcceptedIssuers() {
                    return new X509Certificate[0];
                }
            }}, new SecureRandom());
            Socket raw = new Socket();
            raw.connect(target, 5000);
            SSLSocket s = (SSLSocket) ctx.getSocketFactory().createSocket(raw, "localhost", target.getPort(), true);
            s.startHandshake();
            return s;
        } catch (java.security.GeneralSecurityException e) {
            throw new IOException(e.getMessage(), e);
        }
    }

    /** The in-process service: GT's {@code /statusResp} answer. */
    private ChannelInitializer<Channel> statusHandler() {
        byte[] body = ("{\"status\": \"ok\", \"version\":\"" + version + "\"}").getBytes(StandardCharsets.UTF_8);
        return new ChannelInitializer<>() {
            @Override
            protected void initChannel(Channel ch) {
                ch.pipeline().addLast(new HttpServerCodec(), new HttpObjectAggregator(8192),
                        new SimpleChannelInboundHandler<FullHttpRequest>() {
                            @Override
                            protected void channelRead0(ChannelHandlerContext ctx, FullHttpRequest req) {
                                DefaultFullHttpResponse res = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1,
                                        HttpResponseStatus.OK, Unpooled.wrappedBuffer(body));
                                res.headers().set(HttpHeaderNames.CONTENT_TYPE, "application/json");
                                res.headers().set(HttpHeaderNames.CONTENT_LENGTH, body.length);
                                ctx.writeAndFlush(res).addListener(ChannelFutureListener.CLOSE);
                            }
                        });
            }
        };
    }
}

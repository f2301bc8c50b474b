package dev.gt.core.it;

import dev.gt.core.internal.proto.Hello;
import dev.gt.core.internal.proto.Protocol;
import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.ChannelInputShutdownEvent;
import io.netty.channel.socket.nio.NioDatagramChannel;
import io.netty.handler.codec.quic.QuicChannel;
import io.netty.handler.codec.quic.QuicClientCodecBuilder;
import io.netty.handler.codec.quic.QuicSslContext;
import io.netty.handler.codec.quic.QuicSslContextBuilder;
import io.netty.handler.codec.quic.QuicStreamChannel;
import io.netty.handler.codec.quic.QuicStreamResetException;
import io.netty.handler.codec.quic.QuicStreamType;
import io.netty.handler.ssl.util.InsecureTrustManagerFactory;
import io.netty.util.ReferenceCountUtil;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * A quic:// tunnel client that speaks the protocol byte by byte, so that a test can play a client
 * that misbehaves: one that opens no control stream, sends no hello, never answers a stream's OPEN,
 * answers it with a RESET, or resets a stream in the middle. Each QUIC stream is read as a
 * blocking {@link InputStream}; the hello is encoded by the production {@link Hello}.
 */
final class RawQuicTunnel implements AutoCloseable {
    private static final long TIMEOUT_SECONDS = 10;

    /** A stream the server opened, with what arrives on it. */
    record ServerStream(QuicStreamChannel channel, StreamIn in) {
        void write(byte[] bytes) {
            channel.writeAndFlush(Unpooled.wrappedBuffer(bytes)).syncUninterruptibly();
        }
    }

    private final EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
    final QuicChannel quic;
    private final BlockingQueue<ServerStream> streams = new LinkedBlockingQueue<>();
    private QuicStreamChannel control;
    private StreamIn controlIn;

    private RawQuicTunnel(InetSocketAddress server) throws Exception {
        QuicSslContext tls = QuicSslContextBuilder.forClient().trustManager(InsecureTrustManagerFactory.INSTANCE)
                .applicationProtocols("gt-java/0x10").build();
        Channel udp = new Bootstrap().group(group).channel(NioDatagramChannel.class)
                .handler(new QuicClientCodecBuilder().sslContext(tls).maxIdleTimeout(30, TimeUnit.SECONDS)
                        .initialMaxData(16 << 20).initialMaxStreamDataBidirectionalLocal(1 << 20)
                        .initialMaxStreamDataBidirectionalRemote(1 << 20).initialMaxStreamsBidirectional(100)
                        .build())
                .bind(0).sync().channel();
        quic = QuicChannel.newBootstrap(udp)
                .streamHandler(new ChannelInitializer<QuicStreamChannel>() {
                    @Override
                    protected void initChannel(QuicStreamChannel ch) {
                        StreamIn in = new StreamIn();
                        ch.config().setOption(ChannelOption.ALLOW_HALF_CLOSURE, true);
                        ch.pipeline().addLast(in);
                        streams.add(new ServerStream(ch, in));
                    }
                })
                .remoteAddress(server).connect().get(TIMEOUT_SECONDS, TimeUnit.SECONDS);
        quic.closeFuture().addListener(f -> udp.close());
    }

    /** A QUIC connection to {@code server}, no stream open yet (the certificate is not checked). */
    static RawQuicTunnel connect(InetSocketAddress server) throws Exception {
        return new RawQuicTunnel(server);
    }

    /** Opens the control stream (the first stream this side opens). */
    void openControl() throws Exception {
        controlIn = new StreamIn();
        control = quic.createStream(QuicStreamType.BIDIRECTIONAL, new ChannelInitializer<QuicStreamChannel>() {
            @Override
            protected void initChannel(QuicStreamChannel ch) {
                ch.pipeline().addLast(controlIn);
            }
        }).get(TIMEOUT_SECONDS, TimeUnit.SECONDS);
    }

    /** Opens the control stream, sends the hello and reads the answer up to READY; fails on a refusal. */
    void login(String id, String secret, List<Hello.Service> services) throws Exception {
        openControl();
        writeControl(RawTunnel.hello(id, secret, services));
        RawTunnel.readVersion(controlIn.stream());
        for (RawTunnel.Frame f; (f = RawTunnel.readFrame(controlIn.stream())).type() != Protocol.TYPE_READY; ) {
            if (f.type() != Protocol.TYPE_SERVICE) {
                throw new AssertionError("the server refused the hello of '" + id + "': " + f);
            }
        }
    }

    void writeControl(byte[] bytes) {
        control.writeAndFlush(Unpooled.wrappedBuffer(bytes)).syncUninterruptibly();
    }

    /** The next control frame of {@code type} the server sends; the others before it are skipped. */
    RawTunnel.Frame awaitControlFrame(int type) throws IOException {
        for (RawTunnel.Frame f; ; ) {
            f = RawTunnel.readFrame(controlIn.stream());
            if (f.type() == type) {
                return f;
            }
        }
    }

    /** The next stream the server opens. */
    ServerStream awaitStream() throws InterruptedException {
        ServerStream s = streams.poll(TIMEOUT_SECONDS, TimeUnit.SECONDS);
        if (s == null) {
            throw new AssertionError("the server opened no stream within " + TIMEOUT_SECONDS + " s");
        }
        return s;
    }

    /** Waits until the server closes the QUIC connection; fails after {@code seconds}. */
    void awaitClosed(long seconds) throws InterruptedException {
        if (!quic.closeFuture().await(seconds, TimeUnit.SECONDS)) {
            throw new AssertionError("the server did not close the connection within " + seconds + " s");
        }
    }

    @Override
    public void close() {
        // CONNECTION_CLOSE leaves before the loop goes, so the server ends the tunnel at once.
        quic.close().syncUninterruptibly();
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
    }

    /**
     * The bytes of one QUIC stream as a blocking stream: EOF at the peer's FIN, an
     * {@link IOException} naming the code when the peer resets it.
     */
    static final class StreamIn extends ChannelInboundHandlerAdapter {
        private static final byte[] END = new byte[0];
        private final BlockingQueue<byte[]> chunks = new LinkedBlockingQueue<>();
        private volatile long resetCode = -1;
        private final InputStream stream = new InputStream() {
            private byte[] current = new byte[0];
            private int pos;

            @Override
            public int read() throws IOException {
                byte[] one = new byte[1];
                return read(one, 0, 1) < 0 ? -1 : one[0] & 0xFF;
            }

            @Override
            public int read(byte[] b, int off, int len) throws IOException {
                if (len == 0) {
                    return 0;
                }
                while (pos == current.length) {
                    if (current == END) {
                        if (resetCode >= 0) {
                            throw new IOException("stream reset with code " + resetCode);
                        }
                        return -1;
                    }
                    try {
                        byte[] next = chunks.poll(TIMEOUT_SECONDS, TimeUnit.SECONDS);
                        if (next == null) {
                            throw new InterruptedIOException("nothing on the stream for " + TIMEOUT_SECONDS + " s");
                        }
                        current = next;
                        pos = 0;
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                        throw new InterruptedIOException();
                    }
                }
                int n = Math.min(len, current.length - pos);
                System.arraycopy(current, pos, b, off, n);
                pos += n;
                return n;
            }
        };

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            try {
                chunks.add(ByteBufUtil.getBytes((ByteBuf) msg));
            } finally {
                ReferenceCountUtil.release(msg);
            }
        }

        @Override
        public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
            if (evt instanceof ChannelInputShutdownEvent) {
                chunks.add(END);
            }
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            if (cause instanceof QuicStreamResetException) {
                resetCode = ((QuicStreamResetException) cause).applicationProtocolCode();
            }
            chunks.add(END);
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) {
            chunks.add(END);
        }

        /** The code of the peer's RESET_STREAM, or -1. */
        long resetCode() {
            return resetCode;
        }

        InputStream stream() {
            return stream;
        }

        DataInputStream data() {
            return new DataInputStream(stream);
        }
    }
}

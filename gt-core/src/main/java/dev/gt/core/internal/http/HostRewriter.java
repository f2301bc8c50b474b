package dev.gt.core.internal.http;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.CompositeByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelOutboundHandlerAdapter;
import io.netty.channel.ChannelPromise;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.PromiseNotifier;

import java.nio.channels.ClosedChannelException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * Rewrites the first {@code Host} header of the HTTP request stream written to a local service to
 * {@code Host: <hostAndPort>} ({@code useLocalAsHTTPHost}, GT §3.9), then removes itself so every
 * later byte, including the heads of later keep-alive requests, passes through untouched.
 *
 * <p>Writes are held back, bounded by {@code maxHeadBytes}, until the Host line is complete, the
 * head ends without one, or the bound is reached; in the last two cases the held bytes are written
 * unchanged. The promise of every held write completes with the write that finally carries its bytes.
 * The header name matches case-insensitively; the request line is never rewritten.
 */
public final class HostRewriter extends ChannelOutboundHandlerAdapter {

    private static final byte CR = '\r';
    private static final byte LF = '\n';

    private final byte[] hostLine;
    private final int maxHeadBytes;

    /** Bytes held back so far, owned by this handler; null when nothing is held. */
    private ByteBuf held;
    /** True when {@link #held} is our own cumulation buffer rather than the caller's first message. */
    private boolean heldIsCumulation;
    private final List<ChannelPromise> heldPromises = new ArrayList<>(2);
    /** Offsets relative to the reader index of {@link #held}. */
    private int scanned;
    private int lineStart;
    private boolean requestLineSeen;
    private boolean flushRequested;
    private boolean done;

    /**
     * @param hostAndPort  the new Host value, e.g. {@code 127.0.0.1:8080}: 1 to 512 visible ASCII bytes
     * @param maxHeadBytes how many bytes may be held while looking for the Host line
     */
    public HostRewriter(String hostAndPort, int maxHeadBytes) {
        if (hostAndPort == null || hostAndPort.isEmpty() || hostAndPort.length() > HttpHeadScanner.MAX_VALUE_BYTES) {
            throw new IllegalArgumentException("host '" + hostAndPort + "' (expected 1 to "
                    + HttpHeadScanner.MAX_VALUE_BYTES + " visible ASCII characters)");
        }
        for (int i = 0; i < hostAndPort.length(); i++) {
            char c = hostAndPort.charAt(i);
            // A CR or LF here would let the configuration inject headers.
            if (c < 0x21 || c > 0x7e) {
                throw new IllegalArgumentException("host '" + hostAndPort + "' contains a space, control or non-ASCII"
                        + " character (expected visible ASCII)");
            }
        }
        if (maxHeadBytes < 1) {
            throw new IllegalArgumentException("maxHeadBytes " + maxHeadBytes + " (expected >= 1)");
        }
        this.hostLine = ("Host: " + hostAndPort + "\r\n").getBytes(StandardCharsets.US_ASCII);
        this.maxHeadBytes = maxHeadBytes;
    }

    @Override
    public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
        if (done) {
            ctx.write(msg, promise);
            return;
        }
        if (!(msg instanceof ByteBuf)) {
            // Bytes we cannot see (e.g. a FileRegion) make further scanning meaningless; order matters more.
            passThrough(ctx, 0, 0);
            ctx.write(msg, promise);
            ctx.pipeline().remove(this);
            return;
        }
        try {
            hold(ctx, (ByteBuf) msg, promise);
        } catch (Throwable t) {
            ReferenceCountUtil.safeRelease(msg);
            promise.tryFailure(t);
            return;
        }
        int readable = held.readableBytes();
        int limit = Math.min(readable, maxHeadBytes);
        int base = held.readerIndex();
        while (scanned < limit) {
            int lf = held.indexOf(base + scanned, base + limit, LF);
            if (lf < 0) {
                scanned = limit;
                break;
            }
            int lineEnd = lf - base + 1;
            int contentEnd = lineEnd - 1;
            if (contentEnd > lineStart && held.getByte(base + contentEnd - 1) == CR) {
                contentEnd--;
            }
            if (!requestLineSeen) {
                requestLineSeen = true;
            } else if (contentEnd == lineStart) {
                passThrough(ctx, 0, 0);
                ctx.pipeline().remove(this);
                return;
            } else if (isHostLine(held, base + lineStart, contentEnd - lineStart)) {
                passThrough(ctx, lineStart, lineEnd);
                ctx.pipeline().remove(this);
                return;
            }
            lineStart = lineEnd;
            scanned = lineEnd;
        }
        // Deciding only on the first maxHeadBytes bytes keeps the result independent of chunk sizes.
        if (limit >= maxHeadBytes) {
            passThrough(ctx, 0, 0);
            ctx.pipeline().remove(this);
        }
    }

    @Override
    public void flush(ChannelHandlerContext ctx) {
        if (held != null) {
            // The held bytes are flushed when they are finally written.
            flushRequested = true;
        }
        ctx.flush();
    }

    @Override
    public void close(ChannelHandlerContext ctx, ChannelPromise promise) {
        discard(new ClosedChannelException());
        ctx.close(promise);
    }

    @Override
    public void handlerRemoved(ChannelHandlerContext ctx) {
        discard(new IllegalStateException("HostRewriter removed while holding an incomplete request head"));
    }

    /** Takes ownership of msg, or leaves it with the caller if this throws. */
    private void hold(ChannelHandlerContext ctx, ByteBuf msg, ChannelPromise promise) {
        if (held == null) {
            held = msg;
        } else {
            if (!heldIsCumulation) {
                // Copying only happens for heads split across writes, and only up to the head bound.
                ByteBuf cumulation = ctx.alloc().buffer(held.readableBytes() + msg.readableBytes());
                cumulation.writeBytes(held, held.readerIndex(), held.readableBytes());
                held.release();
                held = cumulation;
                heldIsCumulation = true;
            }
            held.writeBytes(msg, msg.readerIndex(), msg.readableBytes());
            msg.release();
        }
        heldPromises.add(promise);
    }

    private static boolean isHostLine(ByteBuf buf, int index, int length) {
        return length >= 5
                && (buf.getByte(index) | 0x20) == 'h'
                && (buf.getByte(index + 1) | 0x20) == 'o'
                && (buf.getByte(index + 2) | 0x20) == 's'
                && (buf.getByte(index + 3) | 0x20) == 't'
                && buf.getByte(index + 4) == ':';
    }

    /**
     * Writes what is held, with {@code [from, to)} (relative) replaced by the new Host line when
     * {@code to > from}. The caller then leaves the pipeline.
     */
    private void passThrough(ChannelHandlerContext ctx, int from, int to) {
        done = true;
        ByteBuf buf = held;
        held = null;
        if (buf == null) {
            return;
        }
        ChannelPromise promise = combinedPromise(ctx);
        heldPromises.clear();
        ByteBuf out = buf;
        if (to > from) {
            int base = buf.readerIndex();
            int tail = buf.readableBytes() - to;
            CompositeByteBuf composite = ctx.alloc().compositeBuffer(3);
            try {
                composite.addComponent(true, buf.retainedSlice(base, from));
                composite.addComponent(true, ctx.alloc().buffer(hostLine.length).writeBytes(hostLine));
                if (tail > 0) {
                    composite.addComponent(true, buf.retainedSlice(base + to, tail));
                }
            } catch (Throwable t) {
                composite.release();
                promise.tryFailure(t);
                return;
            } finally {
                buf.release();
            }
            out = composite;
        }
        ctx.write(out, promise);
        if (flushRequested) {
            ctx.flush();
        }
    }

    private ChannelPromise combinedPromise(ChannelHandlerContext ctx) {
        if (heldPromises.size() == 1) {
            return heldPromises.get(0);
        }
        List<ChannelPromise> targets = new ArrayList<>(heldPromises.size());
        for (ChannelPromise p : heldPromises) {
            if (!p.isVoid()) {
                targets.add(p);
            }
        }
        if (targets.isEmpty()) {
            return ctx.voidPromise();
        }
        ChannelPromise combined = ctx.newPromise();
        // Not logging: a caller may legitimately have cancelled or completed its own promise.
        combined.addListener(new PromiseNotifier<>(false, targets.toArray(new ChannelPromise[0])));
        return combined;
    }

    private void discard(Throwable cause) {
        ByteBuf buf = held;
        held = null;
        done = true;
        if (buf != null) {
            buf.release();
        }
        for (ChannelPromise p : heldPromises) {
            p.tryFailure(cause);
        }
        heldPromises.clear();
    }
}

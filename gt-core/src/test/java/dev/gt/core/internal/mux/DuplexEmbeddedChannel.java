package dev.gt.core.internal.mux;

import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelPromise;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.channel.socket.DuplexChannel;

/**
 * An EmbeddedChannel that can be half-closed, standing in for a peer socket: the relay treats
 * a DuplexChannel's FIN as a half-close and its loss as a reset.
 */
final class DuplexEmbeddedChannel extends EmbeddedChannel implements DuplexChannel {
    private boolean inputShutdown;
    private boolean outputShutdown;

    @Override
    public boolean isInputShutdown() {
        return inputShutdown;
    }

    @Override
    public ChannelFuture shutdownInput() {
        inputShutdown = true;
        return newSucceededFuture();
    }

    @Override
    public ChannelFuture shutdownInput(ChannelPromise promise) {
        inputShutdown = true;
        return promise.setSuccess();
    }

    @Override
    public boolean isOutputShutdown() {
        return outputShutdown;
    }

    @Override
    public ChannelFuture shutdownOutput() {
        outputShutdown = true;
        return newSucceededFuture();
    }

    @Override
    public ChannelFuture shutdownOutput(ChannelPromise promise) {
        outputShutdown = true;
        return promise.setSuccess();
    }

    @Override
    public boolean isShutdown() {
        return inputShutdown && outputShutdown;
    }

    @Override
    public ChannelFuture shutdown() {
        inputShutdown = true;
        outputShutdown = true;
        return newSucceededFuture();
    }

    @Override
    public ChannelFuture shutdown(ChannelPromise promise) {
        shutdown();
        return promise.setSuccess();
    }
}

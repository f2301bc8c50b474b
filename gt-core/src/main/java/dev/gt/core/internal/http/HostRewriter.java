package dev.gt.core.internal.http;

import io.netty.channel.ChannelOutboundHandlerAdapter;

/** TEMPORARY placeholder; replaced by the full implementation. */
public final class HostRewriter extends ChannelOutboundHandlerAdapter {
    public HostRewriter(String hostAndPort, int maxHeadBytes) {
    }
}

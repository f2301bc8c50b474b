package dev.gt.core.internal.mux;

import dev.gt.api.GtErrorCode;
import dev.gt.core.internal.proto.Protocol;
import io.netty.channel.embedded.EmbeddedChannel;
import java.util.function.LongSupplier;

/** A tunnel end over an EmbeddedChannel for tests; streams are created directly, not by OPEN. */
final class TestTunnel implements MuxTunnel.Owner {
    final MuxTunnel mux;
    Throwable closedBecause;
    GtErrorCode goAwayCode;

    TestTunnel(EmbeddedChannel ch, LongSupplier clock) {
        mux = new MuxTunnel(ch, Protocol.DEFAULT_WINDOW, Protocol.DEFAULT_WINDOW, clock, this);
    }

    @Override
    public String peerSideName() {
        return "peer";
    }

    @Override
    public String otherSideName() {
        return "other side";
    }

    @Override
    public void onTunnelClosed(Throwable cause) {
        closedBecause = cause;
    }

    @Override
    public void onPeerGoAway(GtErrorCode code, String message) {
        goAwayCode = code;
    }
}

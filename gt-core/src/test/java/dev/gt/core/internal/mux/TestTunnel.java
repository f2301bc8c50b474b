package dev.gt.core.internal.mux;

import dev.gt.api.GtErrorCode;
import dev.gt.core.internal.proto.Protocol;
import io.netty.channel.embedded.EmbeddedChannel;
import java.util.function.LongSupplier;

/** A tunnel end over an EmbeddedChannel for tests; streams are created directly, not by OPEN. */
final class TestTunnel extends MuxTunnel {
    Throwable closedBecause;
    GtErrorCode goAwayCode;

    TestTunnel(EmbeddedChannel ch, LongSupplier clock) {
        super(ch, Protocol.DEFAULT_WINDOW, Protocol.DEFAULT_WINDOW, clock);
    }

    @Override
    protected String peerSideName() {
        return "peer";
    }

    @Override
    protected String otherSideName() {
        return "other side";
    }

    @Override
    protected void onTunnelClosed(Throwable cause) {
        closedBecause = cause;
    }

    @Override
    protected void onPeerGoAway(GtErrorCode code, String message) {
        goAwayCode = code;
    }
}

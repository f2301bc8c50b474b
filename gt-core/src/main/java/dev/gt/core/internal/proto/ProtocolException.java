package dev.gt.core.internal.proto;

import dev.gt.api.GtErrorCode;
import dev.gt.api.GtException;

/** The peer broke the protocol; the tunnel is closed with a GOAWAY naming the problem. */
public final class ProtocolException extends GtException {
    private static final long serialVersionUID = 1L;

    public ProtocolException(String detail) {
        super(GtErrorCode.PROTOCOL_ERROR, detail);
    }
}

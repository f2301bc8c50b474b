package dev.gt.p2p;

/**
 * A STUN query failed: no answer in time, or an error response from the server. Unchecked: it
 * travels in {@link java.util.concurrent.CompletableFuture}s.
 */
public final class StunException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    private final int errorCode;

    /**
     * @param message what failed, naming the server
     * @param errorCode the server's STUN error code (e.g. 420), or 0 when the server did not answer
     */
    public StunException(String message, int errorCode) {
        super(message);
        this.errorCode = errorCode;
    }

    /** The STUN error code the server answered with, or 0 for a timeout. */
    public int errorCode() {
        return errorCode;
    }

    /** Whether the server never answered. */
    public boolean isTimeout() {
        return errorCode == 0;
    }
}

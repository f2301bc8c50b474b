package dev.gt.p2p;

import java.net.InetSocketAddress;

/**
 * Observes a {@link StunServer}: TURN allocations and refused credentials. Every method does
 * nothing by default; override those you need. Per-request figures are counters, read with
 * {@link StunServer#counters()}, not events.
 *
 * <p>Methods are called on an event-loop thread: return fast, never block. An exception thrown
 * from one is logged and otherwise ignored.
 */
public abstract class StunServerListener {
    /** A listener that ignores everything. */
    public static final StunServerListener NONE = new StunServerListener() {
    };

    /**
     * A TURN allocation was made.
     *
     * @param username the long-term username that made it
     * @param client the client's address as the server sees it
     * @param relay the relayed transport address given to the client
     * @param tcp whether the client speaks to the server over TCP
     */
    public void allocationCreated(String username, InetSocketAddress client, InetSocketAddress relay, boolean tcp) {
    }

    /**
     * A TURN allocation ended.
     *
     * @param reason {@code "refreshed to zero"}, {@code "expired"}, {@code "connection closed"} or
     *     {@code "server stopped"}
     */
    public void allocationDeleted(String username, InetSocketAddress relay, String reason) {
    }

    /**
     * A TURN request was refused for its credentials (401): unknown user, expired REST username,
     * wrong password, or a realm other than the server's. {@code username} is {@code null} when the
     * request carried none.
     */
    public void authenticationFailed(InetSocketAddress client, String username) {
    }
}

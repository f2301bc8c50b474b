/**
 * STUN and TURN for GT: a server for reflexive addresses and relays, and a client that asks a STUN
 * server for this host's reflexive address. No WebRTC native code is needed.
 *
 * <p>Starting points:
 * <ul>
 *   <li>{@link dev.gt.p2p.StunServer} — STUN Binding (RFC 5389, RFC 3489 clients too) on UDP and
 *       TCP, and TURN (RFC 5766) with long-term or REST credentials; {@link dev.gt.p2p.StunCounters}
 *       and {@link dev.gt.p2p.StunServerListener} to observe it.</li>
 *   <li>{@link dev.gt.p2p.StunClient} — the reflexive address of a local port, from a
 *       {@code stun:} server ({@link dev.gt.p2p.StunUri}).</li>
 *   <li>{@link dev.gt.p2p.TurnRestCredentials} — short-lived TURN credentials for clients.</li>
 *   <li>{@link dev.gt.p2p.StunMessages} and {@link dev.gt.p2p.StunServer#tcpHandler()} — STUN on a
 *       TCP port shared with other protocols.</li>
 * </ul>
 */
package dev.gt.p2p;

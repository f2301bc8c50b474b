/**
 * Internal to gt-p2p, not API (may change at any time): the STUN/TURN codec, the server's
 * processing and its per-event-loop state.
 */
package dev.gt.p2p.internal;

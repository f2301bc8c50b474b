package dev.gt.core.internal.server;

/** Where visitors of one host prefix or TCP port go. */
record Route(ClientSession session, int serviceIndex) {
}

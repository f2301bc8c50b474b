/**
 * Public types of GT for Java shared by servers and clients: {@link dev.gt.api.ServiceSpec},
 * {@link dev.gt.api.GtEvent} and its listener, snapshots, and {@link dev.gt.api.GtErrorCode}.
 * Servers and clients themselves are built with {@code dev.gt.core.GtServer.builder()} and
 * {@code dev.gt.core.GtClient.builder()}.
 */
package dev.gt.api;

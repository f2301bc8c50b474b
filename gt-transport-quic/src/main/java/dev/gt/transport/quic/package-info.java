/**
 * {@code quic://} tunnels for GT on Netty's QUIC codec: a plug-in of the tunnel-transport SPI
 * ({@link dev.gt.api.spi.TunnelTransportProvider}), found by {@link java.util.ServiceLoader}.
 * gt-core does not know it exists.
 */
package dev.gt.transport.quic;

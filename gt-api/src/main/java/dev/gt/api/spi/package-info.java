/**
 * The service-provider interfaces: I/O engines (event loops and socket channels), tunnel
 * transports (how a tunnel is carried: tcp, tls, quic) and authenticators.
 */
package dev.gt.api.spi;

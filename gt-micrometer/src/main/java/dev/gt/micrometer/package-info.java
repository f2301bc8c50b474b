/**
 * Micrometer meters for GT servers and clients: {@link dev.gt.micrometer.GtServerMetrics} and
 * {@link dev.gt.micrometer.GtClientMetrics}. Every name starts with {@code gt.}; tags are bounded
 * (directions, error codes, stream kinds, configured client ids up to a cap).
 */
package dev.gt.micrometer;

package dev.gt.core;

import dev.gt.api.GtEventListener;
import dev.gt.api.ServiceSpec;
import dev.gt.api.spi.IoEngineProvider;
import javax.net.ssl.X509TrustManager;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/**
 * The immutable configuration of a {@link GtClient}, made by {@link GtClient.Builder}. Option
 * names in the descriptions are GT's command-line flags.
 */
public final class GtClientConfig {
    final String id;
    final String secret;
    final List<RemoteUrl> remotes;
    final java.net.URI remoteApi;
    final List<ServiceSpec> services;
    final Duration reconnectDelay;
    final Duration remoteTimeout;
    final int remoteConnections;
    final int remoteIdleConnections;
    final Path remoteCert;
    final boolean remoteCertInsecure;
    final String remoteCertFingerprint;
    final X509TrustManager trustManager;
    final GtEventListener eventListener;
    final GtEventListener.Factory eventListenerFactory;
    final dev.gt.api.MetricsRecorder metricsRecorder;
    final IoEngineProvider ioEngine;
    final int workerThreads;
    final Duration startTimeout;
    final boolean keepRetryingAfterRefusal;
    final Duration drainTimeout;

    GtClientConfig(GtClient.Builder b, String secret) {
        this.id = b.id;
        this.secret = secret;
        this.remotes = List.copyOf(b.remotes);
        this.remoteApi = b.remoteApi;
        this.services = List.copyOf(b.services);
        this.reconnectDelay = b.reconnectDelay;
        this.remoteTimeout = b.remoteTimeout;
        this.remoteConnections = b.remoteConnections;
        this.remoteIdleConnections = Math.min(b.remoteIdleConnections, b.remoteConnections);
        this.remoteCert = b.remoteCert;
        this.remoteCertInsecure = b.remoteCertInsecure;
        this.remoteCertFingerprint = b.remoteCertFingerprint;
        this.trustManager = b.trustManager;
        this.eventListener = b.eventListener;
        this.eventListenerFactory = b.eventListenerFactory;
        this.metricsRecorder = b.metricsRecorder;
        this.ioEngine = b.ioEngine;
        this.workerThreads = b.workerThreads;
        this.startTimeout = b.startTimeout;
        this.keepRetryingAfterRefusal = b.keepRetryingAfterRefusal;
        this.drainTimeout = b.drainTimeout;
    }

    /** How long the first tunnel may take to get ready; zero = no limit. */
    public Duration startTimeout() {
        return startTimeout;
    }

    /** Whether the client keeps retrying after a refusal that needs a configuration change. */
    public boolean keepRetryingAfterRefusal() {
        return keepRetryingAfterRefusal;
    }

    /** How long stopping lets open streams finish before they are reset. */
    public Duration drainTimeout() {
        return drainTimeout;
    }

    /** {@code -id}: the client id; also the host prefix of a service without one. */
    public String id() {
        return id;
    }

    /** {@code -secret}: the secret (generated with {@code SecureRandom} when none was given). */
    public String secret() {
        return secret;
    }

    /** {@code -remote}: the servers to connect to (empty when {@link #remoteApi()} tells the address). */
    public List<RemoteUrl> remotes() {
        return remotes;
    }

    /** {@code -remoteAPI}: where to ask for the server's address before each connection, or {@code null}. */
    public java.net.URI remoteApi() {
        return remoteApi;
    }

    /** {@code -local} and its per-service flags: the services, in wire order. */
    public List<ServiceSpec> services() {
        return services;
    }

    /** {@code -reconnectDelay}: the pause before a tunnel is connected again (jitter is added). */
    public Duration reconnectDelay() {
        return reconnectDelay;
    }

    /** {@code -remoteTimeout}: a tunnel that hears nothing for this long is dropped; pings go at half. */
    public Duration remoteTimeout() {
        return remoteTimeout;
    }

    /** {@code -remoteConnections}: most tunnels per server. */
    public int remoteConnections() {
        return remoteConnections;
    }

    /** {@code -remoteIdleConnections}: tunnels kept open per server while there is no load. */
    public int remoteIdleConnections() {
        return remoteIdleConnections;
    }

    /** {@code -remoteCert}: CA certificates for {@code tls://} remotes, or {@code null}. */
    public Path remoteCert() {
        return remoteCert;
    }

    /** {@code -remoteCertInsecure}. */
    public boolean remoteCertInsecure() {
        return remoteCertInsecure;
    }

    /** {@code -remoteCertFingerprint}, or {@code null}. */
    public String remoteCertFingerprint() {
        return remoteCertFingerprint;
    }

    /** The trust manager for {@code tls://} servers given to the builder, or {@code null}. */
    public X509TrustManager trustManager() {
        return trustManager;
    }

    /** Receives the client's events. */
    public GtEventListener eventListener() {
        return eventListener;
    }

    /** The per-tunnel listener factory for stream events, or {@code null}. */
    public GtEventListener.Factory eventListenerFactory() {
        return eventListenerFactory;
    }

    /** The metrics recorder. */
    public dev.gt.api.MetricsRecorder metricsRecorder() {
        return metricsRecorder;
    }

    /** The I/O engine to run on, or {@code null} to pick the best available one. */
    public IoEngineProvider ioEngine() {
        return ioEngine;
    }

    /** Event-loop threads. */
    public int workerThreads() {
        return workerThreads;
    }

    @Override
    public String toString() {
        return "GtClientConfig{id=" + id + ", secret=***, remotes=" + remotes + (remoteApi == null ? "" : ", remoteAPI=" + remoteApi.getHost()) + ", services=" + services
                + ", reconnectDelay=" + reconnectDelay + ", remoteTimeout=" + remoteTimeout
                + ", remoteConnections=" + remoteConnections + ", remoteIdleConnections=" + remoteIdleConnections + "}";
    }
}

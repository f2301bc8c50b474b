package dev.gt.core;

import dev.gt.api.GtEventListener;
import dev.gt.api.ServiceSpec;
import dev.gt.api.spi.IoEngineProvider;
import javax.net.ssl.X509TrustManager;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/**
 * The immutable configuration of a {@link GtClient}, made by {@link GtClient.Builder}. Each
 * accessor is named like the builder's setter, whose javadoc tells what it means and which GT flag
 * it corresponds to; {@link #toBuilder()} starts a builder from it.
 */
public final class GtClientConfig {
    final String id;
    final String secret;
    final List<RemoteUrl> servers;
    final java.net.URI serverLookupUrl;
    final List<ServiceSpec> services;
    final Duration reconnectDelay;
    final Duration serverTimeout;
    final int maxTunnels;
    final int idleTunnels;
    final Path trustedCertificates;
    final boolean trustAnyCertificate;
    final String pinnedCertificateSha256;
    final X509TrustManager trustManager;
    final GtEventListener eventListener;
    final GtEventListener.Factory eventListenerFactory;
    final dev.gt.api.MetricsRecorder metricsRecorder;
    final IoEngineProvider ioEngine;
    final int workerThreads;
    final Duration startTimeout;
    final boolean keepRetryingAfterRefusal;
    final Duration drainTimeout;
    final java.util.function.Supplier<java.util.concurrent.CompletableFuture<java.net.InetSocketAddress>> publicAddressProbe;

    GtClientConfig(GtClient.Builder b, String secret) {
        this.id = b.id;
        this.secret = secret;
        this.servers = List.copyOf(b.servers);
        this.serverLookupUrl = b.serverLookupUrl;
        this.services = List.copyOf(b.services);
        this.reconnectDelay = b.reconnectDelay;
        this.serverTimeout = b.serverTimeout;
        this.maxTunnels = b.maxTunnels;
        this.idleTunnels = Math.min(b.idleTunnels, b.maxTunnels);
        this.trustedCertificates = b.trustedCertificates;
        this.trustAnyCertificate = b.trustAnyCertificate;
        this.pinnedCertificateSha256 = b.pinnedCertificateSha256;
        this.trustManager = b.trustManager;
        this.eventListener = b.eventListener;
        this.eventListenerFactory = b.eventListenerFactory;
        this.metricsRecorder = b.metricsRecorder;
        this.ioEngine = b.ioEngine;
        this.workerThreads = b.workerThreads;
        this.startTimeout = b.startTimeout;
        this.keepRetryingAfterRefusal = b.keepRetryingAfterRefusal;
        this.drainTimeout = b.drainTimeout;
        this.publicAddressProbe = b.publicAddressProbe;
    }

    /**
     * A builder holding this configuration (the secret included, also a generated one), to build
     * a variant of it: {@code config.toBuilder().maxTunnels(5).buildConfig()}.
     */
    public GtClient.Builder toBuilder() {
        return new GtClient.Builder(this);
    }

    /** How long the first tunnel may take to get ready; zero = no limit. */
    public Duration startTimeout() {
        return startTimeout;
    }

    /** Whether the client keeps retrying after a refusal that needs a configuration change. */
    public boolean keepRetryingAfterRefusal() {
        return keepRetryingAfterRefusal;
    }

    /** The public-address probe (GT's {@code -remoteSTUN}), or {@code null}. */
    public java.util.function.Supplier<java.util.concurrent.CompletableFuture<java.net.InetSocketAddress>> publicAddressProbe() {
        return publicAddressProbe;
    }

    /** How long stopping lets open streams finish before they are reset. */
    public Duration drainTimeout() {
        return drainTimeout;
    }

    /** The client id; also the host prefix of a service without one. GT's {@code -id}. */
    public String id() {
        return id;
    }

    /** The secret (generated with {@code SecureRandom} when none was given). GT's {@code -secret}. */
    public String secret() {
        return secret;
    }

    /** The servers to connect to (empty when {@link #serverLookupUrl()} tells the address). GT's {@code -remote}. */
    public List<RemoteUrl> servers() {
        return servers;
    }

    /** Where to ask for the server's address before each connection, or {@code null}. GT's {@code -remoteAPI}. */
    public java.net.URI serverLookupUrl() {
        return serverLookupUrl;
    }

    /** The services, in wire order. GT's {@code -local} with its per-service flags. */
    public List<ServiceSpec> services() {
        return services;
    }

    /** The pause before a tunnel is connected again (jitter is added). GT's {@code -reconnectDelay}. */
    public Duration reconnectDelay() {
        return reconnectDelay;
    }

    /** A tunnel that hears nothing for this long is dropped; pings go at half. GT's {@code -remoteTimeout}. */
    public Duration serverTimeout() {
        return serverTimeout;
    }

    /** Most tunnels per server. GT's {@code -remoteConnections}. */
    public int maxTunnels() {
        return maxTunnels;
    }

    /** Tunnels kept open per server while there is no load. GT's {@code -remoteIdleConnections}. */
    public int idleTunnels() {
        return idleTunnels;
    }

    /** CA certificates for {@code tls://} servers, or {@code null}. GT's {@code -remoteCert}. */
    public Path trustedCertificates() {
        return trustedCertificates;
    }

    /** Whether any server certificate is accepted. GT's {@code -remoteCertInsecure}. */
    public boolean trustAnyCertificate() {
        return trustAnyCertificate;
    }

    /** The SHA-256 fingerprint of the one trusted server certificate, or {@code null}. */
    public String pinnedCertificateSha256() {
        return pinnedCertificateSha256;
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
        return "GtClientConfig{id=" + id + ", secret=***, servers=" + servers
                + (serverLookupUrl == null ? "" : ", serverLookupUrl=" + serverLookupUrl.getHost())
                + ", services=" + services + ", reconnectDelay=" + reconnectDelay + ", serverTimeout=" + serverTimeout
                + ", maxTunnels=" + maxTunnels + ", idleTunnels=" + idleTunnels + "}";
    }
}

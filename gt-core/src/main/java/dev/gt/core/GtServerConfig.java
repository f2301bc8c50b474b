package dev.gt.core;

import dev.gt.api.GtEventListener;
import dev.gt.api.PortRange;
import dev.gt.api.spi.Authenticator;
import dev.gt.api.spi.IoEngineProvider;
import io.netty.handler.ssl.SslContext;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The immutable configuration of a {@link GtServer}, made by {@link GtServer.Builder}. Each
 * accessor is named like the builder's setter, whose javadoc tells what it means and which GT flag
 * it corresponds to; {@link #toBuilder()} starts a builder from it.
 */
public final class GtServerConfig {
    final InetSocketAddress listenAddress;
    final InetSocketAddress tlsListenAddress;
    final InetSocketAddress sniListenAddress;
    final Path certificateFile;
    final Path privateKeyFile;
    final TlsVersion minTlsVersion;
    final SslContext sslContext;
    final Map<String, User> users;
    final boolean allowAnyClient;
    final URI authUrl;
    final Authenticator authenticator;
    final long speedLimitPerClient;
    final int maxHostPrefixesPerClient;
    final List<String> hostPrefixPatterns;
    final boolean prependIdToHostPrefixes;
    final int failedLoginsBeforeBan;
    final Duration banDuration;
    final int banTableCapacity;
    final Duration allowAnyClientHold;
    final List<PortRange> tcpPortRanges;
    final int maxTcpPortsPerClient;
    final String tcpBindAddress;
    final String httpRoutingHeader;
    final Duration idleTimeout;
    final Duration handshakeTimeout;
    final Duration streamOpenTimeout;
    final Duration drainTimeout;
    final int allowAnyClientServices;
    final List<dev.gt.api.spi.SharedPortProtocol> sharedPortProtocols;
    final dev.gt.api.spi.IceServerProvider iceServers;
    final int maxTunnelsPerClient;
    final int maxServicesPerHandshake;
    final int maxHeadBytes;
    final GtEventListener eventListener;
    final GtEventListener.Factory eventListenerFactory;
    final dev.gt.api.MetricsRecorder metricsRecorder;
    final IoEngineProvider ioEngine;
    final int workerThreads;

    GtServerConfig(GtServer.Builder b) {
        this.listenAddress = b.listenAddress;
        this.tlsListenAddress = b.tlsListenAddress;
        this.sniListenAddress = b.sniListenAddress;
        this.certificateFile = b.certificateFile;
        this.privateKeyFile = b.privateKeyFile;
        this.minTlsVersion = b.minTlsVersion;
        this.sslContext = b.sslContext;
        // In the order they were added (GT's precedence between sources shows in logs).
        this.users = Collections.unmodifiableMap(new LinkedHashMap<>(b.users));
        this.allowAnyClient = b.allowAnyClient;
        this.authUrl = b.authUrl;
        this.authenticator = b.authenticator;
        this.speedLimitPerClient = b.speedLimitPerClient;
        this.maxHostPrefixesPerClient = b.maxHostPrefixesPerClient;
        this.hostPrefixPatterns = List.copyOf(b.hostPrefixPatterns);
        this.prependIdToHostPrefixes = b.prependIdToHostPrefixes;
        this.failedLoginsBeforeBan = b.failedLoginsBeforeBan;
        this.banDuration = b.banDuration;
        this.banTableCapacity = b.banTableCapacity;
        this.allowAnyClientHold = b.allowAnyClientHold;
        this.tcpPortRanges = List.copyOf(b.tcpPortRanges);
        this.maxTcpPortsPerClient = b.maxTcpPortsPerClient;
        this.tcpBindAddress = b.tcpBindAddress;
        this.httpRoutingHeader = b.httpRoutingHeader;
        this.idleTimeout = b.idleTimeout;
        this.handshakeTimeout = b.handshakeTimeout;
        this.streamOpenTimeout = b.streamOpenTimeout;
        this.drainTimeout = b.drainTimeout;
        this.allowAnyClientServices = b.allowAnyClientServices;
        this.sharedPortProtocols = List.copyOf(b.sharedPortProtocols);
        this.iceServers = b.iceServers;
        this.maxTunnelsPerClient = b.maxTunnelsPerClient;
        this.maxServicesPerHandshake = b.maxServicesPerHandshake;
        this.maxHeadBytes = b.maxHeadBytes;
        this.eventListener = b.eventListener;
        this.eventListenerFactory = b.eventListenerFactory;
        this.metricsRecorder = b.metricsRecorder;
        this.ioEngine = b.ioEngine;
        this.workerThreads = b.workerThreads;
    }

    /**
     * A builder holding this configuration, to build a variant of it: {@code
     * config.toBuilder().idleTimeout(Duration.ofMinutes(5)).buildConfig()}.
     */
    public GtServer.Builder toBuilder() {
        return new GtServer.Builder(this);
    }

    /** The listener for client tunnels and HTTP visitors, or {@code null}. GT's {@code -addr}. */
    public InetSocketAddress listenAddress() {
        return listenAddress;
    }

    /** The TLS listener (tunnels over TLS, HTTPS visitors), or {@code null}. GT's {@code -tlsAddr}. */
    public InetSocketAddress tlsListenAddress() {
        return tlsListenAddress;
    }

    /** The SNI pass-through listener, or {@code null}. GT's {@code -sniAddr}. */
    public InetSocketAddress sniListenAddress() {
        return sniListenAddress;
    }

    /** The PEM certificate (chain) of the TLS listener, or {@code null}. GT's {@code -certFile}. */
    public Path certificateFile() {
        return certificateFile;
    }

    /** The PEM private key of the TLS listener, or {@code null}. GT's {@code -keyFile}. */
    public Path privateKeyFile() {
        return privateKeyFile;
    }

    /** The lowest TLS version the TLS listener accepts. GT's {@code -tlsVersion}. */
    public TlsVersion minTlsVersion() {
        return minTlsVersion;
    }

    /** The server SslContext given to the builder, or {@code null}. */
    public SslContext sslContext() {
        return sslContext;
    }

    /** Configured users, id to user, in the order they were added. */
    public Map<String, User> users() {
        return users;
    }

    /**
     * Whether unknown ids are accepted first-come. With no users at all (and no auth URL or
     * authenticator) this is GT's automatic allow-any mode whatever the builder says. GT's
     * {@code -allowAnyClient}.
     */
    public boolean allowAnyClient() {
        return allowAnyClient || users.isEmpty() && authUrl == null && authenticator == null;
    }

    /** The URL that authenticates tunnels, or {@code null}. GT's {@code -authAPI}. */
    public URI authUrl() {
        return authUrl;
    }

    /** The host application's authenticator, or {@code null}. */
    public Authenticator authenticator() {
        return authenticator;
    }

    /** Bytes per second per client id and direction; 0 = no limit. GT's {@code -speed}. */
    public long speedLimitPerClient() {
        return speedLimitPerClient;
    }

    /** Host prefixes per client; 0 = no limit. GT's {@code -hostNumber}. */
    public int maxHostPrefixesPerClient() {
        return maxHostPrefixesPerClient;
    }

    /** Patterns an explicit host prefix must match one of; empty = any. GT's {@code -hostRegex}. */
    public List<String> hostPrefixPatterns() {
        return hostPrefixPatterns;
    }

    /** Whether explicit prefixes are registered as {@code <id>-<prefix>}. GT's {@code -hostWithID}. */
    public boolean prependIdToHostPrefixes() {
        return prependIdToHostPrefixes;
    }

    /** Failed logins tolerated per address within {@link #banDuration()}. GT's {@code -reconnectTimes}. */
    public int failedLoginsBeforeBan() {
        return failedLoginsBeforeBan;
    }

    /** Memory of failed logins and length of a ban; zero = no banning. GT's {@code -reconnectDuration}. */
    public Duration banDuration() {
        return banDuration;
    }

    /** How long an allow-any id stays bound to its secret after its last tunnel closed. */
    public Duration allowAnyClientHold() {
        return allowAnyClientHold;
    }

    /** Most addresses the failed-login table remembers. */
    public int banTableCapacity() {
        return banTableCapacity;
    }

    /** The global pool of ports TCP services may open. GT's {@code -tcpRange}. */
    public List<PortRange> tcpPortRanges() {
        return tcpPortRanges;
    }

    /** TCP ports one client id may hold; 0 means no limit. GT's {@code -tcpNumber}. */
    public int maxTcpPortsPerClient() {
        return maxTcpPortsPerClient;
    }

    /** The address TCP service ports bind to; {@code null} means every interface (GT's behaviour). */
    public String tcpBindAddress() {
        return tcpBindAddress;
    }

    /** The header whose value picks the client ({@code Host} by default). GT's {@code -httpMUXHeader}. */
    public String httpRoutingHeader() {
        return httpRoutingHeader;
    }

    /** Idle timeout of tunnels and visitors, and the deadline of a request head. GT's {@code -timeout}. */
    public Duration idleTimeout() {
        return idleTimeout;
    }

    /**
     * Deadline of a new connection's TLS handshake and tunnel hello: the handshake timeout, or
     * {@link #idleTimeout()} when that is shorter (and not off).
     */
    public Duration handshakeTimeout() {
        return !idleTimeout.isZero() && idleTimeout.compareTo(handshakeTimeout) < 0 ? idleTimeout : handshakeTimeout;
    }

    /** How long the client may take to answer a stream's open; zero = as long as {@link #idleTimeout()}. */
    public Duration streamOpenTimeout() {
        return streamOpenTimeout;
    }

    /** How long stopping lets open streams finish before they are reset. */
    public Duration drainTimeout() {
        return drainTimeout;
    }

    /** Protocols that share the main listener, asked in order. */
    public List<dev.gt.api.spi.SharedPortProtocol> sharedPortProtocols() {
        return sharedPortProtocols;
    }

    /** The STUN/TURN servers handed to clients, or {@code null}. */
    public dev.gt.api.spi.IceServerProvider iceServers() {
        return iceServers;
    }

    /** In allow-any mode, most services an unknown id may register. */
    public int allowAnyClientServices() {
        return allowAnyClientServices;
    }

    /** Tunnels one client id may hold. GT's {@code -connections}. */
    public int maxTunnelsPerClient() {
        return maxTunnelsPerClient;
    }

    /** Services one hello may carry. GT's {@code -maxHandShakeOptions}. */
    public int maxServicesPerHandshake() {
        return maxServicesPerHandshake;
    }

    /** Largest HTTP request head read while looking for the routing header. */
    public int maxHeadBytes() {
        return maxHeadBytes;
    }

    /** Receives the server's events. */
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
        // Secrets never appear: only ids are listed.
        return "GtServerConfig{listenAddress=" + listenAddress + ", tlsListenAddress=" + tlsListenAddress
                + ", sniListenAddress=" + sniListenAddress + ", users=" + users.keySet()
                + ", allowAnyClient=" + allowAnyClient() + ", tcpPortRanges=" + tcpPortRanges
                + ", maxTcpPortsPerClient=" + maxTcpPortsPerClient + ", httpRoutingHeader=" + httpRoutingHeader
                + ", idleTimeout=" + idleTimeout + ", maxTunnelsPerClient=" + maxTunnelsPerClient
                + (speedLimitPerClient > 0 ? ", speedLimitPerClient=" + speedLimitPerClient : "")
                + (maxHostPrefixesPerClient > 0 ? ", maxHostPrefixesPerClient=" + maxHostPrefixesPerClient : "")
                + (hostPrefixPatterns.isEmpty() ? "" : ", hostPrefixPatterns=" + hostPrefixPatterns)
                + (prependIdToHostPrefixes ? ", prependIdToHostPrefixes" : "")
                + (authUrl != null ? ", authUrl=" + authUrl.getHost() : "")
                + ", failedLoginsBeforeBan=" + failedLoginsBeforeBan + ", banDuration=" + banDuration + "}";
    }
}

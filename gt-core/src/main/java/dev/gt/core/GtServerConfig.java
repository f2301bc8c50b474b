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
import java.util.List;
import java.util.Map;

/**
 * The immutable configuration of a {@link GtServer}, made by {@link GtServer.Builder}. Option
 * names in the descriptions are GT's command-line flags.
 */
public final class GtServerConfig {
    final InetSocketAddress addr;
    final InetSocketAddress tlsAddr;
    final InetSocketAddress sniAddr;
    final Path certFile;
    final Path keyFile;
    final TlsVersion tlsVersion;
    final SslContext sslContext;
    final Map<String, User> users;
    final boolean allowAnyClient;
    final URI authApi;
    final Authenticator authenticator;
    final long speed;
    final int hostNumber;
    final List<String> hostRegex;
    final boolean hostWithId;
    final int reconnectTimes;
    final Duration reconnectDuration;
    final int banTableCapacity;
    final Duration allowAnyClientHold;
    final List<PortRange> tcpRanges;
    final int tcpNumber;
    final String tcpBindHost;
    final String httpMuxHeader;
    final Duration timeout;
    final Duration handshakeTimeout;
    final Duration streamOpenTimeout;
    final Duration drainTimeout;
    final int allowAnyClientServices;
    final int connections;
    final int maxHandshakeOptions;
    final int maxHeadBytes;
    final GtEventListener eventListener;
    final GtEventListener.Factory eventListenerFactory;
    final dev.gt.api.MetricsRecorder metricsRecorder;
    final IoEngineProvider ioEngine;
    final int workerThreads;

    GtServerConfig(GtServer.Builder b) {
        this.addr = b.addr;
        this.tlsAddr = b.tlsAddr;
        this.sniAddr = b.sniAddr;
        this.certFile = b.certFile;
        this.keyFile = b.keyFile;
        this.tlsVersion = b.tlsVersion;
        this.sslContext = b.sslContext;
        this.users = Map.copyOf(b.users);
        this.allowAnyClient = b.allowAnyClient;
        this.authApi = b.authApi;
        this.authenticator = b.authenticator;
        this.speed = b.speed;
        this.hostNumber = b.hostNumber;
        this.hostRegex = List.copyOf(b.hostRegex);
        this.hostWithId = b.hostWithId;
        this.reconnectTimes = b.reconnectTimes;
        this.reconnectDuration = b.reconnectDuration;
        this.banTableCapacity = b.banTableCapacity;
        this.allowAnyClientHold = b.allowAnyClientHold;
        this.tcpRanges = List.copyOf(b.tcpRanges);
        this.tcpNumber = b.tcpNumber;
        this.tcpBindHost = b.tcpBindHost;
        this.httpMuxHeader = b.httpMuxHeader;
        this.timeout = b.timeout;
        this.handshakeTimeout = b.handshakeTimeout;
        this.streamOpenTimeout = b.streamOpenTimeout;
        this.drainTimeout = b.drainTimeout;
        this.allowAnyClientServices = b.allowAnyClientServices;
        this.connections = b.connections;
        this.maxHandshakeOptions = b.maxHandshakeOptions;
        this.maxHeadBytes = b.maxHeadBytes;
        this.eventListener = b.eventListener;
        this.eventListenerFactory = b.eventListenerFactory;
        this.metricsRecorder = b.metricsRecorder;
        this.ioEngine = b.ioEngine;
        this.workerThreads = b.workerThreads;
    }

    /** {@code -addr}: the listener for client tunnels and HTTP visitors. */
    public InetSocketAddress addr() {
        return addr;
    }

    /** {@code -tlsAddr}: the TLS listener (tunnels over TLS, HTTPS visitors), or {@code null}. */
    public InetSocketAddress tlsAddr() {
        return tlsAddr;
    }

    /** {@code -sniAddr}: the SNI pass-through listener, or {@code null}. */
    public InetSocketAddress sniAddr() {
        return sniAddr;
    }

    /** {@code -certFile}, or {@code null}. */
    public Path certFile() {
        return certFile;
    }

    /** {@code -keyFile}, or {@code null}. */
    public Path keyFile() {
        return keyFile;
    }

    /** {@code -tlsVersion}. */
    public TlsVersion tlsVersion() {
        return tlsVersion;
    }

    /** The server SslContext given to the builder, or {@code null}. */
    public SslContext sslContext() {
        return sslContext;
    }

    /** Configured users ({@code -id}/{@code -secret}, {@code -users}, {@code users:}), id to user, in order. */
    public Map<String, User> users() {
        return users;
    }

    /**
     * Whether unknown ids are accepted first-come ({@code -allowAnyClient}). With no users at all
     * (and no auth API or authenticator) this is GT's automatic allow-any mode whatever the flag says.
     */
    public boolean allowAnyClient() {
        return allowAnyClient || users.isEmpty() && authApi == null && authenticator == null;
    }

    /** {@code -authAPI}, or {@code null}. */
    public URI authApi() {
        return authApi;
    }

    /** The host application's authenticator, or {@code null}. */
    public Authenticator authenticator() {
        return authenticator;
    }

    /** {@code -speed}: bytes per second per client id and direction; 0 = no limit. */
    public long speed() {
        return speed;
    }

    /** {@code -hostNumber}: host prefixes per client; 0 = no limit. */
    public int hostNumber() {
        return hostNumber;
    }

    /** {@code -hostRegex}: patterns an explicit host prefix must match one of; empty = any. */
    public List<String> hostRegex() {
        return hostRegex;
    }

    /** {@code -hostWithID}: whether explicit prefixes are registered as {@code <id>-<prefix>}. */
    public boolean hostWithId() {
        return hostWithId;
    }

    /** {@code -reconnectTimes}: failed logins tolerated per address within {@link #reconnectDuration()}. */
    public int reconnectTimes() {
        return reconnectTimes;
    }

    /** {@code -reconnectDuration}: memory of failures and length of a ban; zero = no banning. */
    public Duration reconnectDuration() {
        return reconnectDuration;
    }

    /** How long an allow-any id stays bound to its secret after its last tunnel closed. */
    public Duration allowAnyClientHold() {
        return allowAnyClientHold;
    }

    /** Most addresses the failed-login table remembers. */
    public int banTableCapacity() {
        return banTableCapacity;
    }

    /** {@code -tcpRange}: the pool of ports TCP services may open. */
    public List<PortRange> tcpRanges() {
        return tcpRanges;
    }

    /** {@code -tcpNumber}: TCP ports one client id may hold; 0 means no limit. */
    public int tcpNumber() {
        return tcpNumber;
    }

    /** The host TCP service ports bind to; {@code null} means every interface (GT's behaviour). */
    public String tcpBindHost() {
        return tcpBindHost;
    }

    /** {@code -httpMUXHeader}: the header whose value picks the client ({@code Host} by default). */
    public String httpMuxHeader() {
        return httpMuxHeader;
    }

    /** {@code -timeout}: idle timeout of tunnels and visitors, and the deadline of a request head. */
    public Duration timeout() {
        return timeout;
    }

    /**
     * Deadline of a new connection's TLS handshake and tunnel hello: the handshake timeout, or
     * {@link #timeout()} when that is shorter (and not off).
     */
    public Duration handshakeTimeout() {
        return !timeout.isZero() && timeout.compareTo(handshakeTimeout) < 0 ? timeout : handshakeTimeout;
    }

    /** How long the client may take to answer a stream's open; zero = as long as {@link #timeout()}. */
    public Duration streamOpenTimeout() {
        return streamOpenTimeout;
    }

    /** How long stopping lets open streams finish before they are reset. */
    public Duration drainTimeout() {
        return drainTimeout;
    }

    /** In allow-any mode, most services an unknown id may register. */
    public int allowAnyClientServices() {
        return allowAnyClientServices;
    }

    /** {@code -connections}: tunnels one client id may hold. */
    public int connections() {
        return connections;
    }

    /** {@code -maxHandShakeOptions}: services one hello may carry. */
    public int maxHandshakeOptions() {
        return maxHandshakeOptions;
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
        return "GtServerConfig{addr=" + addr + ", tlsAddr=" + tlsAddr + ", sniAddr=" + sniAddr + ", users=" + users.keySet() + ", allowAnyClient=" + allowAnyClient()
                + ", tcpRanges=" + tcpRanges + ", tcpNumber=" + tcpNumber + ", httpMUXHeader=" + httpMuxHeader
                + ", timeout=" + timeout + ", connections=" + connections + (speed > 0 ? ", speed=" + speed : "")
                + (hostNumber > 0 ? ", hostNumber=" + hostNumber : "") + (hostRegex.isEmpty() ? "" : ", hostRegex=" + hostRegex)
                + (hostWithId ? ", hostWithID" : "") + (authApi != null ? ", authAPI=" + authApi.getHost() : "")
                + ", reconnectTimes=" + reconnectTimes + ", reconnectDuration=" + reconnectDuration + "}";
    }
}

package dev.gt.core;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.Function;

/**
 * What {@link GtServer#reconfigure} or {@link GtClient#reconfigure} changed: the users (server)
 * or services (client) added, removed and changed, the other settings that changed, and who was
 * let go because of it. Everything not listed kept running untouched.
 *
 * @param added ids of users added (server), or services added, as {@code local URL} (client)
 * @param removed users or services removed
 * @param changed users whose secret or rules changed, or services whose settings changed
 * @param settings the names of the other settings that changed ({@code speedLimitPerClient}, ...)
 * @param letGo clients (server) or servers (client) whose tunnels are drained and closed, each
 *     with the reason: the id may no longer log in, or its services do not fit its new rules
 * @param tunnelsRetired tunnels beyond a lowered tunnel limit, drained and closed
 */
public record Reconfiguration(List<String> added, List<String> removed, List<String> changed, List<String> settings,
        Map<String, String> letGo, int tunnelsRetired) {
    /** Compact constructor: copies the collections. */
    public Reconfiguration {
        added = List.copyOf(added);
        removed = List.copyOf(removed);
        changed = List.copyOf(changed);
        settings = List.copyOf(settings);
        letGo = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(letGo));
    }

    /** Whether anything changed at all. */
    public boolean changedAnything() {
        return !added.isEmpty() || !removed.isEmpty() || !changed.isEmpty() || !settings.isEmpty();
    }

    /** The differences between two server configurations. */
    static Reconfiguration between(GtServerConfig prev, GtServerConfig next, Map<String, String> letGo,
            int tunnelsRetired) {
        List<String> added = new ArrayList<>();
        List<String> removed = new ArrayList<>();
        List<String> changed = new ArrayList<>();
        for (Map.Entry<String, User> e : next.users().entrySet()) {
            User before = prev.users().get(e.getKey());
            if (before == null) {
                added.add(e.getKey());
            } else if (!before.equals(e.getValue())) {
                changed.add(e.getKey());
            }
        }
        for (String id : prev.users().keySet()) {
            if (!next.users().containsKey(id)) {
                removed.add(id);
            }
        }
        List<String> settings = new ArrayList<>();
        diff(settings, prev, next, "allowAnyClient", GtServerConfig::allowAnyClient);
        diff(settings, prev, next, "authUrl", GtServerConfig::authUrl);
        if (prev.authenticator() != next.authenticator()) {
            settings.add("authenticator");
        }
        diff(settings, prev, next, "speedLimitPerClient", GtServerConfig::speedLimitPerClient);
        diff(settings, prev, next, "maxHostPrefixesPerClient", GtServerConfig::maxHostPrefixesPerClient);
        diff(settings, prev, next, "hostPrefixPattern", GtServerConfig::hostPrefixPatterns);
        diff(settings, prev, next, "prependIdToHostPrefixes", GtServerConfig::prependIdToHostPrefixes);
        diff(settings, prev, next, "failedLoginsBeforeBan", GtServerConfig::failedLoginsBeforeBan);
        diff(settings, prev, next, "banDuration", GtServerConfig::banDuration);
        diff(settings, prev, next, "allowAnyClientHold", GtServerConfig::allowAnyClientHold);
        diff(settings, prev, next, "tcpPortRange", GtServerConfig::tcpPortRanges);
        diff(settings, prev, next, "maxTcpPortsPerClient", GtServerConfig::maxTcpPortsPerClient);
        diff(settings, prev, next, "tcpBindAddress", GtServerConfig::tcpBindAddress);
        diff(settings, prev, next, "httpRoutingHeader", GtServerConfig::httpRoutingHeader);
        diff(settings, prev, next, "idleTimeout", GtServerConfig::idleTimeout);
        diff(settings, prev, next, "handshakeTimeout", GtServerConfig::handshakeTimeout);
        diff(settings, prev, next, "streamOpenTimeout", GtServerConfig::streamOpenTimeout);
        diff(settings, prev, next, "drainTimeout", GtServerConfig::drainTimeout);
        diff(settings, prev, next, "allowAnyClientServices", GtServerConfig::allowAnyClientServices);
        diff(settings, prev, next, "maxTunnelsPerClient", GtServerConfig::maxTunnelsPerClient);
        diff(settings, prev, next, "maxServicesPerHandshake", GtServerConfig::maxServicesPerHandshake);
        diff(settings, prev, next, "maxHeadBytes", GtServerConfig::maxHeadBytes);
        return new Reconfiguration(added, removed, changed, settings, letGo, tunnelsRetired);
    }

    /** The differences between two client configurations; services are compared by position. */
    static Reconfiguration between(GtClientConfig prev, GtClientConfig next, Map<String, String> letGo) {
        List<String> added = new ArrayList<>();
        List<String> removed = new ArrayList<>();
        List<String> changed = new ArrayList<>();
        List<dev.gt.api.ServiceSpec> a = prev.services();
        List<dev.gt.api.ServiceSpec> b = next.services();
        for (int i = 0; i < Math.max(a.size(), b.size()); i++) {
            if (i >= a.size()) {
                added.add("service " + i + " (" + b.get(i) + ")");
            } else if (i >= b.size()) {
                removed.add("service " + i + " (" + a.get(i) + ")");
            } else if (!sameService(a.get(i), b.get(i))) {
                changed.add("service " + i + " (" + b.get(i) + ")");
            }
        }
        List<String> settings = new ArrayList<>();
        diff(settings, prev, next, "id", GtClientConfig::id);
        if (!prev.secret().equals(next.secret())) {
            settings.add("secret");
        }
        diff(settings, prev, next, "server", GtClientConfig::servers);
        diff(settings, prev, next, "serverLookupUrl", GtClientConfig::serverLookupUrl);
        diff(settings, prev, next, "reconnectDelay", GtClientConfig::reconnectDelay);
        diff(settings, prev, next, "serverTimeout", GtClientConfig::serverTimeout);
        diff(settings, prev, next, "maxTunnels", GtClientConfig::maxTunnels);
        diff(settings, prev, next, "idleTunnels", GtClientConfig::idleTunnels);
        diff(settings, prev, next, "startTimeout", GtClientConfig::startTimeout);
        diff(settings, prev, next, "keepRetryingAfterRefusal", GtClientConfig::keepRetryingAfterRefusal);
        diff(settings, prev, next, "drainTimeout", GtClientConfig::drainTimeout);
        return new Reconfiguration(added, removed, changed, settings, letGo, 0);
    }

    private static boolean sameService(dev.gt.api.ServiceSpec x, dev.gt.api.ServiceSpec y) {
        return x.kind() == y.kind() && Objects.equals(x.localUrl(), y.localUrl()) && x.handler() == y.handler()
                && Objects.equals(x.hostPrefix(), y.hostPrefix()) && x.serverPort() == y.serverPort()
                && x.allowRandomServerPort() == y.allowRandomServerPort()
                && x.rewriteHostHeader() == y.rewriteHostHeader() && x.idleTimeout().equals(y.idleTimeout());
    }

    static <C> void diff(List<String> out, C prev, C next, String name, Function<C, Object> getter) {
        if (!Objects.equals(getter.apply(prev), getter.apply(next))) {
            out.add(name);
        }
    }

    @Override
    public String toString() {
        if (!changedAnything()) {
            return "nothing changed";
        }
        List<String> parts = new ArrayList<>();
        if (!added.isEmpty()) {
            parts.add("added " + added);
        }
        if (!removed.isEmpty()) {
            parts.add("removed " + removed);
        }
        if (!changed.isEmpty()) {
            parts.add("changed " + changed);
        }
        if (!settings.isEmpty()) {
            parts.add("settings " + settings);
        }
        if (!letGo.isEmpty()) {
            parts.add("let go " + letGo.keySet());
        }
        if (tunnelsRetired > 0) {
            parts.add(tunnelsRetired + " tunnel" + (tunnelsRetired == 1 ? "" : "s") + " retired");
        }
        return String.join("; ", parts);
    }
}

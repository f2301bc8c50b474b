package dev.gt.runner.ops;

import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.QueryStringDecoder;
import io.netty.handler.codec.http.cookie.Cookie;
import io.netty.handler.codec.http.cookie.ServerCookieDecoder;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The web dashboard ({@code -webAddr}): plain HTML, JavaScript and CSS served from the runner's
 * jar, and a JSON API behind a login.
 *
 * <p>Security: the password is compared in constant time (SHA-256 digests compared with
 * {@link MessageDigest#isEqual}); a login gets a random session id in a cookie that is
 * {@code HttpOnly}, {@code SameSite=Strict} (and {@code Secure} over TLS); sessions expire after
 * 30 minutes without a request and after 12 hours in any case; every change needs the session's
 * CSRF token in {@code X-CSRF-Token} and a matching {@code Origin} when the browser sends one;
 * more than 5 failed logins from one address in a minute are refused for that minute. Nothing
 * secret goes back to the browser: the configuration comes with secrets masked.
 */
public final class Dashboard implements HttpEndpoint.Handler {
    private static final Logger log = LoggerFactory.getLogger("gt.dashboard");
    static final String COOKIE = "gt_session";
    static final long IDLE_NANOS = TimeUnit.MINUTES.toNanos(30);
    static final long MAX_NANOS = TimeUnit.HOURS.toNanos(12);
    private static final long FAILURE_WINDOW_NANOS = TimeUnit.MINUTES.toNanos(1);
    private static final int MAX_FAILURES = 5;
    private static final int MAX_SESSIONS = 1000;
    private static final Map<String, String> STATIC = Map.of(
            "/", "index.html", "/index.html", "index.html", "/app.js", "app.js", "/app.css", "app.css");

    /** What the dashboard shows and changes. */
    public interface Managed {
        /** {@code server} or {@code client}. */
        String kind();

        /** The runner's version. */
        String version();

        /** A JSON snapshot with open streams. */
        String stateJson(boolean withStreams);

        /** The running configuration as JSON, secrets masked. */
        String configJson();

        /**
         * Applies edited option values through the same path as a reload: parsed by the options'
         * own rules, built, then reconfigured by difference. All or nothing.
         *
         * @return what changed, in words
         * @throws dev.gt.runner.options.OptionsException with the option's message; nothing applied
         */
        String applyEdits(Map<String, String> edits);
    }

    private record Session(String csrf, long created, long lastSeen) { }

    private final Managed managed;
    private final String admin;
    private final byte[] passwordDigest;
    private final String generatedPassword;
    private final LongSupplier nanoClock;
    private final SecureRandom random = new SecureRandom();
    private final Map<String, Session> sessions = new ConcurrentHashMap<>();
    private final Map<String, long[]> failures = new ConcurrentHashMap<>();
    private final Map<String, byte[]> resources = new ConcurrentHashMap<>();

    /**
     * @param password the password, or {@code null} to generate one (logged once by {@link #announce})
     */
    public Dashboard(Managed managed, String admin, String password, Secrets secrets, LongSupplier nanoClock) {
        this.managed = managed;
        this.admin = admin;
        this.nanoClock = nanoClock;
        if (password == null) {
            byte[] b = new byte[12];
            random.nextBytes(b);
            this.generatedPassword = Base64.getUrlEncoder().withoutPadding().encodeToString(b);
            password = generatedPassword;
        } else {
            this.generatedPassword = null;
        }
        this.passwordDigest = sha256(password);
        this.secretsToMaskLater = secrets;
        if (generatedPassword == null) {
            secrets.add(password);
        }
    }

    private final Secrets secretsToMaskLater;

    /**
     * Says where the dashboard is; a generated password is logged this once (GT does the same),
     * and masked in everything logged afterwards.
     */
    public void announce(String url) {
        if (generatedPassword != null) {
            log.warn("dashboard {}: user '{}', password {} (generated for this run; set -admin and -password to "
                    + "choose them)", url, admin, generatedPassword);
            secretsToMaskLater.add(generatedPassword);
        }
    }

    /** The password generated for this run, or {@code null} when one was given (for tests). */
    String generatedPassword() {
        return generatedPassword;
    }

    private static byte[] sha256(String s) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private String token() {
        byte[] b = new byte[32];
        random.nextBytes(b);
        return Base64.getUrlEncoder().withoutPadding().encodeToString(b);
    }

    @Override
    public CompletableFuture<HttpEndpoint.Response> handle(FullHttpRequest req, InetSocketAddress remote,
            boolean secure) {
        return CompletableFuture.completedFuture(route(req, remote, secure));
    }

    private HttpEndpoint.Response route(FullHttpRequest req, InetSocketAddress remote, boolean secure) {
        String path = new QueryStringDecoder(req.uri()).path();
        HttpMethod m = req.method();
        String file = STATIC.get(path);
        if (file != null && (m.equals(HttpMethod.GET) || m.equals(HttpMethod.HEAD))) {
            return resource(file);
        }
        if (!path.startsWith("/api/")) {
            return error(HttpResponseStatus.NOT_FOUND, "not found");
        }
        if (m.equals(HttpMethod.POST) && !sameOrigin(req)) {
            return error(HttpResponseStatus.FORBIDDEN, "cross-origin request refused");
        }
        if (path.equals("/api/login") && m.equals(HttpMethod.POST)) {
            return login(req, remote, secure);
        }
        String id = sessionId(req);
        Session s = id == null ? null : live(id);
        if (s == null) {
            return error(HttpResponseStatus.UNAUTHORIZED, "not logged in");
        }
        if (m.equals(HttpMethod.POST) && !csrfOk(req, s)) {
            return error(HttpResponseStatus.FORBIDDEN, "missing or wrong CSRF token");
        }
        switch (m.name() + " " + path) {
            case "GET /api/session":
                return json(HttpResponseStatus.OK, Json.object(Map.of("user", admin, "csrf", s.csrf(),
                        "kind", managed.kind(), "version", managed.version())));
            case "POST /api/logout":
                sessions.remove(id);
                return json(HttpResponseStatus.OK, "{}").with("Set-Cookie", cookie("", secure, 0));
            case "GET /api/state":
                return json(HttpResponseStatus.OK, managed.stateJson(true));
            case "GET /api/config":
                return json(HttpResponseStatus.OK, managed.configJson());
            case "POST /api/config":
                return edit(req);
            default:
                return error(HttpResponseStatus.NOT_FOUND, "not found");
        }
    }

    private HttpEndpoint.Response edit(FullHttpRequest req) {
        Map<String, String> edits;
        try {
            edits = Json.readFlat(req.content().toString(StandardCharsets.UTF_8));
        } catch (IllegalArgumentException e) {
            return error(HttpResponseStatus.BAD_REQUEST, "the request is not a JSON object of option values");
        }
        try {
            String result = managed.applyEdits(edits);
            log.info("dashboard: configuration edited ({}): {}", String.join(", ", edits.keySet()), result);
            return json(HttpResponseStatus.OK, Json.object(Map.of("result", result)));
        } catch (dev.gt.runner.options.OptionsException e) {
            return error(HttpResponseStatus.BAD_REQUEST, e.getMessage());
        }
    }

    private HttpEndpoint.Response login(FullHttpRequest req, InetSocketAddress remote, boolean secure) {
        String address = remote.getAddress().getHostAddress();
        long now = nanoClock.getAsLong();
        long[] f = failures.get(address);
        if (f != null && now - f[1] < FAILURE_WINDOW_NANOS && f[0] >= MAX_FAILURES) {
            return error(HttpResponseStatus.TOO_MANY_REQUESTS, "too many failed logins; try again in a minute");
        }
        Map<String, String> body;
        try {
            body = Json.readFlat(req.content().toString(StandardCharsets.UTF_8));
        } catch (IllegalArgumentException e) {
            return error(HttpResponseStatus.BAD_REQUEST, "expected {\"username\": ..., \"password\": ...}");
        }
        String user = body.getOrDefault("username", "");
        String password = body.getOrDefault("password", "");
        // Both compared, always, in constant time: the answer must not tell which one was wrong.
        boolean userOk = MessageDigest.isEqual(sha256(user == null ? "" : user), sha256(admin));
        boolean passwordOk = MessageDigest.isEqual(sha256(password == null ? "" : password), passwordDigest);
        if (!(userOk & passwordOk)) {
            if (failures.size() > 10_000) {
                // Many addresses failing at once: forget the old ones rather than grow.
                failures.values().removeIf(v -> now - v[1] >= FAILURE_WINDOW_NANOS);
            }
            failures.compute(address, (k, v) -> v == null || now - v[1] >= FAILURE_WINDOW_NANOS
                    ? new long[] {1, now} : new long[] {v[0] + 1, v[1]});
            log.warn("dashboard: failed login from {}", address);
            return error(HttpResponseStatus.UNAUTHORIZED, "wrong user name or password");
        }
        failures.remove(address);
        expire(now);
        if (sessions.size() >= MAX_SESSIONS) {
            // The oldest session goes: logins cannot grow memory without bound.
            sessions.entrySet().stream().min(java.util.Comparator.comparingLong(e -> e.getValue().created()))
                    .ifPresent(e -> sessions.remove(e.getKey()));
        }
        String id = token();
        Session s = new Session(token(), now, now);
        sessions.put(id, s);
        log.info("dashboard: '{}' logged in from {}", admin, address);
        return json(HttpResponseStatus.OK, Json.object(Map.of("user", admin, "csrf", s.csrf(), "kind",
                managed.kind(), "version", managed.version())))
                .with("Set-Cookie", cookie(id, secure, IDLE_NANOS / 1_000_000_000L));
    }

    private static String cookie(String value, boolean secure, long maxAgeSeconds) {
        return COOKIE + "=" + value + "; Path=/; HttpOnly; SameSite=Strict; Max-Age=" + maxAgeSeconds
                + (secure ? "; Secure" : "");
    }

    private Session live(String id) {
        long now = nanoClock.getAsLong();
        Session s = sessions.get(id);
        if (s == null) {
            return null;
        }
        if (now - s.lastSeen() > IDLE_NANOS || now - s.created() > MAX_NANOS) {
            sessions.remove(id);
            return null;
        }
        Session touched = new Session(s.csrf(), s.created(), now);
        sessions.replace(id, s, touched);
        return touched;
    }

    private void expire(long now) {
        Iterator<Map.Entry<String, Session>> it = sessions.entrySet().iterator();
        while (it.hasNext()) {
            Session s = it.next().getValue();
            if (now - s.lastSeen() > IDLE_NANOS || now - s.created() > MAX_NANOS) {
                it.remove();
            }
        }
    }

    private static String sessionId(FullHttpRequest req) {
        String header = req.headers().get(HttpHeaderNames.COOKIE);
        if (header == null) {
            return null;
        }
        Set<Cookie> cookies = ServerCookieDecoder.STRICT.decode(header);
        for (Cookie c : cookies) {
            if (c.name().equals(COOKIE) && !c.value().isEmpty()) {
                return c.value();
            }
        }
        return null;
    }

    private static boolean csrfOk(FullHttpRequest req, Session s) {
        String given = req.headers().get("X-CSRF-Token");
        return given != null && MessageDigest.isEqual(given.getBytes(StandardCharsets.UTF_8),
                s.csrf().getBytes(StandardCharsets.UTF_8));
    }

    /** A browser's Origin, when it sends one, must name this very host and port. */
    private static boolean sameOrigin(FullHttpRequest req) {
        String origin = req.headers().get(HttpHeaderNames.ORIGIN);
        if (origin == null) {
            return true;
        }
        String host = req.headers().get(HttpHeaderNames.HOST);
        if (host == null) {
            return false;
        }
        int scheme = origin.indexOf("://");
        return scheme > 0 && origin.substring(scheme + 3).equalsIgnoreCase(host);
    }

    private HttpEndpoint.Response resource(String name) {
        byte[] body = resources.computeIfAbsent(name, n -> {
            try (InputStream in = Dashboard.class.getResourceAsStream("/dev/gt/runner/web/" + n)) {
                if (in == null) {
                    throw new IllegalStateException("dashboard resource " + n + " is missing from the jar");
                }
                return in.readAllBytes();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        });
        String type = name.endsWith(".html") ? "text/html; charset=utf-8"
                : name.endsWith(".js") ? "text/javascript; charset=utf-8" : "text/css; charset=utf-8";
        Map<String, String> headers = new LinkedHashMap<>();
        headers.put("Content-Security-Policy", "default-src 'self'; img-src 'self' data:; frame-ancestors 'none'; "
                + "base-uri 'none'; form-action 'self'");
        headers.put("X-Frame-Options", "DENY");
        headers.put("Referrer-Policy", "no-referrer");
        headers.put("Cache-Control", "no-cache");
        return new HttpEndpoint.Response(HttpResponseStatus.OK, type, body, headers);
    }

    private static HttpEndpoint.Response json(HttpResponseStatus status, String body) {
        return HttpEndpoint.Response.json(status, body).with("Cache-Control", "no-store");
    }

    private static HttpEndpoint.Response error(HttpResponseStatus status, String message) {
        return json(status, Json.object(Map.of("error", message)));
    }
}

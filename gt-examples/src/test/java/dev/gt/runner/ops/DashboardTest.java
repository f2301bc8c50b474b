package dev.gt.runner.ops;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.gt.runner.options.OptionsException;
import io.netty.buffer.Unpooled;
import io.netty.handler.codec.http.DefaultFullHttpRequest;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpVersion;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** The dashboard's login, sessions, CSRF checks and edits, driven without a socket and with a fake clock. */
class DashboardTest {
    private final AtomicLong clock = new AtomicLong(Long.MAX_VALUE - TimeUnit.DAYS.toNanos(1));
    private final List<Map<String, String>> applied = new ArrayList<>();
    private final Secrets secrets = new Secrets();
    private final Dashboard dashboard = new Dashboard(new Dashboard.Managed() {
        @Override
        public String kind() {
            return "server";
        }

        @Override
        public String version() {
            return "test";
        }

        @Override
        public String stateJson(boolean withStreams) {
            return "{\"kind\":\"server\"}";
        }

        @Override
        public String configJson() {
            return "{\"options\":{\"password\":\"***\"}}";
        }

        @Override
        public String applyEdits(Map<String, String> edits) {
            if (edits.containsKey("speed") && !edits.get("speed").matches("\\d+")) {
                throw new OptionsException("-speed '" + edits.get("speed") + "' is not a number");
            }
            applied.add(edits);
            return "settings [speedLimitPerClient]";
        }
    }, "ops", "correct-horse", secrets, clock::get);
    private static final InetSocketAddress FROM = new InetSocketAddress("192.0.2.1", 40000);

    private record Answer(int status, String body, String cookie) { }

    private Answer call(HttpMethod method, String path, String body, String cookie, String csrf, String origin) {
        FullHttpRequest req = new DefaultFullHttpRequest(HttpVersion.HTTP_1_1, method, path,
                Unpooled.copiedBuffer(body == null ? "" : body, StandardCharsets.UTF_8));
        req.headers().set("Host", "127.0.0.1:8000");
        if (cookie != null) {
            req.headers().set("Cookie", cookie);
        }
        if (csrf != null) {
            req.headers().set("X-CSRF-Token", csrf);
        }
        if (origin != null) {
            req.headers().set("Origin", origin);
        }
        try {
            HttpEndpoint.Response r = dashboard.handle(req, FROM, false).join();
            return new Answer(r.status().code(), new String(r.body(), StandardCharsets.UTF_8), r.headers().get("Set-Cookie"));
        } finally {
            req.release();
        }
    }

    private Answer login(String user, String password) {
        return call(HttpMethod.POST, "/api/login", "{\"username\":\"" + user + "\",\"password\":\"" + password + "\"}",
                null, null, null);
    }

    private static String sessionCookie(Answer a) {
        return a.cookie().substring(0, a.cookie().indexOf(';'));
    }

    private static String csrf(Answer a) {
        Map<String, String> m = Json.readFlat(a.body());
        return m.get("csrf");
    }

    @Test
    void aWrongPasswordOrUserIsRefusedTheSameWay() {
        Answer wrongPassword = login("ops", "nope");
        Answer wrongUser = login("root", "correct-horse");
        assertEquals(401, wrongPassword.status());
        assertEquals(wrongPassword.body(), wrongUser.body());
        assertEquals(401, call(HttpMethod.GET, "/api/state", null, null, null, null).status());
    }

    @Test
    void theSessionCookieIsHttpOnlyAndStrictAndExpiresWhenIdle() {
        Answer ok = login("ops", "correct-horse");
        assertEquals(200, ok.status());
        assertTrue(ok.cookie().contains("HttpOnly") && ok.cookie().contains("SameSite=Strict"), ok.cookie());
        String cookie = sessionCookie(ok);
        assertEquals(200, call(HttpMethod.GET, "/api/state", null, cookie, null, null).status());
        clock.addAndGet(TimeUnit.MINUTES.toNanos(29));
        assertEquals(200, call(HttpMethod.GET, "/api/state", null, cookie, null, null).status());
        clock.addAndGet(TimeUnit.MINUTES.toNanos(31));
        assertEquals(401, call(HttpMethod.GET, "/api/state", null, cookie, null, null).status());
    }

    @Test
    void aSessionEndsAfterTwelveHoursEvenWhenBusy() {
        String cookie = sessionCookie(login("ops", "correct-horse"));
        for (int i = 0; i < 24; i++) {
            clock.addAndGet(TimeUnit.MINUTES.toNanos(29));
            call(HttpMethod.GET, "/api/state", null, cookie, null, null);
        }
        clock.addAndGet(TimeUnit.MINUTES.toNanos(29));
        assertEquals(401, call(HttpMethod.GET, "/api/state", null, cookie, null, null).status());
    }

    @Test
    void changesNeedTheCsrfTokenAndTheSameOrigin() {
        Answer ok = login("ops", "correct-horse");
        String cookie = sessionCookie(ok);
        String token = csrf(ok);
        assertNotNull(token);
        assertEquals(403, call(HttpMethod.POST, "/api/config", "{\"speed\":\"1\"}", cookie, null, null).status());
        assertEquals(403, call(HttpMethod.POST, "/api/config", "{\"speed\":\"1\"}", cookie, "forged", null).status());
        assertEquals(403, call(HttpMethod.POST, "/api/config", "{\"speed\":\"1\"}", cookie, token,
                "http://evil.example").status());
        assertTrue(applied.isEmpty());
        Answer done = call(HttpMethod.POST, "/api/config", "{\"speed\":\"1048576\"}", cookie, token,
                "http://127.0.0.1:8000");
        assertEquals(200, done.status(), done.body());
        assertEquals(List.of(Map.of("speed", "1048576")), applied);
    }

    @Test
    void aBadValueGetsTheOptionsMessageAndNothingIsApplied() {
        Answer ok = login("ops", "correct-horse");
        Answer bad = call(HttpMethod.POST, "/api/config", "{\"speed\":\"fast\"}", sessionCookie(ok), csrf(ok), null);
        assertEquals(400, bad.status());
        assertEquals("-speed 'fast' is not a number", Json.readFlat(bad.body()).get("error"));
        assertTrue(applied.isEmpty());
        assertEquals(400, call(HttpMethod.POST, "/api/config", "[1]", sessionCookie(ok), csrf(ok), null).status());
    }

    @Test
    void tooManyFailedLoginsLockTheAddressForAMinute() {
        for (int i = 0; i < 5; i++) {
            assertEquals(401, login("ops", "guess" + i).status());
        }
        assertEquals(429, login("ops", "correct-horse").status());
        clock.addAndGet(TimeUnit.SECONDS.toNanos(61));
        assertEquals(200, login("ops", "correct-horse").status());
    }

    @Test
    void logoutEndsTheSessionAndPagesAreServedWithAStrictPolicy() {
        Answer ok = login("ops", "correct-horse");
        String cookie = sessionCookie(ok);
        assertEquals(200, call(HttpMethod.POST, "/api/logout", "{}", cookie, csrf(ok), null).status());
        assertEquals(401, call(HttpMethod.GET, "/api/state", null, cookie, null, null).status());
        FullHttpRequest req = new DefaultFullHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.GET, "/");
        HttpEndpoint.Response page = dashboard.handle(req, FROM, false).join();
        req.release();
        assertEquals(200, page.status().code());
        assertTrue(page.headers().get("Content-Security-Policy").startsWith("default-src 'self'"));
        assertTrue(new String(page.body(), StandardCharsets.UTF_8).contains("id=\"login-form\""));
    }

    @Test
    void aGeneratedPasswordIsMaskedOnceAnnounced() {
        Secrets s = new Secrets();
        Dashboard d = new Dashboard(dashboardManaged(), "admin", null, s, clock::get);
        String generated = d.generatedPassword();
        assertTrue(generated.length() >= 16, generated);
        assertFalse(s.leaks("password " + generated), "masked before it was shown once");
        d.announce("http://127.0.0.1:8000/");
        assertEquals("password ***", s.mask("password " + generated));
    }

    private static Dashboard.Managed dashboardManaged() {
        return new Dashboard.Managed() {
            @Override
            public String kind() {
                return "client";
            }

            @Override
            public String version() {
                return "test";
            }

            @Override
            public String stateJson(boolean withStreams) {
                return "{}";
            }

            @Override
            public String configJson() {
                return "{}";
            }

            @Override
            public String applyEdits(Map<String, String> edits) {
                return "nothing changed";
            }
        };
    }

    @Test
    void secretsAreMaskedLongestFirstAndShortOnesAreLeftAlone() {
        Secrets s = new Secrets();
        s.add("secret1");
        s.add("secret1-longer");
        s.add("ab");
        assertEquals("id1 *** and *** ab", s.mask("id1 secret1-longer and secret1 ab"));
        assertTrue(s.leaks("x secret1 y"));
        assertFalse(s.leaks("ab"));
    }
}

package dev.gt.runner.ops;

import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.QueryStringDecoder;
import java.net.InetSocketAddress;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

/**
 * GT's status API ({@code -apiAddr}), and more for scripts and monitoring:
 *
 * <ul>
 * <li>{@code GET /statusResp}: 200 {@code {"status": "ok", "version": ...}} while the process runs;
 * <li>{@code GET /status}: GT's end-to-end self-test (server), or whether the client has a tunnel;
 *     200 with GT's body, or 503 {@code {"status": "failed", ...}} with the reason;
 * <li>{@code GET /metrics}: the gt.* meters in Prometheus text format;
 * <li>{@code GET /api/state}: a JSON snapshot ({@code ?streams=true} lists open streams);
 * <li>anything else: 404.
 * </ul>
 *
 * The API has no authentication, as GT's: bind it to a private address.
 */
public final class StatusApi implements HttpEndpoint.Handler {

    /** What the API reads. */
    public interface Observed {
        /** {@code server} or {@code client}. */
        String kind();

        /** The runner's version. */
        String version();

        /** A JSON snapshot. */
        String stateJson(boolean withStreams);

        /** The self-test. */
        CompletableFuture<SelfTest.Result> selfTest();

        /** The meters in Prometheus text format. */
        String metricsText();
    }

    private final Observed observed;

    public StatusApi(Observed observed) {
        this.observed = observed;
    }

    @Override
    public CompletableFuture<HttpEndpoint.Response> handle(FullHttpRequest request, InetSocketAddress remote,
            boolean secure) {
        QueryStringDecoder q = new QueryStringDecoder(request.uri());
        if (!request.method().equals(HttpMethod.GET) && !request.method().equals(HttpMethod.HEAD)) {
            return done(HttpEndpoint.Response.json(HttpResponseStatus.METHOD_NOT_ALLOWED,
                    "{\"error\":\"only GET\"}").with("Allow", "GET, HEAD"));
        }
        switch (q.path()) {
            case "/statusResp":
                return done(HttpEndpoint.Response.json(HttpResponseStatus.OK, status("ok", null)));
            case "/status":
                return observed.selfTest().thenApply(r -> r.ok()
                        ? HttpEndpoint.Response.json(HttpResponseStatus.OK, r.detail())
                        : HttpEndpoint.Response.json(HttpResponseStatus.SERVICE_UNAVAILABLE, status("failed", r.detail())));
            case "/metrics":
                return done(HttpEndpoint.Response.text(HttpResponseStatus.OK,
                        "text/plain; version=0.0.4; charset=utf-8", observed.metricsText()));
            case "/api/state":
                boolean streams = q.parameters().getOrDefault("streams", java.util.List.of("false")).contains("true");
                return done(HttpEndpoint.Response.json(HttpResponseStatus.OK, observed.stateJson(streams)));
            default:
                return done(HttpEndpoint.Response.json(HttpResponseStatus.NOT_FOUND, "{\"error\":\"not found\"}"));
        }
    }

    private String status(String status, String reason) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("status", status);
        m.put("version", observed.version());
        if (reason != null) {
            m.put("reason", reason);
        }
        return Json.object(m);
    }

    private static CompletableFuture<HttpEndpoint.Response> done(HttpEndpoint.Response r) {
        return CompletableFuture.completedFuture(r);
    }
}

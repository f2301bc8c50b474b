package dev.gt.core.internal;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Flow;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * What GT's two HTTP call-outs ({@code -authAPI} on the server, {@code -remoteAPI} on the client)
 * share: URL checks, a client, a whole-exchange deadline and a capped body. Failures come back as
 * an {@link IOException} whose message is a short, secret-free description of the problem (for
 * example "did not answer within 300 ms"), for the caller to prefix with its option and URL.
 */
public final class HttpApis {
    /** The largest response body read; an API answer is a few hundred bytes, anything bigger is not one. */
    public static final int MAX_BODY = 64 * 1024;

    private HttpApis() {
    }

    /** A response: the status and the whole (capped) body. */
    public record Answer(int status, byte[] body) {
    }

    /**
     * Checks an API URL: http or https with a host.
     *
     * @param option the option named in the error, e.g. {@code -authAPI}
     * @throws IllegalArgumentException naming the option and what was expected
     */
    public static URI validate(URI api, String option) {
        Objects.requireNonNull(api, option);
        String scheme = scheme(api);
        if (!isHttp(scheme)) {
            throw new IllegalArgumentException(option + " '" + display(api) + "' has scheme '" + scheme
                    + "' (expected an http:// or https:// URL)");
        }
        if (!hasHost(api)) {
            throw new IllegalArgumentException(option + " '" + display(api)
                    + "' has no host (expected http[s]://host[:port]/path)");
        }
        return api;
    }

    /**
     * Parses and checks an API URL given as text (a builder or option value). Messages quote it as
     * written, except for a user info and a query, which may hold the API's credentials
     * ({@code https://user:pass@auth/check?token=...}) and are shown as {@code ...}.
     *
     * @throws IllegalArgumentException naming the option and what was expected
     */
    public static URI parse(String url, String option) {
        URI u;
        try {
            u = new URI(url.trim());
        } catch (java.net.URISyntaxException e) {
            // The reason only ("Illegal character in query"): e.getMessage() quotes the whole input.
            throw new IllegalArgumentException(option + " '" + displayText(url) + "' is not a URL: " + e.getReason());
        }
        if (!isHttp(scheme(u)) || !hasHost(u)) {
            throw new IllegalArgumentException(option + " '" + displayText(url)
                    + "' (expected an http:// or https:// URL)");
        }
        return u;
    }

    /** URL text for messages, parsable or not: a user info and anything from '?' or '#' on become "...". */
    static String displayText(String url) {
        String s = url.trim();
        int query = indexOfAny(s, "?#");
        if (query >= 0) {
            s = s.substring(0, query) + s.charAt(query) + "...";
        }
        // The user info ends at the last '@' before the path; without "//" (a scheme forgotten) it
        // starts at the beginning.
        int authority = s.indexOf("//");
        int start = authority >= 0 ? authority + 2 : 0;
        int end = indexOfAny(s.substring(start), "/?#");
        int at = s.lastIndexOf('@', end < 0 ? s.length() - 1 : start + end - 1);
        if (at >= start) {
            s = s.substring(0, start) + "...@" + s.substring(at + 1);
        }
        return s;
    }

    private static int indexOfAny(String s, String chars) {
        for (int i = 0; i < s.length(); i++) {
            if (chars.indexOf(s.charAt(i)) >= 0) {
                return i;
            }
        }
        return -1;
    }

    private static String scheme(URI u) {
        return u.getScheme() == null ? "" : u.getScheme().toLowerCase(Locale.ROOT);
    }

    private static boolean isHttp(String scheme) {
        return scheme.equals("http") || scheme.equals("https");
    }

    private static boolean hasHost(URI u) {
        return u.getHost() != null && !u.getHost().isEmpty();
    }

    /** Checks a timeout: positive. */
    public static Duration validateTimeout(Duration timeout, String option) {
        Objects.requireNonNull(timeout, "timeout");
        if (timeout.isNegative() || timeout.isZero()) {
            throw new IllegalArgumentException(option + " timeout " + timeout + " is not positive");
        }
        return timeout;
    }

    /**
     * The URL for messages: scheme, host, port and path only. The query and the user info may
     * carry credentials of the API itself, which must not reach logs or clients.
     */
    public static String display(URI api) {
        if (api.getHost() == null) {
            // Opaque or unparsable authority: show only what cannot hold credentials.
            return api.getScheme() == null ? "(no scheme)" : api.getScheme() + ":...";
        }
        String host = api.getHost();
        return api.getScheme() + "://" + host + (api.getPort() < 0 ? "" : ":" + api.getPort())
                + (api.getRawPath() == null ? "" : api.getRawPath());
    }

    /**
     * A client for one API. The default executor is kept: its daemon threads go away with the
     * client, so there is nothing to close. HTTP/1.1 as GT's Go client speaks to such APIs.
     */
    public static HttpClient newClient(Duration timeout) {
        return HttpClient.newBuilder()
                .version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(timeout)
                .followRedirects(HttpClient.Redirect.NEVER)
                .build();
    }

    /** GT's {@code Request-Id} header value: the current unix time in seconds. */
    public static String requestId() {
        return Long.toString(System.currentTimeMillis() / 1000);
    }

    /**
     * Sends a request without blocking the caller. The exchange, body included, must finish
     * within {@code timeout}: the request's own timeout stops at the response headers, so a
     * server trickling its body would otherwise hold the stage open for ever. The body is capped
     * at {@link #MAX_BODY}; reading stops (and the connection is dropped) once it is exceeded.
     *
     * @return a stage completed with the answer, or exceptionally with an {@link IOException}
     *     describing the problem (its cause is the original exception when there is one)
     */
    public static CompletableFuture<Answer> send(HttpClient client, HttpRequest request, Duration timeout) {
        CappedBody body = new CappedBody(MAX_BODY);
        CompletableFuture<HttpResponse<byte[]>> sent = client.sendAsync(request, info -> body);
        sent.orTimeout(timeout.toMillis(), TimeUnit.MILLISECONDS);
        CompletableFuture<Answer> answer = new CompletableFuture<>();
        sent.whenComplete((response, error) -> {
            if (error == null) {
                answer.complete(new Answer(response.statusCode(), response.body()));
                return;
            }
            // Stop whatever is still running: reading a trickled body, or the exchange itself.
            body.abort();
            sent.cancel(true);
            answer.completeExceptionally(describe(unwrap(error), timeout));
        });
        return answer;
    }

    private static IOException describe(Throwable error, Duration timeout) {
        for (Throwable t = error; t != null; t = t.getCause()) {
            if (t instanceof BodyTooLargeException) {
                return new IOException("answered with a body larger than " + MAX_BODY + " bytes");
            }
        }
        if (error instanceof TimeoutException || error instanceof HttpTimeoutException) {
            return new IOException("did not answer within " + timeout.toMillis() + " ms", error);
        }
        if (error instanceof ConnectException) {
            return new IOException("cannot be reached (" + brief(error) + ")", error);
        }
        return new IOException("failed (" + brief(error) + ")", error);
    }

    private static Throwable unwrap(Throwable error) {
        Throwable t = error;
        while ((t instanceof CompletionException || t instanceof ExecutionException) && t.getCause() != null) {
            t = t.getCause();
        }
        return t;
    }

    private static String brief(Throwable t) {
        // The JDK client often throws ConnectException without a message; the class name still says it.
        return t.getMessage() == null ? t.getClass().getSimpleName()
                : t.getClass().getSimpleName() + ": " + t.getMessage();
    }

    /** Thrown inside the body subscriber; {@link #describe} recognises it through any wrapping. */
    private static final class BodyTooLargeException extends IOException {
        private static final long serialVersionUID = 1L;

        BodyTooLargeException() {
            super("response body larger than " + MAX_BODY + " bytes");
        }
    }

    /**
     * Collects the body up to a cap. Unlike {@code BodyHandlers.ofByteArray()} it never holds more
     * than the cap: it asks for one chunk at a time and cancels the subscription once the cap is
     * passed.
     */
    private static final class CappedBody implements HttpResponse.BodySubscriber<byte[]> {
        private final int cap;
        private final CompletableFuture<byte[]> result = new CompletableFuture<>();
        private final ByteArrayOutputStream out = new ByteArrayOutputStream();
        private volatile Flow.Subscription subscription;
        private volatile boolean aborted;

        CappedBody(int cap) {
            this.cap = cap;
        }

        @Override
        public CompletionStage<byte[]> getBody() {
            return result;
        }

        @Override
        public void onSubscribe(Flow.Subscription s) {
            subscription = s;
            if (aborted) {
                s.cancel();
                return;
            }
            s.request(1);
        }

        @Override
        public void onNext(List<ByteBuffer> items) {
            if (result.isDone()) {
                return; // a chunk already in flight when we cancelled
            }
            for (ByteBuffer b : items) {
                if (out.size() + b.remaining() > cap) {
                    subscription.cancel();
                    result.completeExceptionally(new BodyTooLargeException());
                    return;
                }
                byte[] chunk = new byte[b.remaining()];
                b.get(chunk);
                out.write(chunk, 0, chunk.length);
            }
            subscription.request(1);
        }

        @Override
        public void onError(Throwable t) {
            result.completeExceptionally(t);
        }

        @Override
        public void onComplete() {
            result.complete(out.toByteArray());
        }

        /** Stops reading (the deadline passed); safe from any thread, before or after subscription. */
        void abort() {
            aborted = true;
            Flow.Subscription s = subscription;
            if (s != null) {
                s.cancel();
            }
            result.completeExceptionally(new IOException("aborted"));
        }
    }
}

package dev.gt.core.internal.auth;

import com.fasterxml.jackson.core.JsonEncoding;
import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.core.json.JsonWriteFeature;
import dev.gt.api.GtErrorCode;
import dev.gt.api.GtException;
import dev.gt.api.spi.AuthRequest;
import dev.gt.api.spi.AuthResult;
import dev.gt.api.spi.Authenticator;
import dev.gt.core.internal.HttpApis;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;

/**
 * GT's {@code -authAPI}: every tunnel hello is checked by POSTing the client's id, secret and
 * requested host prefixes to an HTTP API, which answers {@code {"result":true|false,
 * "appletTokens":[...]}}.
 *
 * <p>Unlike GT, which refuses the tunnel with "invalid id and secret" for any failure, only a
 * clear "no" (a {@code result:false}, or HTTP 401/403) is a rejection here. An API that is down,
 * slow, or answers something else fails the stage with {@link GtErrorCode#AUTH_UNAVAILABLE}, so
 * an outage of the API does not count towards the clients' login bans.
 */
public final class HttpAuthenticator implements Authenticator {
    private static final String OPTION = "-authAPI";
    // Duplicate keys would make "result" ambiguous: refuse them rather than take the last one.
    // Characters outside the BMP are written as UTF-8, as Go's encoder does, not as escaped surrogate pairs.
    private static final JsonFactory JSON = JsonFactory.builder()
            .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
            .enable(JsonWriteFeature.COMBINE_UNICODE_SURROGATES_IN_UTF8)
            .build();

    private final URI api;
    private final String display;
    private final Duration timeout;
    private final HttpClient client;

    /**
     * Creates an authenticator for one API.
     *
     * @param api the API URL (http or https)
     * @param timeout how long one check may take, connection and body included (GT uses the
     *     server's {@code -timeout})
     * @throws IllegalArgumentException if the URL is not http(s) with a host, or the timeout is not positive
     */
    public HttpAuthenticator(URI api, Duration timeout) {
        this.api = HttpApis.validate(api, OPTION);
        this.display = HttpApis.display(api);
        this.timeout = HttpApis.validateTimeout(timeout, OPTION);
        this.client = HttpApis.newClient(timeout);
    }

    /**
     * Asks the API about one hello. Returns at once; the HTTP exchange runs on the HTTP client's
     * threads.
     *
     * @return a stage with the API's decision, or failed with a {@link GtException} of code
     *     {@link GtErrorCode#AUTH_UNAVAILABLE} when the API gave no usable answer
     */
    @Override
    public CompletableFuture<AuthResult> authenticate(AuthRequest request) {
        HttpRequest http = HttpRequest.newBuilder(api)
                .timeout(timeout)
                .header("Content-Type", "application/json")
                .header("Request-Id", HttpApis.requestId())
                .POST(HttpRequest.BodyPublishers.ofByteArray(requestBody(request)))
                .build();
        CompletableFuture<AuthResult> result = new CompletableFuture<>();
        HttpApis.send(client, http, timeout).whenComplete((answer, error) -> {
            if (error != null) {
                result.completeExceptionally(unavailable(error.getMessage(), request, error.getCause()));
                return;
            }
            try {
                result.complete(decide(answer, request));
            } catch (GtException e) {
                result.completeExceptionally(e);
            }
        });
        return result;
    }

    /** GT's body: {@code {"networkClientId":..,"networkSecretKey":..,"appletTokens":[..]}}. */
    static byte[] requestBody(AuthRequest request) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(128);
        try (JsonGenerator g = JSON.createGenerator(out, JsonEncoding.UTF8)) {
            g.writeStartObject();
            g.writeStringField("networkClientId", request.id());
            g.writeStringField("networkSecretKey", request.secret());
            g.writeArrayFieldStart("appletTokens");
            for (String prefix : request.hostPrefixes()) {
                g.writeString(prefix);
            }
            g.writeEndArray();
            g.writeEndObject();
        } catch (IOException e) {
            throw new UncheckedIOException(e); // cannot happen: the target is memory
        }
        return out.toByteArray();
    }

    private AuthResult decide(HttpApis.Answer answer, AuthRequest request) {
        int status = answer.status();
        if (status == 401 || status == 403) {
            return AuthResult.reject("the auth API refused id '" + request.id() + "' (HTTP " + status + ")");
        }
        if (status != 200) {
            throw unavailable("answered HTTP " + status + " (expected 200)", request, null);
        }
        if (answer.body().length == 0) {
            throw unavailable("answered HTTP 200 with an empty body", request, null);
        }
        Parsed parsed;
        try {
            parsed = parse(answer.body());
        } catch (JsonProcessingException e) {
            // Only the position: Jackson's own message quotes the response, which could echo the secret.
            JsonLocation at = e.getLocation();
            throw unavailable("answered invalid JSON" + (at == null ? "" : " at line " + at.getLineNr()
                    + ", column " + at.getColumnNr()), request, null);
        } catch (IOException e) {
            throw unavailable("answered invalid JSON", request, null);
        }
        if (parsed.problem != null) {
            throw unavailable("answered " + parsed.problem, request, null);
        }
        if (!parsed.result) {
            return AuthResult.reject("the auth API refused id '" + request.id() + "'");
        }
        // Without appletTokens only the id itself stays routable, as in GT: accept(Set.of()), not accept().
        return AuthResult.accept(parsed.tokens == null ? Set.of() : parsed.tokens);
    }

    /** The fields of an answer; {@code problem} says why it is unusable, or is null. */
    static final class Parsed {
        Boolean resultField;
        boolean result;
        List<String> tokens;
        String problem;
    }

    /**
     * Reads the answer: a JSON object with a boolean {@code result} and an optional array of
     * strings {@code appletTokens}; other fields, nested or not, are skipped. Known fields of the
     * wrong type make the answer unusable rather than being guessed at.
     */
    static Parsed parse(byte[] body) throws IOException {
        Parsed p = new Parsed();
        try (JsonParser parser = JSON.createParser(body)) {
            if (parser.nextToken() != JsonToken.START_OBJECT) {
                p.problem = "JSON that is not an object";
                return p;
            }
            while (parser.nextToken() == JsonToken.FIELD_NAME) {
                String name = parser.currentName();
                JsonToken value = parser.nextToken();
                if (name.equals("result")) {
                    if (value != JsonToken.VALUE_TRUE && value != JsonToken.VALUE_FALSE) {
                        p.problem = "a 'result' that is not a boolean";
                        return p;
                    }
                    p.resultField = value == JsonToken.VALUE_TRUE;
                } else if (name.equals("appletTokens")) {
                    if (value == JsonToken.VALUE_NULL) {
                        continue;
                    }
                    if (value != JsonToken.START_ARRAY) {
                        p.problem = "an 'appletTokens' that is not an array";
                        return p;
                    }
                    List<String> tokens = new ArrayList<>();
                    while (parser.nextToken() != JsonToken.END_ARRAY) {
                        if (parser.currentToken() != JsonToken.VALUE_STRING) {
                            p.problem = "an 'appletTokens' entry that is not a string";
                            return p;
                        }
                        tokens.add(parser.getText());
                    }
                    p.tokens = tokens;
                } else {
                    parser.skipChildren(); // unknown field: a no-op for scalars, skips objects and arrays
                }
            }
            // Trailing content after the object is an error in Go's decoder too.
            if (parser.nextToken() != null) {
                p.problem = "extra content after the JSON object";
                return p;
            }
        }
        if (p.resultField == null) {
            p.problem = "JSON without a boolean 'result'";
            return p;
        }
        p.result = p.resultField;
        return p;
    }

    private GtException unavailable(String problem, AuthRequest request, Throwable cause) {
        String detail = "auth API " + display + " " + problem;
        // Belt and braces: whatever a message quotes, the secret must never be in it.
        if (!request.secret().isEmpty()) {
            detail = detail.replace(request.secret(), "***");
        }
        return new GtException(GtErrorCode.AUTH_UNAVAILABLE, detail, cause);
    }

    @Override
    public String toString() {
        return "HttpAuthenticator{" + display + ", timeout=" + timeout.toMillis() + " ms}";
    }
}

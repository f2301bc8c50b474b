package dev.gt.core.internal.client;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadFeature;
import dev.gt.core.RemoteUrl;
import dev.gt.core.internal.HttpApis;
import java.io.CharConversionException;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;

/**
 * GT's client {@code -remoteAPI}: asks an HTTP API which server to connect to,
 * {@code GET <api>?network_client_id=<id>} answered by
 * {@code {"serverAddress":"tcp://host:port","stunAddress":"stun:..."}}. The client asks again
 * before every reconnect, so a fleet of servers can be rebalanced from the API.
 */
public final class RemoteApi {
    private static final String OPTION = "-remoteAPI";
    private static final JsonFactory JSON = JsonFactory.builder()
            .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
            .build();

    private final URI api;
    private final String display;
    private final Duration timeout;
    private final HttpClient client;

    /**
     * Creates a client for one API.
     *
     * @param api the API URL (http or https); it may already have a query
     * @param timeout how long one query may take, connection and body included (GT's {@code -remoteTimeout})
     * @throws IllegalArgumentException if the URL is not http(s) with a host, or the timeout is not positive
     */
    public RemoteApi(URI api, Duration timeout) {
        this.api = HttpApis.validate(api, OPTION);
        this.display = HttpApis.display(api);
        this.timeout = HttpApis.validateTimeout(timeout, OPTION);
        this.client = HttpApis.newClient(timeout);
    }

    /**
     * Asks for the server address of a client id. Returns at once.
     *
     * @return a stage with the {@code serverAddress} as the API gave it (it parses as a
     *     {@link RemoteUrl}), or failed with an {@link IOException} whose message starts with
     *     {@code -remoteAPI <url>:} and says what went wrong
     */
    public CompletableFuture<String> serverAddress(String clientId) {
        HttpRequest http = HttpRequest.newBuilder(queryUri(clientId))
                .timeout(timeout)
                .header("Request-Id", HttpApis.requestId())
                .GET()
                .build();
        CompletableFuture<String> result = new CompletableFuture<>();
        HttpApis.send(client, http, timeout).whenComplete((answer, error) -> {
            if (error != null) {
                result.completeExceptionally(failure(error.getMessage(), error.getCause()));
                return;
            }
            if (answer.status() != 200) {
                result.completeExceptionally(failure("answered HTTP " + answer.status() + " (expected 200)", null));
                return;
            }
            String address;
            try {
                address = parse(answer.body());
            } catch (IOException e) {
                result.completeExceptionally(e);
                return;
            }
            try {
                RemoteUrl.parse(address);
            } catch (IllegalArgumentException e) {
                result.completeExceptionally(failure("answered an unusable serverAddress: " + e.getMessage(), e));
                return;
            }
            result.complete(address);
        });
        return result;
    }

    /** The API URL plus {@code network_client_id}, after any query the URL already has. */
    URI queryUri(String clientId) {
        String param = "network_client_id=" + URLEncoder.encode(clientId, StandardCharsets.UTF_8);
        String query = api.getRawQuery() == null || api.getRawQuery().isEmpty() ? param
                : api.getRawQuery() + "&" + param;
        // Rebuilt from the raw parts so that what is already encoded in the URL stays as it is.
        return URI.create(api.getScheme() + "://" + api.getRawAuthority()
                + (api.getRawPath() == null ? "" : api.getRawPath()) + "?" + query);
    }

    /** Reads {@code serverAddress} (a non-empty string); other fields, {@code stunAddress} included, are skipped. */
    String parse(byte[] body) throws IOException {
        if (body.length == 0) {
            throw failure("answered HTTP 200 with an empty body", null);
        }
        String address = null;
        try (JsonParser parser = JSON.createParser(body)) {
            if (parser.nextToken() != JsonToken.START_OBJECT) {
                throw failure("answered JSON that is not an object", null);
            }
            while (parser.nextToken() == JsonToken.FIELD_NAME) {
                String name = parser.currentName();
                JsonToken value = parser.nextToken();
                if (name.equals("serverAddress")) {
                    if (value != JsonToken.VALUE_STRING) {
                        throw failure("answered a 'serverAddress' that is not a string", null);
                    }
                    address = parser.getText();
                } else {
                    parser.skipChildren();
                }
            }
            if (parser.nextToken() != null) {
                throw failure("answered extra content after the JSON object", null);
            }
        } catch (JsonProcessingException e) {
            JsonLocation at = e.getLocation();
            throw failure("answered invalid JSON" + (at == null ? "" : " at line " + at.getLineNr()
                    + ", column " + at.getColumnNr()), null);
        } catch (CharConversionException e) {
            // Bytes the parser took for UTF-32 and cannot decode; its message would not name the API.
            throw failure("answered invalid JSON (not decodable as UTF-8, UTF-16 or UTF-32)", null);
        }
        if (address == null || address.isBlank()) {
            throw failure("answered no serverAddress", null);
        }
        return address;
    }

    private IOException failure(String problem, Throwable cause) {
        return new IOException(OPTION + " " + display + ": " + problem, cause);
    }

    @Override
    public String toString() {
        return "RemoteApi{" + display + ", timeout=" + timeout.toMillis() + " ms}";
    }
}

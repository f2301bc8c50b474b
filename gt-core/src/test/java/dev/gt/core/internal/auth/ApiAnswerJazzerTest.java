package dev.gt.core.internal.auth;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.gt.core.RemoteUrl;
import dev.gt.core.internal.client.RemoteApiAccess;
import dev.gt.core.testkit.FuzzInputs;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Set;

/**
 * Coverage-guided fuzzing (Jazzer) of the two JSON answers GT for Java reads from HTTP APIs: the
 * auth API's ({@code result}, {@code appletTokens}) and the remote API's ({@code serverAddress}).
 *
 * <p>The auth answer parser must return either a usable answer (a boolean result, token strings) or
 * one of its fixed problems, and otherwise fail with an {@link IOException}; a usable answer must
 * parse the same once written back as JSON (non-ASCII escaped, so lone surrogates survive). The remote API parser must return a non-blank address
 * that the answer really holds, or fail with an {@link IOException} whose message is its own,
 * starting with {@code -remoteAPI <url>:} as {@code RemoteApi.serverAddress} documents, never
 * the parser library's text quoting the answer; an address it returns must be accepted or refused
 * by {@link RemoteUrl#parse} with the {@link IllegalArgumentException} the client handles.
 *
 * <p>Without {@code JAZZER_FUZZ} this replays the committed inputs in
 * {@code src/test/resources/dev/gt/core/internal/auth/ApiAnswerJazzerTestInputs/<method>}.
 */
class ApiAnswerJazzerTest {
    private static final Set<String> PROBLEMS = Set.of(
            "JSON that is not an object",
            "a 'result' that is not a boolean",
            "an 'appletTokens' that is not an array",
            "an 'appletTokens' entry that is not a string",
            "extra content after the JSON object",
            "JSON without a boolean 'result'");
    private static final RemoteApiAccess REMOTE = new RemoteApiAccess();

    @FuzzTest(maxDuration = "5m")
    void authAnswer(byte[] answer) {
        String what = "answer '" + FuzzInputs.show(answer) + "'";
        HttpAuthenticator.Parsed p;
        try {
            p = HttpAuthenticator.parse(answer);
        } catch (IOException expected) {
            return; // not JSON: the authenticator answers "unavailable", quoting only the position
        }
        if (p.problem != null) {
            assertTrue(PROBLEMS.contains(p.problem), "unknown problem '" + p.problem + "': " + what);
            return;
        }
        assertNotNull(p.resultField, what);
        assertEquals(p.resultField, p.result, what);
        if (p.tokens != null) {
            p.tokens.forEach(t -> assertNotNull(t, what));
        }
        // The decision written back as JSON must be read the same.
        StringBuilder json = new StringBuilder("{\"result\":").append(p.result);
        if (p.tokens != null) {
            json.append(",\"appletTokens\":[");
            for (int i = 0; i < p.tokens.size(); i++) {
                json.append(i == 0 ? "" : ",").append('"').append(escape(p.tokens.get(i))).append('"');
            }
            json.append(']');
        }
        json.append('}');
        HttpAuthenticator.Parsed again;
        try {
            again = HttpAuthenticator.parse(json.toString().getBytes(StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new AssertionError("the answer written back is not read: " + json + ", " + what, e);
        }
        assertNull(again.problem, what);
        assertEquals(p.result, again.result, what);
        assertEquals(p.tokens, again.tokens, what);
    }

    @FuzzTest(maxDuration = "5m")
    void remoteAnswer(byte[] answer) {
        String what = "answer '" + FuzzInputs.show(answer) + "'";
        String address;
        try {
            address = REMOTE.parse(answer);
        } catch (IOException e) {
            assertNotNull(e.getMessage(), what);
            assertTrue(e.getMessage().startsWith(RemoteApiAccess.MESSAGE_PREFIX),
                    "message not from the remote API client: '" + e.getMessage() + "', " + what);
            return;
        }
        assertFalse(address.isBlank(), what);
        // serverAddress checks the address with RemoteUrl.parse and relies on IllegalArgumentException.
        try {
            RemoteUrl.parse(address);
        } catch (IllegalArgumentException expected) {
            assertNotNull(expected.getMessage(), what);
        }
    }

    private static String escape(String s) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '"' || c == '\\' || c < 0x20 || c > 0x7e) {
                sb.append(String.format("\\u%04x", (int) c));
            } else {
                sb.append(c);
            }
        }
        return sb.toString();
    }
}

package dev.gt.api;

/**
 * Stable error codes of the GT protocol. Codes 1 to 9 keep the meaning they have in GT's own
 * protocol, so a GT user reading a log recognises them; codes from 10 on are GT for Java's own.
 * Handshake rejections travel to the client as one of these codes; stream resets use
 * {@link #isStreamCode() stream codes}.
 */
public enum GtErrorCode {
    /** The id is unknown, the secret is wrong, or the authentication service refused it. */
    INVALID_ID_OR_SECRET(1, "invalid id and secret"),
    /** A TCP service could not get a server port (pool empty, port taken, not allowed). */
    FAILED_TO_OPEN_TCP_PORT(2, "failed to open tcp port"),
    /** The client id already has the maximum number of tunnels. */
    MAX_CONNECTIONS(3, "reached the max connections"),
    /** More host prefixes than the server allows for this id. */
    HOST_NUMBER_LIMITED(4, "the number of host prefixes exceeded the upper limit"),
    /** A host prefix is held by another client id. */
    HOST_CONFLICT(5, "host conflict"),
    /** A host prefix does not match the server's allowed patterns. */
    HOST_REGEX_MISMATCH(6, "host regex mismatch"),
    /** Another client with the same id and a different service list is connected. */
    DIFFERENT_CONFIG(7, "another client that with different config already connected"),
    /** The handshake carries more services than the server accepts. */
    MAX_HANDSHAKE_OPTIONS(8, "the number of options exceeded the upper limit"),
    /** More TCP services than the server allows for this id. */
    TCP_NUMBER_LIMITED(9, "the number of tcp ports exceeded the upper limit"),
    /** The peer speaks a protocol version this side does not support. */
    UNSUPPORTED_VERSION(10, "unsupported protocol version"),
    /** A hello, frame or field broke the protocol's rules. */
    PROTOCOL_ERROR(11, "protocol error"),
    /** The server is shutting down or the tunnel is being retired. */
    GOING_AWAY(12, "going away"),
    /** A tunnel or stream saw no traffic for longer than its timeout. */
    TIMEOUT(13, "timeout"),
    /** Too many failed logins came from the client's address; it is refused for a while. */
    BANNED(14, "too many failed logins from this address"),
    /** The authentication service (auth API or authenticator) did not answer usefully. */
    AUTH_UNAVAILABLE(15, "authentication service unavailable"),
    /**
     * Client: the server could not be reached (its name does not resolve, the connection is
     * refused or times out, TLS fails). Reported locally, never sent on the wire.
     */
    SERVER_UNREACHABLE(16, "the server cannot be reached"),
    /** Stream: the client could not connect to its local service. */
    DIAL_FAILED(20, "failed to connect to the local service"),
    /** Stream: the service index in an open is not one of the client's services. */
    NO_SUCH_SERVICE(21, "no such service"),
    /** Stream: the peer sent more than the flow-control window allows. */
    FLOW_CONTROL_ERROR(22, "flow control window exceeded"),
    /** Stream: closed abruptly by one side (connection reset, error, shutdown). */
    STREAM_RESET(23, "stream reset"),
    /**
     * Stream: the client did not take the stream (it is going away, or holds as many streams as it
     * allows); nothing reached its service, so trying again is safe.
     */
    STREAM_REFUSED(24, "stream refused"),
    /** An error with no more specific code. */
    INTERNAL_ERROR(99, "internal error");

    private final int code;
    private final String description;

    GtErrorCode(int code, String description) {
        this.code = code;
        this.description = description;
    }

    /** The number sent on the wire. */
    public int code() {
        return code;
    }

    /** A short English description, the text GT logs for the same code. */
    public String description() {
        return description;
    }

    /** Whether the code is meant for a single stream rather than a whole tunnel. */
    public boolean isStreamCode() {
        return code >= 20 && code < 99;
    }

    /**
     * Whether a client that got this rejection may succeed by simply trying again later (a limit
     * that can free up, a timeout, a restart), as opposed to a rejection that needs a config change.
     */
    public boolean isRetryable() {
        switch (this) {
            case MAX_CONNECTIONS:
            case HOST_CONFLICT:
            case DIFFERENT_CONFIG:
            case GOING_AWAY:
            case TIMEOUT:
            case INTERNAL_ERROR:
            case BANNED:
            case AUTH_UNAVAILABLE:
            case SERVER_UNREACHABLE:
            case FAILED_TO_OPEN_TCP_PORT:
            case INVALID_ID_OR_SECRET: // the server's user list may change; GT retries too
                return true;
            default:
                return false;
        }
    }

    /**
     * The code with the given wire number.
     *
     * @throws IllegalArgumentException if no code has that number
     */
    public static GtErrorCode of(int code) {
        for (GtErrorCode c : values()) {
            if (c.code == code) {
                return c;
            }
        }
        throw new IllegalArgumentException("unknown GT error code: " + code);
    }

    /** The code with the given wire number, or {@link #INTERNAL_ERROR} for an unknown number. */
    public static GtErrorCode orInternal(int code) {
        for (GtErrorCode c : values()) {
            if (c.code == code) {
                return c;
            }
        }
        return INTERNAL_ERROR;
    }
}

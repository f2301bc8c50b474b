package dev.gt.api;

import java.util.Objects;

/** A failure with a stable {@link GtErrorCode}: a rejected handshake, a reset stream, a bad config. */
public class GtException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    private final GtErrorCode code;
    private final String detail;

    /** Creates an exception whose message is the code's description followed by {@code detail}. */
    public GtException(GtErrorCode code, String detail) {
        super(message(code, detail));
        this.code = Objects.requireNonNull(code, "code");
        this.detail = detail;
    }

    /** Creates an exception with a cause. */
    public GtException(GtErrorCode code, String detail, Throwable cause) {
        super(message(code, detail), cause);
        this.code = Objects.requireNonNull(code, "code");
        this.detail = detail;
    }

    /** What happened beyond the code's description (which limit, which value), or {@code null}. */
    public String detail() {
        return detail;
    }

    /** The error code. */
    public GtErrorCode code() {
        return code;
    }

    private static String message(GtErrorCode code, String detail) {
        String base = code.description() + " (code " + code.code() + ")";
        return detail == null || detail.isEmpty() ? base : base + ": " + detail;
    }
}

package dev.gt.runner.options;

import java.util.Locale;

/** The runner's log level, from GT's {@code -logLevel} spellings. */
public enum LogLevel {
    /** Everything. */
    TRACE("trace"),
    /** Per-connection detail. */
    DEBUG("debug"),
    /** Lifecycle: listening, connected, closed (GT's default). */
    INFO("info"),
    /** Recoverable trouble. */
    WARN("warn"),
    /** Failures; GT's fatal and panic map here. */
    ERROR("error"),
    /** Nothing; GT's disable and disabled. */
    OFF("off");

    private final String slf4jName;

    LogLevel(String slf4jName) {
        this.slf4jName = slf4jName;
    }

    /** The level's name as slf4j-simple's {@code defaultLogLevel} property takes it. */
    public String slf4jName() {
        return slf4jName;
    }

    /**
     * The level for a GT spelling: trace, debug, info, warn, error, fatal, panic, disable or
     * disabled, ignoring case.
     *
     * @throws OptionsException naming the value and the accepted spellings
     */
    public static LogLevel of(String gtName) {
        switch (gtName.trim().toLowerCase(Locale.ROOT)) {
            case "trace":
                return TRACE;
            case "debug":
                return DEBUG;
            case "info":
                return INFO;
            case "warn":
                return WARN;
            case "error":
            case "fatal":
            case "panic":
                return ERROR;
            case "disable":
            case "disabled":
                return OFF;
            default:
                throw new OptionsException("-logLevel '" + gtName + "' is not a log level (expected trace, debug, "
                        + "info, warn, error, fatal, panic or disable)");
        }
    }
}

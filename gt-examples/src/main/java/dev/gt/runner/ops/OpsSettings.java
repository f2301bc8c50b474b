package dev.gt.runner.ops;

import dev.gt.core.Addresses;
import dev.gt.runner.options.LogLevel;
import dev.gt.runner.options.OptionValues;
import dev.gt.runner.options.OptionsException;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;

/**
 * The operations options of one {@code gt server} or {@code gt client}, read from its option
 * values and checked: where the status API and the dashboard listen, with which certificates,
 * the dashboard's credentials, logging and Sentry.
 *
 * @param apiAddr the status API's address, or {@code null}
 * @param apiCert certificate of the status API, or {@code null} (plain HTTP)
 * @param apiKey its key
 * @param apiTls13 whether the status API requires TLS 1.3
 * @param webAddr the dashboard's address, or {@code null}
 * @param webCert certificate of the dashboard, or {@code null}
 * @param webKey its key
 * @param admin the dashboard user
 * @param password the dashboard password, or {@code null} to generate one
 * @param log the logging settings
 */
public record OpsSettings(InetSocketAddress apiAddr, Path apiCert, Path apiKey, boolean apiTls13,
        InetSocketAddress webAddr, Path webCert, Path webKey, String admin, String password, LogSetup.Settings log) {

    /** The default of {@code -logFileMaxSize}: 512 MiB, as GT. */
    public static final long DEFAULT_LOG_SIZE = 536_870_912L;
    /** The default of {@code -logFileMaxCount}, as GT. */
    public static final int DEFAULT_LOG_COUNT = 7;

    /**
     * Reads the operations options.
     *
     * @param workingDir where relative file names are resolved
     * @param release the runner's version, Sentry's default release
     * @throws OptionsException naming the option and what was expected
     */
    public static OpsSettings from(OptionValues v, Path workingDir, String release) {
        InetSocketAddress api = address(v, "apiAddr");
        Path apiCert = file(v, "apiCertFile", workingDir);
        Path apiKey = file(v, "apiKeyFile", workingDir);
        pair("apiCertFile", apiCert, "apiKeyFile", apiKey);
        String apiTls = v.string("apiTLSVersion");
        boolean tls13 = apiTls != null && apiTls.trim().toLowerCase(Locale.ROOT).equals("tls1.3");
        InetSocketAddress web = address(v, "webAddr");
        Path webCert = file(v, "webCertFile", workingDir);
        Path webKey = file(v, "webKeyFile", workingDir);
        pair("webCertFile", webCert, "webKeyFile", webKey);
        String admin = v.string("admin");
        if (admin == null || admin.isBlank()) {
            admin = "admin";
        }
        String password = v.string("password");
        if (password != null && password.isEmpty()) {
            password = null;
        }
        if (password != null && password.length() < 8) {
            throw new OptionsException("-password is " + password.length() + " characters long (expected at least 8)");
        }
        Path logFile = file(v, "logFile", workingDir);
        long size = v.isSet("logFileMaxSize") ? v.number("logFileMaxSize") : DEFAULT_LOG_SIZE;
        if (size < 1) {
            throw new OptionsException("-logFileMaxSize " + size + " (expected a size in bytes, at least 1)");
        }
        long count = v.isSet("logFileMaxCount") ? v.number("logFileMaxCount") : DEFAULT_LOG_COUNT;
        if (count < 1) {
            throw new OptionsException("-logFileMaxCount " + count + " (expected at least 1)");
        }
        LogSetup.SentrySettings sentry = null;
        String dsn = v.string("sentryDSN");
        if (dsn != null && !dsn.isBlank()) {
            double rate = v.isSet("sentrySampleRate") ? v.decimal("sentrySampleRate") : 1.0;
            if (!(rate >= 0 && rate <= 1)) {
                throw new OptionsException("-sentrySampleRate " + rate + " (expected 0.0 to 1.0)");
            }
            String releaseText = v.string("sentryRelease");
            sentry = new LogSetup.SentrySettings(dsn.trim(), sentryLevel(v.strings("sentryLevel")), rate,
                    releaseText == null || releaseText.isBlank() ? release : releaseText,
                    v.string("sentryEnvironment"), v.string("sentryServerName"), v.bool("sentryDebug"));
            checkDsn(sentry.dsn());
        }
        LogLevel level = LogLevel.of(v.string("logLevel"));
        return new OpsSettings(api, apiCert, apiKey, tls13, web, webCert, webKey, admin, password,
                new LogSetup.Settings(level, logFile, size, (int) Math.min(count, Integer.MAX_VALUE), sentry));
    }

    /** The lowest of GT's {@code -sentryLevel} values (error when none is given). */
    static LogLevel sentryLevel(List<String> levels) {
        if (levels.isEmpty()) {
            return LogLevel.ERROR;
        }
        LogLevel lowest = LogLevel.OFF;
        List<String> each = levels.stream().flatMap(x -> java.util.Arrays.stream(x.split(","))).map(String::trim)
                .filter(x -> !x.isEmpty()).toList();
        for (String l : each) {
            LogLevel level;
            try {
                level = LogLevel.of(l);
            } catch (OptionsException e) {
                throw new OptionsException("-sentryLevel '" + l + "' is not a level (expected trace, debug, info, "
                        + "warn, error, fatal or panic)");
            }
            if (level == LogLevel.OFF) {
                throw new OptionsException("-sentryLevel '" + l + "': to send nothing to Sentry, leave -sentryDSN out");
            }
            if (level.ordinal() < lowest.ordinal()) {
                lowest = level;
            }
        }
        return lowest;
    }

    /** A DSN is a URL with a key and a project: {@code https://KEY@host/PROJECT}; its text is secret. */
    private static void checkDsn(String dsn) {
        try {
            java.net.URI u = new java.net.URI(dsn);
            if (u.getScheme() == null || u.getUserInfo() == null || u.getHost() == null || u.getPath() == null
                    || u.getPath().length() < 2) {
                throw new OptionsException("-sentryDSN is not a Sentry DSN (expected https://KEY@HOST/PROJECT)");
            }
        } catch (java.net.URISyntaxException e) {
            throw new OptionsException("-sentryDSN is not a Sentry DSN (expected https://KEY@HOST/PROJECT)");
        }
    }

    private static InetSocketAddress address(OptionValues v, String option) {
        String text = v.string(option);
        if (text == null || text.isBlank()) {
            return null;
        }
        try {
            return Addresses.parseListen(option, text.trim());
        } catch (IllegalArgumentException e) {
            throw new OptionsException("-" + e.getMessage());
        }
    }

    private static Path file(OptionValues v, String option, Path workingDir) {
        String text = v.string(option);
        if (text == null || text.isBlank()) {
            return null;
        }
        try {
            return workingDir.resolve(text.trim());
        } catch (java.nio.file.InvalidPathException e) {
            throw new OptionsException("-" + option + " '" + text + "' is not a file name");
        }
    }

    private static void pair(String certOption, Path cert, String keyOption, Path key) {
        if ((cert == null) != (key == null)) {
            throw new OptionsException(cert == null ? "-" + keyOption + " is given without -" + certOption
                    : "-" + certOption + " is given without -" + keyOption);
        }
    }
}

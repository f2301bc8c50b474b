package dev.gt.runner.ops;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.PatternLayout;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.ConsoleAppender;
import ch.qos.logback.core.LayoutBase;
import ch.qos.logback.core.encoder.LayoutWrappingEncoder;
import ch.qos.logback.core.rolling.FixedWindowRollingPolicy;
import ch.qos.logback.core.rolling.RollingFileAppender;
import ch.qos.logback.core.rolling.SizeBasedTriggeringPolicy;
import ch.qos.logback.core.util.FileSize;
import dev.gt.runner.options.LogLevel;
import io.sentry.Breadcrumb;
import io.sentry.SentryEvent;
import io.sentry.SentryOptions;
import io.sentry.logback.SentryAppender;
import io.sentry.protocol.Message;
import io.sentry.protocol.SentryException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.LoggerFactory;

/**
 * The runner's logging: logback configured from GT's options. Standard error always (GT's
 * console); a file with {@code -logFile}, rotated at {@code -logFileMaxSize} bytes into
 * {@code FILE.1} ... {@code FILE.N} ({@code N} = {@code -logFileMaxCount}); Sentry with
 * {@code -sentryDSN}. Every line and event passes through {@link Secrets#mask}.
 */
public final class LogSetup {
    /** The pattern of every line: what slf4j-simple printed before, so logs read the same. */
    static final String PATTERN = "%d{yyyy-MM-dd HH:mm:ss.SSS} %level %logger{0} - %msg%n%ex";
    /** logback keeps at most this many rotated files. */
    static final int MAX_FILES = 20;

    private LogSetup() {
    }

    /**
     * Where and how to log.
     *
     * @param level the root level
     * @param file the log file, or {@code null} for standard error only
     * @param maxFileSize bytes at which the file is rotated
     * @param maxFiles rotated files kept (1 to {@value #MAX_FILES})
     * @param sentry the Sentry settings, or {@code null}
     */
    public record Settings(LogLevel level, Path file, long maxFileSize, int maxFiles, SentrySettings sentry) { }

    /**
     * GT's {@code -sentry*} options.
     *
     * @param dsn where events go
     * @param minimumLevel the lowest level sent (GT's {@code -sentryLevel}: error by default)
     * @param sampleRate 0.0 to 1.0
     * @param release the release, default the runner's version
     * @param environment may be null
     * @param serverName may be null (then the host name)
     * @param debug Sentry's own debug output
     */
    public record SentrySettings(String dsn, LogLevel minimumLevel, double sampleRate, String release,
            String environment, String serverName, boolean debug) { }

    /**
     * (Re)configures logback. Safe to call again on a reload: the appenders are replaced.
     */
    public static void configure(Settings s, Secrets secrets) {
        LoggerContext ctx = (LoggerContext) LoggerFactory.getILoggerFactory();
        Logger root = ctx.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
        root.detachAndStopAllAppenders();
        root.setLevel(level(s.level()));
        // Netty's own debug output (allocator, native loading ...) drowns GT's; trace shows it.
        ctx.getLogger("io.netty").setLevel(s.level() == LogLevel.TRACE ? Level.TRACE : Level.INFO);
        // Sentry's client logs through SLF4J too; its debug output is asked for with -sentryDebug.
        ctx.getLogger("io.sentry").setLevel(Level.INFO);

        ConsoleAppender<ILoggingEvent> console = new ConsoleAppender<>();
        console.setContext(ctx);
        console.setName("stderr");
        console.setTarget("System.err");
        console.setEncoder(encoder(ctx, secrets));
        console.start();
        root.addAppender(console);

        if (s.file() != null) {
            RollingFileAppender<ILoggingEvent> file = new RollingFileAppender<>();
            file.setContext(ctx);
            file.setName("file");
            file.setFile(s.file().toString());
            FixedWindowRollingPolicy rolling = new FixedWindowRollingPolicy();
            rolling.setContext(ctx);
            rolling.setParent(file);
            rolling.setFileNamePattern(s.file() + ".%i");
            rolling.setMinIndex(1);
            rolling.setMaxIndex(Math.max(1, Math.min(MAX_FILES, s.maxFiles())));
            rolling.start();
            SizeBasedTriggeringPolicy<ILoggingEvent> trigger = new SizeBasedTriggeringPolicy<>();
            trigger.setContext(ctx);
            trigger.setMaxFileSize(new FileSize(s.maxFileSize()));
            // logback looks at the size once a minute by default; a second keeps a small limit close.
            trigger.setCheckIncrement(ch.qos.logback.core.util.Duration.buildBySeconds(1));
            trigger.start();
            file.setRollingPolicy(rolling);
            file.setTriggeringPolicy(trigger);
            file.setEncoder(encoder(ctx, secrets));
            file.start();
            root.addAppender(file);
        }

        if (s.sentry() != null) {
            root.addAppender(sentry(ctx, s.sentry(), secrets));
        }
        if (s.file() != null && s.maxFiles() > MAX_FILES) {
            LoggerFactory.getLogger("gt.log").warn("-logFileMaxCount {}: keeping {} rotated files, the most this "
                    + "version keeps", s.maxFiles(), MAX_FILES);
        }
    }

    private static LayoutWrappingEncoder<ILoggingEvent> encoder(LoggerContext ctx, Secrets secrets) {
        PatternLayout pattern = new PatternLayout();
        pattern.setContext(ctx);
        pattern.setPattern(PATTERN);
        pattern.start();
        MaskingLayout layout = new MaskingLayout(pattern, secrets);
        layout.setContext(ctx);
        layout.start();
        LayoutWrappingEncoder<ILoggingEvent> encoder = new LayoutWrappingEncoder<>();
        encoder.setContext(ctx);
        encoder.setLayout(layout);
        encoder.start();
        return encoder;
    }

    private static SentryAppender sentry(LoggerContext ctx, SentrySettings s, Secrets secrets) {
        secrets.add(s.dsn());
        SentryOptions o = new SentryOptions();
        o.setDsn(s.dsn());
        o.setSampleRate(s.sampleRate());
        o.setRelease(s.release());
        o.setEnvironment(s.environment());
        if (s.serverName() != null && !s.serverName().isBlank()) {
            o.setServerName(s.serverName());
        }
        o.setDebug(s.debug());
        // No IP addresses or user data of this host's users beyond what the message says.
        o.setSendDefaultPii(false);
        o.setBeforeSend((event, hint) -> mask(event, secrets));
        o.setBeforeBreadcrumb((crumb, hint) -> {
            crumb.setMessage(secrets.mask(crumb.getMessage()));
            return crumb;
        });
        SentryAppender appender = new SentryAppender();
        appender.setContext(ctx);
        appender.setName("sentry");
        appender.setOptions(o);
        appender.setMinimumEventLevel(level(s.minimumLevel()));
        appender.setMinimumBreadcrumbLevel(Level.INFO);
        appender.start();
        return appender;
    }

    /** {@code event} with every known secret masked in its message, parameters and exceptions. */
    static SentryEvent mask(SentryEvent event, Secrets secrets) {
        Message m = event.getMessage();
        if (m != null) {
            m.setFormatted(secrets.mask(m.getFormatted()));
            m.setMessage(secrets.mask(m.getMessage()));
            if (m.getParams() != null) {
                List<String> params = new ArrayList<>();
                for (String p : m.getParams()) {
                    params.add(secrets.mask(p));
                }
                m.setParams(params);
            }
        }
        if (event.getExceptions() != null) {
            for (SentryException e : event.getExceptions()) {
                e.setValue(secrets.mask(e.getValue()));
            }
        }
        if (event.getBreadcrumbs() != null) {
            for (Breadcrumb b : event.getBreadcrumbs()) {
                b.setMessage(secrets.mask(b.getMessage()));
            }
        }
        return event;
    }

    static Level level(LogLevel l) {
        return switch (l) {
            case TRACE -> Level.TRACE;
            case DEBUG -> Level.DEBUG;
            case INFO -> Level.INFO;
            case WARN -> Level.WARN;
            case ERROR -> Level.ERROR;
            case OFF -> Level.OFF;
        };
    }

    /**
     * A pattern layout whose output has the known secrets masked and, in the library's lines, the
     * library's setting names said as the runner's flags.
     */
    static final class MaskingLayout extends LayoutBase<ILoggingEvent> {
        private final PatternLayout inner;
        private final Secrets secrets;

        MaskingLayout(PatternLayout inner, Secrets secrets) {
            this.inner = inner;
            this.secrets = secrets;
        }

        @Override
        public String doLayout(ILoggingEvent event) {
            String line = inner.doLayout(event);
            if (event.getLoggerName().startsWith("dev.gt.") && !event.getLoggerName().startsWith("dev.gt.runner")) {
                line = dev.gt.runner.options.OptionTable.flagNamesIn(line);
            }
            return secrets.mask(line);
        }
    }
}

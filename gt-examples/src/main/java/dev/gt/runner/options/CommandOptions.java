package dev.gt.runner.options;

import java.nio.file.Path;

/**
 * What {@link ServerOptions} and {@link ClientOptions} share: the parsed values, the filled
 * builder, the log level and the file that was loaded.
 *
 * @param <B> the builder type
 * @param <T> what the builder builds
 */
public abstract class CommandOptions<B, T> {
    private final boolean help;
    private final OptionValues values;
    private final B builder;
    private final LogLevel logLevel;
    private final Path configFile;

    CommandOptions(boolean help, OptionValues values, B builder, LogLevel logLevel, Path configFile) {
        this.help = help;
        this.values = values;
        this.builder = builder;
        this.logLevel = logLevel;
        this.configFile = configFile;
    }

    /** Runs the builder's final checks and builds. */
    abstract T create(B builder);

    /** Whether {@code -h}/{@code -help} was given; then nothing else was parsed. */
    public boolean helpRequested() {
        return help;
    }

    /** Whether {@code -version} was given. */
    public boolean versionRequested() {
        return values.bool("version");
    }

    /**
     * The builder, filled from defaults, file and command line; its {@code build()} still checks
     * what needs all options together.
     *
     * @throws IllegalStateException when help was requested (nothing was parsed then)
     */
    public B builder() {
        if (builder == null) {
            throw new IllegalStateException("help was requested; there is no configuration");
        }
        return builder;
    }

    /**
     * Builds from {@link #builder()}, reporting what the builder's final checks reject as an
     * {@link OptionsException} like every other problem, with the options' names where the library
     * names its settings.
     */
    public T build() {
        try {
            return create(builder());
        } catch (OptionsException e) {
            throw e;
        } catch (IllegalArgumentException e) {
            throw new OptionsException(values.table().translate(e.getMessage(), true), e);
        }
    }

    /**
     * Applies {@code step} to the builder (its final checks, a reconfiguration), reporting what
     * the library rejects as an {@link OptionsException} with the options' names, like
     * {@link #build()}.
     */
    public <R> R check(java.util.function.Function<B, R> step) {
        try {
            return step.apply(builder());
        } catch (OptionsException e) {
            throw e;
        } catch (IllegalArgumentException e) {
            throw new OptionsException(values.table().translate(e.getMessage(), true), e);
        }
    }

    /** A library message in the words of this command's options ({@code listenAddress} becomes {@code -addr}). */
    public String translate(String message) {
        return values.table().translate(message, true);
    }

    /** {@code -logLevel}. */
    public LogLevel logLevel() {
        return logLevel;
    }

    /** The configuration file that was loaded, or {@code null}. */
    public Path configFile() {
        return configFile;
    }

    /** Every option's value and origin. */
    public OptionValues values() {
        return values;
    }
}

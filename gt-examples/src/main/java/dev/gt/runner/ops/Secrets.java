package dev.gt.runner.ops;

import java.util.Comparator;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The secrets one runner process knows (user and client secrets, the dashboard password, the
 * Sentry DSN), so that whatever it writes to a log file, standard error or Sentry has them masked
 * as {@value #MASK}. The library never logs a secret; this is the second line of defence, for
 * text that came from elsewhere (an exception message quoting a command line, say).
 */
public final class Secrets {
    /** What a secret is replaced with. */
    public static final String MASK = "***";
    /** Shorter values are not masked: masking "ab" everywhere would garble the log, not protect it. */
    static final int MIN_LENGTH = 4;

    private final Set<String> values = ConcurrentHashMap.newKeySet();
    private volatile List<String> longestFirst = List.of();

    /** Remembers {@code secret} (null, blank and short values are ignored). */
    public void add(String secret) {
        if (secret == null || secret.isBlank() || secret.length() < MIN_LENGTH) {
            return;
        }
        if (values.add(secret)) {
            // Longest first, so that a secret containing another is masked whole.
            longestFirst = values.stream().sorted(Comparator.comparingInt(String::length).reversed()).toList();
        }
    }

    /** {@code text} with every known secret replaced by {@value #MASK}. */
    public String mask(String text) {
        if (text == null) {
            return null;
        }
        String out = text;
        for (String s : longestFirst) {
            if (out.contains(s)) {
                out = out.replace(s, MASK);
            }
        }
        return out;
    }

    /** Whether {@code text} contains a known secret. */
    public boolean leaks(String text) {
        if (text == null) {
            return false;
        }
        for (String s : longestFirst) {
            if (text.contains(s)) {
                return true;
            }
        }
        return false;
    }
}

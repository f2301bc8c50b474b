package dev.gt.core.testkit;

import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

import java.util.List;

/**
 * Fails a test class when Netty reported a resource leak while, or before, it ran. Registered for
 * every test class through {@code META-INF/services} and Jupiter's extension autodetection.
 *
 * <p>A leak is only noticed once the leaked object has been garbage-collected, so it can surface in
 * the class after the one that leaked; the records name the allocating code either way.
 */
public final class LeakCheckExtension implements BeforeAllCallback, AfterAllCallback {

    static {
        // Fallback when no launcher session listener ran (it normally already has).
        LeakRecorder.install();
    }

    @Override
    public void beforeAll(ExtensionContext context) {
        if (!LeakRecorder.isRecordingByteBufLeaks()) {
            throw new IllegalStateException("Netty buffers were initialised before LeakRecorder.install(); buffer"
                    + " leaks would go unnoticed (expected " + LeakRecorderSessionListener.class.getName()
                    + " to be registered in META-INF/services/org.junit.platform.launcher.LauncherSessionListener)");
        }
    }

    @Override
    public void afterAll(ExtensionContext context) {
        List<String> leaks = LeakRecorder.collectLeaks();
        if (!leaks.isEmpty()) {
            StringBuilder message = new StringBuilder()
                    .append(leaks.size()).append(" resource leak(s) reported by Netty after ")
                    .append(context.getDisplayName()).append(" (expected every ByteBuf to be released):");
            for (String leak : leaks) {
                message.append("\n\n").append(leak);
            }
            throw new AssertionError(message.toString());
        }
    }
}

package dev.gt.core.testkit;

import org.junit.platform.launcher.LauncherSession;
import org.junit.platform.launcher.LauncherSessionListener;

/**
 * Installs {@link LeakRecorder} when a JUnit launcher session opens: the earliest hook the platform
 * offers, before any test class (and so any Netty buffer class) is initialised.
 */
public final class LeakRecorderSessionListener implements LauncherSessionListener {
    @Override
    public void launcherSessionOpened(LauncherSession session) {
        LeakRecorder.install();
    }
}

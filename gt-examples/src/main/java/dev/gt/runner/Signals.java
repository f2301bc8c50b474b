package dev.gt.runner;

import org.slf4j.LoggerFactory;

/**
 * SIGHUP for reload, through {@code sun.misc.Signal} (module jdk.unsupported, in every JDK):
 * service managers ({@code systemctl reload}) send it. When the JVM refuses the handler (it runs
 * with {@code -Xrs}, say), {@code gt -s reload} still works through the control socket.
 */
final class Signals {
    private Signals() {
    }

    @SuppressWarnings("restriction")
    static void onHangUp(Runnable action) {
        try {
            sun.misc.Signal.handle(new sun.misc.Signal("HUP"), s -> action.run());
        } catch (IllegalArgumentException | UnsupportedOperationException | LinkageError e) {
            LoggerFactory.getLogger("gt.runner").warn("SIGHUP cannot reload this process ({}); use gt -s reload",
                    e.getMessage());
        }
    }
}

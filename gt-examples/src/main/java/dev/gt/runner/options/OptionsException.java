package dev.gt.runner.options;

/**
 * A command line or configuration file that cannot be used: an unknown or unsupported option, a
 * bad value, a malformed YAML file. The message is meant for the person who wrote the command
 * line: it names the option (and the file and line for YAML), the value and what was expected. It
 * never contains a secret.
 */
public class OptionsException extends IllegalArgumentException {
    private static final long serialVersionUID = 1L;

    /** Creates an exception with a message for the user. */
    public OptionsException(String message) {
        super(message);
    }

    /** Creates an exception with a message for the user and the underlying cause. */
    public OptionsException(String message, Throwable cause) {
        super(message, cause);
    }
}

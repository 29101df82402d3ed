package dev.cairn.cli;

/**
 * An expected failure of a command: printed as one line ({@code cairn: <message>}) with no stack
 * trace unless {@code --verbose}, and ended with {@link #exitCode()}. The message says what went
 * wrong and what to do.
 */
public final class CliException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    private final int exitCode;

    public CliException(int exitCode, String message) {
        super(message);
        this.exitCode = exitCode;
    }

    public CliException(int exitCode, String message, Throwable cause) {
        super(message, cause);
        this.exitCode = exitCode;
    }

    public int exitCode() {
        return exitCode;
    }
}

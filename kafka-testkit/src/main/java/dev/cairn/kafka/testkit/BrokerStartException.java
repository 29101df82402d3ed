package dev.cairn.kafka.testkit;

/**
 * A broker of this testkit could not be started (or did not become ready in time).
 *
 * <p>The message names the listener address and the data directory; the cause, when there is one,
 * is chained.
 */
public final class BrokerStartException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public BrokerStartException(String message) {
        super(message);
    }

    public BrokerStartException(String message, Throwable cause) {
        super(message, cause);
    }
}

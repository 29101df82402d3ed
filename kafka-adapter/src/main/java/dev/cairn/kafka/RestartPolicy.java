package dev.cairn.kafka;

import dev.cairn.core.CairnException;

import java.time.Duration;

/**
 * How often the job rolls back after a failure before it gives up: a fixed delay between attempts
 * and a maximum number of consecutive attempts (reset once a checkpoint completes after a restore).
 */
public record RestartPolicy(Duration delay, int maxAttempts) {
    public RestartPolicy {
        if (delay == null || delay.isNegative()) {
            throw new CairnException(CairnException.Reason.CONFIGURATION, "restart delay must be >= 0, was " + delay);
        }
        if (maxAttempts < 0) {
            throw new CairnException(CairnException.Reason.CONFIGURATION, "restart maxAttempts must be >= 0, was " + maxAttempts);
        }
    }

    /** Roll back after {@code delay}, at most {@code maxAttempts} times in a row. */
    public static RestartPolicy fixedDelay(Duration delay, int maxAttempts) {
        return new RestartPolicy(delay, maxAttempts);
    }

    /** Never roll back: the first failure fails the job. */
    public static RestartPolicy none() {
        return new RestartPolicy(Duration.ZERO, 0);
    }

    /** 1 s delay, 10 attempts. */
    public static RestartPolicy defaults() {
        return new RestartPolicy(Duration.ofSeconds(1), 10);
    }
}

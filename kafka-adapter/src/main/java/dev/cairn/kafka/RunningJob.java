package dev.cairn.kafka;

import dev.cairn.core.CairnException;

import java.time.Duration;
import java.util.Optional;

/**
 * A job (or the part of it hosted in this process) that runs. Closing it stops this process's
 * operators without a checkpoint: the next start restores from the latest complete one.
 */
public interface RunningJob extends AutoCloseable {

    /** The epoch this process runs in now (0 before the first one began). */
    int epoch();

    /** The checkpoint restored at the start of the current epoch (0 = fresh start). */
    long restoredCheckpoint();

    /** The newest checkpoint completed (known to the coordinator's process; 0 elsewhere). */
    long latestCompletedCheckpoint();

    /**
     * Takes a final checkpoint, then stops every process of the job (coordinator process only).
     *
     * @return true if the final checkpoint completed within {@code timeout}
     */
    boolean stopWithCheckpoint(Duration timeout);

    /** Waits until the job finished (bounded input done), was stopped, or failed. */
    boolean awaitTermination(Duration timeout) throws InterruptedException;

    /** True once the job finished, was stopped, or failed. */
    boolean isTerminated();

    /** Why the job failed for good, if it did. */
    Optional<CairnException> failure();

    /** Stops this process's part of the job without a checkpoint; idempotent. */
    @Override
    void close();
}

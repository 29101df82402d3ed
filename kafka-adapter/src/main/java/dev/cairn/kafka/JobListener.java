package dev.cairn.kafka;

import dev.cairn.core.CairnException;
import dev.cairn.core.manifest.Manifest;

/**
 * Hears what a running job does, for progress output and tests. Called from cairn's threads: keep
 * it quick and thread-safe. All optional.
 */
public interface JobListener {
    /** Epoch {@code epoch} began from checkpoint {@code restoredCheckpoint} (0 = fresh start). */
    default void onEpochStarted(int epoch, long restoredCheckpoint) {
    }

    /** Every operator hosted here restored and replayed its channel state. */
    default void onRestored(int epoch, long restoredCheckpoint, long restoreNanos) {
    }

    /** A checkpoint completed (coordinator process only). */
    default void onCheckpointCompleted(Manifest manifest, long durationNanos) {
    }

    /** A checkpoint failed (coordinator process only). */
    default void onCheckpointFailed(long checkpointId, String reason) {
    }

    /** The job rolls back after a failure. */
    default void onRollback(int failedEpoch, String reason) {
    }

    /** The job finished (bounded input processed, final checkpoint complete) or was stopped. */
    default void onFinished() {
    }

    /** The job failed for good. */
    default void onFailed(CairnException cause) {
    }
}

package dev.cairn.core.coordinator;

import dev.cairn.core.CairnException;
import dev.cairn.core.manifest.Manifest;

/** Hears what the coordinator decides; called on the coordinator's thread. All optional. */
public interface CoordinatorListener {
    /** Checkpoint committed: its manifest is durable. */
    default void onCompleted(Manifest manifest, long durationNanos) {
    }

    /**
     * A checkpoint failed (declined, timed out, could not be committed); {@code checkpointId} is 0
     * when no id could even be allocated.
     */
    default void onFailed(long checkpointId, String reason) {
    }

    /** Too many consecutive failures, or the coordinator was fenced: the job must stop or roll back. */
    default void onJobFailed(CairnException cause) {
    }
}

package dev.cairn.core.storage;

import java.util.Collections;
import java.util.Map;
import java.util.TreeMap;

/**
 * The current epoch of a job: allocated by the coordinator at every job start and every rollback.
 *
 * @param epoch                the epoch, >= 1
 * @param restoredCheckpointId the checkpoint this epoch restored, 0 for a fresh start
 * @param roster               which incarnation runs each operator (operator id to incarnation id)
 * @param createdAtMillis      wall-clock time the epoch began (informational)
 */
public record EpochRecord(int epoch, long restoredCheckpointId, Map<String, String> roster, long createdAtMillis) {
    public EpochRecord {
        if (epoch < 1) {
            throw new IllegalArgumentException("epoch must be >= 1, was " + epoch);
        }
        if (restoredCheckpointId < 0) {
            throw new IllegalArgumentException("restored checkpoint id must be >= 0, was " + restoredCheckpointId);
        }
        roster = Collections.unmodifiableMap(new TreeMap<>(roster));
    }

    public boolean isFreshStart() {
        return restoredCheckpointId == 0;
    }
}

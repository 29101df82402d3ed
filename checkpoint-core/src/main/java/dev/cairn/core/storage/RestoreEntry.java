package dev.cairn.core.storage;

/**
 * One entry of the restore history: epoch {@code epoch} started from checkpoint {@code
 * checkpointId} (0 for a fresh start).
 */
public record RestoreEntry(int epoch, long checkpointId) {
    public RestoreEntry {
        if (epoch < 1 || checkpointId < 0) {
            throw new IllegalArgumentException("invalid restore entry (" + epoch + ", " + checkpointId + ")");
        }
    }

    /**
     * True if checkpoint {@code id} taken in epoch {@code takenIn} belongs to a branch this entry
     * abandoned: a later epoch restored something older than it.
     */
    public boolean abandons(int takenIn, long id) {
        return epoch > takenIn && id > checkpointId;
    }
}

package dev.cairn.core.storage;

import dev.cairn.core.manifest.Manifest;

import java.util.List;

/** The outcome of {@link CheckpointStorage#latest}: three cases a caller must tell apart. */
public sealed interface LatestResult {

    /** Every checkpoint that was skipped, newest first, with the reason. */
    List<Skipped> skipped();

    /** A checkpoint skipped by latest(), with the reason naming the file and the fault. */
    record Skipped(long checkpointId, CheckpointStatus status, String reason) {
    }

    /** A restorable checkpoint. */
    record Found(Manifest manifest, List<Skipped> skipped) implements LatestResult {
        public Found {
            skipped = List.copyOf(skipped);
        }
    }

    /**
     * No checkpoint was ever committed: no checkpoint directory holds a manifest (directories of
     * checkpoints that never committed do not count: without a manifest a checkpoint does not
     * exist). Whether the job existed before is for the caller to tell from the epoch record.
     */
    record NoCheckpoint() implements LatestResult {
        @Override
        public List<Skipped> skipped() {
            return List.of();
        }
    }

    /** Checkpoints exist but none is restorable. */
    record NoneValid(List<Skipped> skipped) implements LatestResult {
        public NoneValid {
            skipped = List.copyOf(skipped);
        }
    }
}

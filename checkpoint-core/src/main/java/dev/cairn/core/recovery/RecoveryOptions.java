package dev.cairn.core.recovery;

import java.util.OptionalLong;

/**
 * How to recover.
 *
 * @param checkpointId a chosen checkpoint to restore instead of the latest
 * @param forceFresh   start fresh even though storage shows the job existed (its checkpoints, if
 *                     any, are abandoned: the fresh start enters the restore history)
 * @param deepVerify   verify every file's checksum before choosing a checkpoint, not only sizes
 * @param mapping      renames that let a checkpoint restore into a changed job
 */
public record RecoveryOptions(OptionalLong checkpointId, boolean forceFresh, boolean deepVerify, RestoreMapping mapping) {
    public static RecoveryOptions latest() {
        return new RecoveryOptions(OptionalLong.empty(), false, false, RestoreMapping.none());
    }

    public RecoveryOptions withCheckpoint(long id) {
        return new RecoveryOptions(OptionalLong.of(id), forceFresh, deepVerify, mapping);
    }

    public RecoveryOptions withForceFresh(boolean force) {
        return new RecoveryOptions(checkpointId, force, deepVerify, mapping);
    }

    public RecoveryOptions withDeepVerify(boolean deep) {
        return new RecoveryOptions(checkpointId, forceFresh, deep, mapping);
    }

    public RecoveryOptions withMapping(RestoreMapping m) {
        return new RecoveryOptions(checkpointId, forceFresh, deepVerify, m);
    }
}

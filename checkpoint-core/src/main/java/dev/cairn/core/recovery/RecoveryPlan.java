package dev.cairn.core.recovery;

import dev.cairn.core.manifest.Manifest;
import dev.cairn.core.storage.EpochRecord;
import dev.cairn.core.storage.LatestResult;

import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The outcome of a recovery: the new epoch, the checkpoint it restores (none for a fresh start),
 * what each operator does, and the checkpoints skipped on the way with their reasons.
 */
public record RecoveryPlan(EpochRecord epoch, Optional<Manifest> restored, Map<String, OperatorRestore> operators,
                           List<LatestResult.Skipped> skipped) {
    public RecoveryPlan {
        operators = Map.copyOf(operators);
        skipped = List.copyOf(skipped);
    }

    public long restoredCheckpointId() {
        return restored.map(Manifest::checkpointId).orElse(0L);
    }

    public OperatorRestore operator(String id) {
        OperatorRestore r = operators.get(id);
        if (r == null) {
            throw new IllegalArgumentException("no restore plan for operator '" + id + "'");
        }
        return r;
    }
}

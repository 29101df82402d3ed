package dev.cairn.core.state;

import dev.cairn.core.manifest.StateHandle;
import dev.cairn.core.storage.CheckpointStorage;

import java.util.Optional;

/**
 * Creates the state store of one operator (or chain). The in-memory backend serves the simulation
 * and tests; the RocksDB backend lives in the state-store module.
 */
public interface StateBackend {
    /** The name written into state handles; a handle of another backend is refused at restore. */
    String name();

    /**
     * Opens the store of {@code operatorId}, restoring it from {@code restoreFrom} if present
     * (verifying every file it reads). Called on the operator thread before {@code Operator.open}.
     */
    OperatorStateStore open(String operatorId, Optional<StateHandle> restoreFrom, CheckpointStorage storage);
}

package dev.cairn.core.state;

import dev.cairn.core.StateRegistry;

import java.util.Set;

/**
 * The state of one operator: what it registered, plus the two parts of a snapshot. Operator
 * thread only, except {@link StateSnapshot#persist()}, which runs on a background thread.
 */
public interface OperatorStateStore extends StateRegistry, AutoCloseable {

    /** Names of the registered states: the state layout recorded in a manifest. */
    Set<String> stateNames();

    /**
     * The synchronous part of a snapshot, taken between two records: capture what checkpoint
     * {@code checkpointId} must contain, quickly. Later writes to the state do not change it.
     */
    StateSnapshot snapshot(long checkpointId);

    /**
     * Every checkpoint up to {@code upTo} is complete: files they reference may be referenced again
     * by later snapshots instead of being copied.
     */
    default void checkpointsCompleted(long upTo) {
    }

    /** Checkpoint {@code checkpointId} will not complete. */
    default void checkpointAborted(long checkpointId) {
    }

    /** Releases the store; a second call does nothing. */
    @Override
    void close();
}

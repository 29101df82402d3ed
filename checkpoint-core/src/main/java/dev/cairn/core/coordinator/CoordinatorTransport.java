package dev.cairn.core.coordinator;

import java.util.Set;

/**
 * How the coordinator reaches operators: a control topic over Kafka, direct calls in the
 * simulation. Every message carries the coordinator's epoch; operators ignore other epochs.
 * Delivery may be delayed and reordered; the protocol copes.
 */
public interface CoordinatorTransport {
    /** Trigger checkpoint {@code checkpointId} at {@code operators}. */
    void trigger(int epoch, long checkpointId, Set<String> operators);

    /** Every checkpoint up to {@code upTo} is complete (best effort). */
    void notifyComplete(int epoch, long upTo);

    /** Checkpoint {@code checkpointId} will not complete. */
    void abort(int epoch, long checkpointId);
}

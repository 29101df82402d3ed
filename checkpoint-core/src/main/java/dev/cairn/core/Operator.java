package dev.cairn.core;

/**
 * A processing step whose state cairn checkpoints. Implement {@link #process}; the rest is
 * optional.
 *
 * <h2>Threading</h2>
 * Every method of one instance is called by one thread, the operator thread, never
 * concurrently. State needs no locking. Methods must not block for long: checkpoints are taken
 * between two calls of {@code process}.
 *
 * <h2>Lifecycle</h2>
 * {@link #open} once, then any number of {@link #process} calls interleaved with checkpoint
 * notices, then {@link #close}. After a failure anywhere in the job, the whole job rolls back: the
 * instance is closed and a new one is opened with the state of the latest complete checkpoint
 * ({@link OperatorContext#isRestored()} is then true). Records processed after that checkpoint are
 * delivered again, so the effect on registered state is exactly once. Effects outside registered
 * state (an external call, a field of the instance) are not rolled back.
 *
 * <h2>Checkpoints</h2>
 * Checkpoint ids strictly increase. A completed checkpoint subsumes every earlier one. Completion
 * and abort notices are best effort: they may be skipped (a later "complete up to n" covers
 * earlier ids) and may arrive after newer records were processed; never rely on them for
 * correctness of state.
 */
public interface Operator extends AutoCloseable {

    /**
     * Called once before any record, on the operator thread. Register state through {@code
     * context.state()}; restored values are already visible.
     */
    default void open(OperatorContext context) throws Exception {
    }

    /**
     * Processes one record. Emitted records are part of the same step: if this call is rolled
     * back, so are they (the restored upstream sends them again and stale copies are dropped).
     */
    void process(Record record, Emitter out) throws Exception;

    /**
     * Every checkpoint up to and including {@code upTo} is complete (best effort; ids may be
     * skipped). Called on the operator thread between records.
     */
    default void onCheckpointComplete(CheckpointId upTo) throws Exception {
    }

    /** Checkpoint {@code id} will not complete (best effort). Called on the operator thread. */
    default void onCheckpointAborted(CheckpointId id) throws Exception {
    }

    /** Releases resources. Called once on the operator thread; a second call does nothing. */
    @Override
    default void close() throws Exception {
    }
}

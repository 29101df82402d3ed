package dev.cairn.core.state;

import dev.cairn.core.manifest.StateHandle;

/**
 * A snapshot whose synchronous part is done. {@link #persist()} is the asynchronous part: it makes
 * the snapshot durable in checkpoint storage and returns the handle.
 */
public interface StateSnapshot {
    /**
     * Writes the snapshot to checkpoint storage; may run on any thread, once.
     *
     * @throws dev.cairn.core.CairnException (reason STORAGE) if it cannot be made durable; the
     *                                       checkpoint is then declined and the operator keeps running
     */
    StateHandle persist();

    /** Releases what the snapshot holds if it will never be persisted. Never throws. */
    void discard();
}

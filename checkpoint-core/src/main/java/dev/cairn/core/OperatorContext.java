package dev.cairn.core;

import java.util.OptionalLong;
import java.util.Set;

/**
 * What an operator learns in {@link Operator#open}: who it is, where its inputs and outputs go,
 * its state, and whether that state was restored from a checkpoint.
 */
public interface OperatorContext {
    /** The operator's stable id, unique within the job. */
    String operatorId();

    /** Names of the inputs records arrive from (upstream operator ids, or external input names). */
    Set<String> inputs();

    /** Names this operator may emit to (downstream operator ids, or sink names). */
    Set<String> outputs();

    /**
     * Register and look up state here, in {@code open}. Everything registered is part of every
     * checkpoint of this operator and is restored before the first record arrives.
     */
    StateRegistry state();

    /**
     * True when this operator's state was restored from a checkpoint, false on a fresh start.
     * Restoring is not a second code path: the registered state simply holds the restored values.
     */
    default boolean isRestored() {
        return restoredFrom().isPresent();
    }

    /** The checkpoint the state was restored from, if any. */
    OptionalLong restoredFrom();
}

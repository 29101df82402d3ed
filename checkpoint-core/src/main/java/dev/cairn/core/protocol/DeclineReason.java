package dev.cairn.core.protocol;

/** Why an operator declines a checkpoint: it can no longer complete there. */
public enum DeclineReason {
    /** The trigger or first marker arrived after the operator recorded a higher checkpoint. */
    BELOW_RECORDED,
    /** A later checkpoint's marker arrived on an input first: the sender never recorded this one. */
    SENDER_SKIPPED,
    /** The asynchronous part of the state snapshot failed (disk full, I/O error). */
    STATE_SNAPSHOT_FAILED,
    /** Copy mode: the in-flight records of this checkpoint exceeded the configured byte cap. */
    CHANNEL_STATE_LIMIT,
    /** Writing the checkpoint's files or descriptor to storage failed. */
    STORAGE_FAILURE
}

package dev.cairn.core.simulation;

/**
 * Deliberate bugs in the runtime around the protocol (restore rules, retention), switched on only
 * by tests to prove the oracle catches them. Protocol bugs are {@link
 * dev.cairn.core.protocol.ProtocolDefect}s.
 */
public enum SimDefect {
    /** Live input is not filtered by epoch after a restore: stale records are processed. */
    NO_EPOCH_FILTER,
    /** A reference range is replayed without the checkpoint's epoch floor. */
    RANGE_WITHOUT_EPOCH_FLOOR,
    /** Checkpoints may be recorded while restored channel state is still being replayed. */
    RECORD_DURING_REPLAY,
    /** Retention is told nothing is pending, so it may delete files of a pending checkpoint. */
    RETENTION_IGNORES_PENDING,
    /** A stalled coordinator of an older epoch runs retention as if its epoch were current. */
    RETENTION_WITHOUT_EPOCH_CHECK,
    /** A forced fresh start is not written to the restore history. */
    FRESH_START_NOT_IN_HISTORY
}

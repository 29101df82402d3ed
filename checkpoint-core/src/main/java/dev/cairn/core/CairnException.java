package dev.cairn.core;

/**
 * The one unchecked exception of cairn. The {@link Reason} tells what kind of failure it is; the
 * message names what and where (operator, checkpoint, path, topic, setting) and the cause is
 * chained.
 */
public class CairnException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    /** What went wrong, for callers that act on it. */
    public enum Reason {
        /** A setting or a combination of settings is invalid. */
        CONFIGURATION,
        /** The topology is invalid (unknown ids, unreachable operators, cycles in aligned mode). */
        TOPOLOGY,
        /** A checkpoint file is missing, truncated or fails its checksum. */
        CORRUPT_CHECKPOINT,
        /** The checkpoint storage cannot be read or written. */
        STORAGE,
        /** The restore target does not fit the job (topology or state layout differs). */
        INCOMPATIBLE_RESTORE,
        /** Storage shows the job existed but holds no valid checkpoint. */
        NO_VALID_CHECKPOINT,
        /** A newer epoch started: this incarnation is fenced and must stop. */
        FENCED,
        /** A record or marker on a channel is malformed. */
        MALFORMED_INPUT,
        /** A checkpoint failed (declined, timed out, too many consecutive failures). */
        CHECKPOINT_FAILED,
        /** An operator failed while processing. */
        OPERATOR_FAILED,
        /** Something outside (broker, network) is unavailable; retrying may help. */
        UNAVAILABLE
    }

    private final Reason reason;

    public CairnException(Reason reason, String message) {
        super(message);
        this.reason = reason;
    }

    public CairnException(Reason reason, String message, Throwable cause) {
        super(message, cause);
        this.reason = reason;
    }

    public Reason reason() {
        return reason;
    }
}

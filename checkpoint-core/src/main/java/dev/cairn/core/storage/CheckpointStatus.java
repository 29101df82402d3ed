package dev.cairn.core.storage;

/** What {@link CheckpointStorage#list} says of one checkpoint directory. */
public enum CheckpointStatus {
    /** The manifest verifies and every file is present: restorable. */
    COMPLETE,
    /** No manifest (yet): the checkpoint does not exist. */
    INCOMPLETE,
    /** The manifest or a referenced file is damaged or missing. */
    CORRUPT,
    /** Valid, but on a branch a later restore abandoned. */
    ABANDONED,
    /**
     * Intact, but written by a newer cairn in a format this build cannot read. Skipped by latest()
     * like a damaged one, but never removed by retention, and a caller may refuse to fall back past
     * it (restoring an older checkpoint after a downgrade rolls the job back further than needed).
     */
    NEWER_FORMAT
}

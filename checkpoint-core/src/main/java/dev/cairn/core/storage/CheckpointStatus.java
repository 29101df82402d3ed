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
    ABANDONED
}

package dev.cairn.core;

/** How the records in flight on a channel at a checkpoint become part of it. */
public enum InFlightMode {
    /**
     * The receiver appends the in-flight records to the checkpoint's channel-state file: the
     * checkpoint stands on its own. It completes when every marker has crossed its channel. The
     * default.
     */
    COPY,
    /**
     * Only the offset range {@code [receiver's position, sender's marker offset)} is kept and read
     * back from the channel topic at restore: no copying, and the checkpoint completes without
     * waiting for markers to cross a backlog. Needs channel retention to keep the range, which
     * cairn ensures by truncating channels only below retained checkpoints.
     */
    REFERENCE
}

package dev.cairn.core;

/** Whether operators wait for a checkpoint's markers on all inputs before recording. */
public enum AlignmentMode {
    /** Record at the trigger or the first marker; in-flight records become channel state. */
    UNALIGNED,
    /**
     * Hold each input once its marker arrived until it arrived on all inputs, then record: no
     * channel state. Needs an acyclic topology and triggers at the sources only. With an alignment
     * timeout, a checkpoint that waits longer switches to unaligned for that checkpoint.
     */
    ALIGNED
}

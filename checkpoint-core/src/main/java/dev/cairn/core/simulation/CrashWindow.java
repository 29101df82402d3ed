package dev.cairn.core.simulation;

/**
 * The named moments a simulated run aims its faults at (issue 3, DESIGN.md "Testing"). The
 * simulation counts how often each was actually hit, so a test can show that its random faults
 * reached every one of them rather than trusting luck.
 */
public enum CrashWindow {
    /** A crash while a pending checkpoint has a local snapshot written but no manifest renamed yet. */
    LOCAL_SNAPSHOT_BEFORE_MANIFEST,
    /** A crash point inside retention's cleanup. */
    DURING_RETENTION,
    /** A crash point while recovery reads storage and begins the new epoch. */
    DURING_RESTORE,
    /** A crash while an operator is still replaying the restored channel state. */
    DURING_REPLAY,
    /** A coordinator that stalled at a crash woke up after a newer epoch's coordinator replaced it. */
    STALLED_COORDINATOR_WOKE,
    /** An operator that survived a crash as a zombie took a step after its replacement started. */
    ZOMBIE_OPERATOR_ACTED
}

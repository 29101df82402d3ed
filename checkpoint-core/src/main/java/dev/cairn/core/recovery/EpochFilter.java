package dev.cairn.core.recovery;

/**
 * The rule for live input (DESIGN.md, "Epochs, rosters and fencing"): a receiver drops every record
 * and marker of an epoch below its own; one of a newer epoch means this incarnation is outdated
 * and must stop and join that epoch's restore.
 */
public final class EpochFilter {
    /** What to do with a record or marker read live. */
    public enum Verdict { ACCEPT, DROP_STALE, NEWER_EPOCH }

    private EpochFilter() {
    }

    public static Verdict live(int recordEpoch, int runEpoch) {
        if (recordEpoch == runEpoch) {
            return Verdict.ACCEPT;
        }
        return recordEpoch < runEpoch ? Verdict.DROP_STALE : Verdict.NEWER_EPOCH;
    }
}

package dev.cairn.core.protocol;

/**
 * Events the protocol ignored or declined instead of acting on, counted for metrics and tests.
 * Read on the operator thread (or after it stopped).
 */
public final class ProtocolCounters {
    long duplicateMarkers;
    long staleMarkers;
    long lateMarkers;
    long duplicateTriggers;
    long lateTriggers;
    long declines;
    long alignmentTimeouts;
    long recorded;
    long reported;

    /** A second marker of a checkpoint on the same input. */
    public long duplicateMarkers() {
        return duplicateMarkers;
    }

    /** Markers of checkpoints already completed or aborted. */
    public long staleMarkers() {
        return staleMarkers;
    }

    /** First markers of checkpoints below the highest recorded one (declined). */
    public long lateMarkers() {
        return lateMarkers;
    }

    /** Triggers of a checkpoint already recorded. */
    public long duplicateTriggers() {
        return duplicateTriggers;
    }

    /** Triggers below the highest recorded checkpoint, or of completed or aborted ones. */
    public long lateTriggers() {
        return lateTriggers;
    }

    /** Checkpoints this operator declined. */
    public long declines() {
        return declines;
    }

    /** Aligned checkpoints that timed out and were recorded unaligned. */
    public long alignmentTimeouts() {
        return alignmentTimeouts;
    }

    /** Checkpoints recorded. */
    public long recorded() {
        return recorded;
    }

    /** Local snapshots reported. */
    public long reported() {
        return reported;
    }
}

package dev.cairn.core.recovery;

import dev.cairn.core.manifest.FileRef;

/**
 * How one input channel resumes after a restore (DESIGN.md, "Restore", step 2): first the
 * restored channel state, then the live part from {@link #liveFrom()}, where every record and
 * marker of an epoch below the new one is dropped.
 */
public sealed interface InputPlan {

    /** Offset where live reading starts, or -1 for "the channel's end when the operator starts". */
    long liveFrom();

    /** A fresh start: nothing to replay; read from the channel's end at start. */
    record Fresh() implements InputPlan {
        @Override
        public long liveFrom() {
            return -1;
        }
    }

    /**
     * Copy mode: replay the records of {@code file} (none if {@code null}), then read live from the
     * sender's marker offset.
     */
    record Copied(FileRef file, long records, long liveFrom) implements InputPlan {
        public Copied {
            if (liveFrom < 0) {
                throw new IllegalArgumentException("live offset must be >= 0, was " + liveFrom);
            }
        }
    }

    /**
     * Reference mode: replay the data records of the channel in {@code [from, to)} whose epoch is at
     * least {@code floorEpoch} (the epoch the checkpoint was taken in; lower ones were dropped then
     * too), skipping markers; then read live from {@code to}.
     */
    record Range(long from, long to, int floorEpoch) implements InputPlan {
        public Range {
            if (from < 0 || to < from) {
                throw new IllegalArgumentException("invalid replay range [" + from + ", " + to + ")");
            }
        }

        @Override
        public long liveFrom() {
            return to;
        }

        /** Whether a data record of {@code epoch} inside the range is part of the channel state. */
        public boolean accepts(int epoch) {
            return epoch >= floorEpoch;
        }
    }
}

package dev.cairn.core;

/**
 * A checkpoint id: strictly increasing within a job and never reused, not even for a checkpoint
 * that never completed. The coordinator persists the counter before it triggers.
 */
public record CheckpointId(long value) implements Comparable<CheckpointId> {
    public CheckpointId {
        if (value < 1) {
            throw new IllegalArgumentException("checkpoint id must be >= 1, was " + value);
        }
    }

    public static CheckpointId of(long value) {
        return new CheckpointId(value);
    }

    public CheckpointId next() {
        return new CheckpointId(value + 1);
    }

    @Override
    public int compareTo(CheckpointId o) {
        return Long.compare(value, o.value);
    }

    @Override
    public String toString() {
        return Long.toString(value);
    }
}

package dev.cairn.core.storage;

/**
 * One line of a job's checkpoint history ({@code HISTORY.jsonl} in the job directory): what
 * happened to a checkpoint, for people and reports. Informational only: nothing restores from it,
 * and a line lost in a crash loses nothing but that line.
 *
 * @param checkpointId       the checkpoint
 * @param epoch              the epoch it ran in
 * @param status             {@code COMPLETED} or {@code FAILED}
 * @param atMillis           wall-clock time of the outcome
 * @param durationMillis     trigger to outcome
 * @param sizeBytes          bytes the checkpoint references (0 if failed)
 * @param inFlightRecords    in-flight records captured (copy mode; known part in reference mode)
 * @param reason             why it failed, or {@code null}
 */
public record CheckpointHistoryEntry(long checkpointId, int epoch, String status, long atMillis, long durationMillis,
                                     long sizeBytes, long inFlightRecords, String reason) {
    public static final String COMPLETED = "COMPLETED";
    public static final String FAILED = "FAILED";
}

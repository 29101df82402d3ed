package dev.cairn.core.manifest;

/**
 * One input channel of an operator in a local snapshot.
 *
 * @param position          where the channel state starts: the offset of the next record the
 *                          operator had not processed when it recorded (the marker's own offset if
 *                          the marker closed the channel before or at recording)
 * @param closedAt          the offset of the checkpoint's marker on this channel, if it had
 *                          arrived when the snapshot was reported, else -1 (reference mode only);
 *                          live input resumes here at restore
 * @param channelState      the copied in-flight records (copy mode), or {@code null} in reference
 *                          mode or when nothing was in flight
 * @param inFlightRecords   how many in-flight records the channel state holds (copy mode) or -1
 *                          when not known at the receiver (reference mode: the range ends at the
 *                          sender's marker offset)
 * @param inFlightBytes     bytes of those records, or -1 when not known
 */
public record InputSnapshot(long position, long closedAt, FileRef channelState, long inFlightRecords,
                            long inFlightBytes) {
    public InputSnapshot {
        if (position < 0) {
            throw new IllegalArgumentException("input position must be >= 0, was " + position);
        }
        if (closedAt < -1) {
            throw new IllegalArgumentException("closedAt must be >= -1, was " + closedAt);
        }
    }
}

package dev.cairn.core.protocol;

import dev.cairn.core.manifest.StateHandle;

import java.util.Map;

/**
 * The protocol's part of a local snapshot, handed to {@link ProtocolPort#reportReady}. Arrays are
 * indexed like the protocol's inputs and outputs and owned by the receiver.
 *
 * @param checkpointId     the checkpoint
 * @param positions        per input, where the channel state starts (next unprocessed offset at
 *                         recording; the marker's offset for an input its marker had closed)
 * @param closedAt         per input, the offset of this checkpoint's marker, or -1 if it had not
 *                         arrived when the snapshot was reported (reference mode only)
 * @param inFlightRecords  per input, records appended to the channel state (copy mode), else -1
 * @param markerOffsets    per output, the offset of this checkpoint's marker
 * @param state            the state handle
 * @param sourceOffsets    per external input, the next offset to read
 * @param alignedSwitched  true if an aligned checkpoint timed out and was recorded unaligned
 */
public record LocalSnapshotDraft(long checkpointId, long[] positions, long[] closedAt, long[] inFlightRecords,
                                 long[] markerOffsets, StateHandle state, Map<String, Long> sourceOffsets,
                                 boolean alignedSwitched) {
}

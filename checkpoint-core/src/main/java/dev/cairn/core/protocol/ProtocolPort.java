package dev.cairn.core.protocol;

import java.util.Map;

/**
 * What the protocol asks of the runtime that hosts an operator (the Kafka runner or the
 * simulation). Inputs and outputs are indices into the lists the protocol was built with. Every
 * call happens on the operator thread, from inside an event method of {@link OperatorProtocol}.
 */
public interface ProtocolPort {

    /**
     * Take the synchronous part of the state snapshot of checkpoint {@code checkpointId} now,
     * between two records, and start its asynchronous part; report the outcome later through
     * {@link OperatorProtocol#onStateSnapshotDone} or {@link OperatorProtocol#onStateSnapshotFailed}.
     *
     * @return per external input of a source, the offset of the next record to read (empty for a
     *         non-source)
     */
    Map<String, Long> snapshotState(long checkpointId);

    /**
     * Send marker {@code checkpointId} on output {@code output}, behind every record already sent on
     * it. Report its offset later through {@link OperatorProtocol#onMarkerSent}; a failed send is an
     * operator failure, not a protocol event.
     */
    void sendMarker(long checkpointId, int output);

    /**
     * Copy mode: the record about to be processed from {@code input} at {@code offset} belongs to the
     * channel state of {@code checkpointId}; append it to that checkpoint's channel-state file.
     */
    void appendChannelState(long checkpointId, int input, long offset);

    /** Copy mode: the channel state of {@code (checkpointId, input)} is closed; seal its file. */
    void closeChannelState(long checkpointId, int input);

    /**
     * Aligned mode: stop delivering {@code input}. Records already fetched past {@code position} must
     * be delivered again after {@link #releaseInput}, starting at {@code position}.
     */
    void holdInput(int input, long position);

    /** Aligned mode: deliver {@code input} again. */
    void releaseInput(int input);

    /** Every local condition of the checkpoint holds: write the local snapshot and acknowledge it. */
    void reportReady(LocalSnapshotDraft draft);

    /** This operator cannot complete {@code checkpointId}: tell the coordinator. */
    void decline(long checkpointId, DeclineReason reason, String detail);

    /**
     * Forget {@code checkpointId}: drop its channel-state files and its snapshot if it was never
     * reported (abort, decline, subsumed). Completions of its asynchronous work that still arrive
     * are ignored by the protocol.
     */
    void discard(long checkpointId);

    /**
     * The consumer's fetch position of {@code input} (ahead of the processed position). Used only
     * by the deliberately broken variant {@link ProtocolDefect#FETCH_POSITION_AS_START}.
     */
    default long fetchPosition(int input) {
        throw new UnsupportedOperationException("fetch position is not exposed by this runtime");
    }
}

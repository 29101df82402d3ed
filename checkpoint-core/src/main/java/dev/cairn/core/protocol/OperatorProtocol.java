package dev.cairn.core.protocol;

import dev.cairn.core.AlignmentMode;
import dev.cairn.core.InFlightMode;
import dev.cairn.core.manifest.StateHandle;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * The Chandy–Lamport protocol at one operator (or chain), transport-agnostic: the Kafka runner and
 * the simulation drive the same class with events and it calls out through a {@link ProtocolPort}.
 * There is no second implementation of these rules.
 *
 * <p>Events, all on the operator thread: a record at an offset on an input ({@link #onRecord}),
 * marker n on an input ({@link #onMarker}), trigger n ({@link #onTrigger}), completion of the
 * asynchronous work ({@link #onStateSnapshotDone}, {@link #onMarkerSent}), notices from the
 * coordinator ({@link #onComplete}, {@link #onAbort}), time ({@link #onTime}). The rules
 * (DESIGN.md, "The protocol at one operator"):
 *
 * <ol>
 *   <li><b>Record</b> at a trigger or the first marker n, whichever comes first: snapshot state,
 *       note input positions, send marker n on every output. The marker's input has empty channel
 *       state. In aligned mode, the first marker holds its input until marker n arrived on every
 *       input; then the operator records with no channel state (or, past the alignment timeout,
 *       records unaligned).</li>
 *   <li><b>In flight</b>: on every other input, what arrives before marker n is the channel state
 *       of n (appended to a file in copy mode; only the range is kept in reference mode).</li>
 *   <li><b>Close</b>: marker n on an input closes that input for n, and only for n.</li>
 *   <li><b>Report</b> when the state snapshot is durable, every marker's offset is known and, in
 *       copy mode, every input is closed.</li>
 * </ol>
 *
 * <p>Irregular events are handled deterministically, never by failing: an operator never records
 * a checkpoint below one it recorded (the late trigger or marker is declined); a marker of a
 * completed or aborted checkpoint, or a second marker on one input, is ignored and counted; a
 * marker n+k arriving on an input where n is still open means the sender never recorded n, so n
 * is declined. Until {@link #startLive} (after a restore, while restored channel state is
 * replayed) triggers wait and no checkpoint is recorded ("replay first").
 */
public final class OperatorProtocol {
    /** Completed ids are not remembered beyond this many recorded checkpoints. */
    private static final int RECORDED_MEMORY = 64;

    private final String operatorId;
    private final int inputCount;
    private final int outputCount;
    private final InFlightMode mode;
    private final AlignmentMode alignment;
    private final long alignmentTimeoutNanos; // < 0: none
    private final ProtocolPort port;
    private final Set<ProtocolDefect> defects;
    private final ProtocolCounters counters = new ProtocolCounters();

    /** Per input, the offset of the next record not yet processed. */
    private final long[] positions;
    /** Per input, how many pending checkpoints append its records (copy mode). */
    private final int[] copying;
    /** Per input, whether an aligning checkpoint holds it. */
    private final boolean[] held;

    /** Checkpoints recorded or aligning and not yet completed or aborted, by increasing id. */
    private final List<Pending> pending = new ArrayList<>(4);
    /** Ids recorded, remembered so a duplicate marker is not mistaken for a late one. */
    private final TreeSet<Long> recordedIds = new TreeSet<>();
    /** Ids aborted above the highest recorded one, so their late trigger or marker is ignored. */
    private final TreeSet<Long> abortedAbove = new TreeSet<>();
    /** Ids this operator declined, so it declines each once. */
    private final TreeSet<Long> declinedIds = new TreeSet<>();

    private long lastRecorded;
    private long completedUpTo;
    private boolean live;
    private final List<Long> deferredTriggers = new ArrayList<>();
    /** Reused by {@link #appendInFlight}, so the hot path does not allocate. */
    private Pending[] scratch = new Pending[4];
    /** Defect LATE_MARKERS: records to let through before the deferred markers go out. */
    private int lateMarkerCountdown = -1;

    private OperatorProtocol(Builder b) {
        this.operatorId = b.operatorId;
        this.inputCount = b.inputs;
        this.outputCount = b.outputs;
        this.mode = b.mode;
        this.alignment = b.alignment;
        this.alignmentTimeoutNanos = b.alignmentTimeoutNanos;
        this.port = b.port;
        this.defects = b.defects.isEmpty() ? EnumSet.noneOf(ProtocolDefect.class) : EnumSet.copyOf(b.defects);
        this.positions = new long[inputCount];
        this.copying = new int[inputCount];
        this.held = new boolean[inputCount];
        this.lastRecorded = b.restoredCheckpoint;
        this.completedUpTo = b.restoredCheckpoint;
        if (b.restoredCheckpoint > 0) {
            recordedIds.add(b.restoredCheckpoint);
        }
    }

    public static Builder builder(String operatorId, ProtocolPort port) {
        return new Builder(operatorId, port);
    }

    public ProtocolCounters counters() {
        return counters;
    }

    public String operatorId() {
        return operatorId;
    }

    /** The highest checkpoint recorded (or restored). */
    public long lastRecorded() {
        return lastRecorded;
    }

    /** The processed position of {@code input}. */
    public long position(int input) {
        return positions[input];
    }

    /** Ids of the checkpoints in progress here, ascending. */
    public List<Long> pendingIds() {
        List<Long> ids = new ArrayList<>(pending.size());
        for (Pending p : pending) {
            ids.add(p.id);
        }
        return ids;
    }

    /** Whether an aligning checkpoint holds {@code input}. */
    public boolean isHeld(int input) {
        return held[input];
    }

    /** True once {@link #startLive} was called. */
    public boolean isLive() {
        return live;
    }

    // ------------------------------------------------------------------------------------ events

    /**
     * Restored channel state has been replayed on every input (or there was none): from now on the
     * live part of each input is read, starting at {@code livePositions}, and triggers that waited
     * are handled.
     */
    public void startLive(long[] livePositions) {
        if (live) {
            throw new IllegalStateException(operatorId + ": startLive called twice");
        }
        if (livePositions.length != inputCount) {
            throw new IllegalArgumentException(operatorId + ": expected " + inputCount + " live positions, got "
                    + livePositions.length);
        }
        System.arraycopy(livePositions, 0, positions, 0, inputCount);
        live = true;
        List<Long> waiting = new ArrayList<>(deferredTriggers);
        deferredTriggers.clear();
        for (long id : waiting) {
            onTrigger(id);
        }
    }

    /**
     * A data record from {@code input} at {@code offset} is about to be processed; the caller
     * processes it before delivering any other event. Allocates nothing unless a checkpoint copies
     * this input.
     */
    public void onRecord(int input, long offset) {
        positions[input] = offset + 1;
        if (copying[input] > 0) {
            appendInFlight(input, offset);
        }
        if (lateMarkerCountdown >= 0 && lateMarkerCountdown-- == 0) {
            sendDeferredMarkers();
        }
    }

    private void appendInFlight(int input, long offset) {
        // The port may fail a checkpoint from inside appendChannelState (cap exceeded, storage error),
        // removing it from the pending list: iterate over a copy so no other checkpoint is skipped.
        int n = pending.size();
        if (scratch.length < n) {
            scratch = new Pending[Math.max(4, n * 2)];
        }
        pending.toArray(scratch);
        for (int k = 0; k < n; k++) {
            Pending p = scratch[k];
            scratch[k] = null;
            if (!p.removed && p.open != null && p.open[input]) {
                if (!defects.contains(ProtocolDefect.SKIP_IN_FLIGHT_RECORDS)) {
                    p.inFlight[input]++;
                    port.appendChannelState(p.id, input, offset);
                }
            }
        }
    }

    /** Marker {@code checkpointId} arrived on {@code input} at {@code offset}. */
    public void onMarker(int input, long offset, long checkpointId) {
        requireLive("marker " + checkpointId);
        positions[input] = offset + 1;
        if (checkpointId <= completedUpTo || abortedAbove.contains(checkpointId)) {
            counters.staleMarkers++;
            return;
        }
        // Channels are FIFO and markers of one sender go out in increasing id order: a checkpoint
        // below this one that still waits for its marker on this input will never get it.
        abandonSkipped(input, checkpointId);

        Pending p = find(checkpointId);
        if (p != null) {
            if (p.aligning) {
                if (p.markerSeen[input]) {
                    counters.duplicateMarkers++;
                    return;
                }
                p.markerSeen[input] = true;
                p.closedAt[input] = offset;
                hold(input, offset + 1);
                if (allMarkersSeen(p)) {
                    record(p, false);
                }
            } else if (p.open != null && p.open[input]) {
                close(p, input, offset);
                if (defects.contains(ProtocolDefect.MARKER_CLOSES_ALL)) {
                    for (Pending q : new ArrayList<>(pending)) {
                        if (q != p && q.open != null && q.open[input]) {
                            close(q, input, offset);
                        }
                    }
                }
            } else {
                counters.duplicateMarkers++;
            }
            return;
        }
        if (checkpointId <= lastRecorded) {
            if (recordedIds.contains(checkpointId)) {
                counters.duplicateMarkers++; // recorded here and already finished with
            } else {
                counters.lateMarkers++;
                declineOnce(checkpointId, DeclineReason.BELOW_RECORDED, "marker " + checkpointId + " arrived on input "
                        + input + " after checkpoint " + lastRecorded + " was recorded");
            }
            return;
        }
        // The first marker of a new checkpoint.
        Pending fresh = new Pending(checkpointId);
        insert(fresh);
        fresh.closedAt[input] = offset;
        if (alignment == AlignmentMode.ALIGNED) {
            fresh.aligning = true;
            fresh.markerSeen = new boolean[inputCount];
            fresh.markerSeen[input] = true;
            fresh.alignStartNanos = Long.MIN_VALUE; // set by the next onTime
            hold(input, offset + 1);
            if (allMarkersSeen(fresh)) {
                record(fresh, false);
            }
        } else {
            fresh.closedInput = input;
            record(fresh, false);
        }
    }

    /** The coordinator triggers checkpoint {@code checkpointId}. */
    public void onTrigger(long checkpointId) {
        if (!live) {
            deferredTriggers.add(checkpointId);
            return;
        }
        if (checkpointId <= completedUpTo || abortedAbove.contains(checkpointId)) {
            counters.lateTriggers++;
            return;
        }
        Pending p = find(checkpointId);
        if (p != null) {
            if (p.aligning) {
                // A trigger at an aligning operator: record now rather than wait (unaligned).
                record(p, true);
            } else {
                counters.duplicateTriggers++;
            }
            return;
        }
        if (checkpointId <= lastRecorded) {
            if (recordedIds.contains(checkpointId)) {
                counters.duplicateTriggers++;
            } else {
                counters.lateTriggers++;
                declineOnce(checkpointId, DeclineReason.BELOW_RECORDED, "trigger " + checkpointId
                        + " arrived after checkpoint " + lastRecorded + " was recorded");
            }
            return;
        }
        Pending fresh = new Pending(checkpointId);
        insert(fresh);
        record(fresh, false);
    }

    /** The asynchronous part of checkpoint {@code checkpointId}'s state snapshot is durable. */
    public void onStateSnapshotDone(long checkpointId, StateHandle handle) {
        Pending p = find(checkpointId);
        if (p == null || p.aligning || p.reported) {
            return; // aborted or declined meanwhile
        }
        p.state = handle;
        maybeReport(p);
    }

    /** The asynchronous part of the state snapshot failed: decline, keep running. */
    public void onStateSnapshotFailed(long checkpointId, String reason) {
        failCheckpoint(checkpointId, DeclineReason.STATE_SNAPSHOT_FAILED, reason);
    }

    /** The broker acknowledged marker {@code checkpointId} on {@code output} at {@code offset}. */
    public void onMarkerSent(long checkpointId, int output, long offset) {
        Pending p = find(checkpointId);
        if (p == null || p.aligning || p.reported) {
            return;
        }
        if (p.markerOffsets[output] < 0) {
            p.markerOffsets[output] = offset;
            p.markersOutstanding--;
            maybeReport(p);
        }
    }

    /**
     * The runtime cannot complete {@code checkpointId} here (channel-state cap, storage failure):
     * drop it and decline with the reason. The operator keeps running.
     */
    public void failCheckpoint(long checkpointId, DeclineReason reason, String detail) {
        Pending p = find(checkpointId);
        if (p == null || p.reported) {
            return;
        }
        remove(p);
        port.discard(checkpointId);
        declineOnce(checkpointId, reason, detail);
    }

    /**
     * Every checkpoint up to {@code upTo} is complete: the ones below it that are still pending
     * here are subsumed and dropped.
     */
    public void onComplete(long upTo) {
        if (upTo <= completedUpTo) {
            return;
        }
        completedUpTo = upTo;
        while (!pending.isEmpty() && pending.get(0).id <= upTo) {
            Pending p = pending.get(0);
            remove(p);
            if (!p.reported) {
                port.discard(p.id);
            }
        }
        abortedAbove.headSet(upTo, true).clear();
        declinedIds.headSet(upTo, true).clear();
        recordedIds.headSet(upTo, false).clear();
    }

    /** Checkpoint {@code checkpointId} will not complete. */
    public void onAbort(long checkpointId) {
        if (checkpointId <= completedUpTo) {
            return;
        }
        Pending p = find(checkpointId);
        if (p != null) {
            remove(p);
            port.discard(checkpointId);
        } else if (checkpointId > lastRecorded) {
            abortedAbove.add(checkpointId);
        }
    }

    /**
     * The time now, for the alignment timeout. Call it regularly (every loop iteration is fine:
     * it allocates nothing).
     */
    public void onTime(long nowNanos) {
        if (alignment != AlignmentMode.ALIGNED || pending.isEmpty()) {
            return;
        }
        for (int k = 0; k < pending.size(); k++) {
            Pending p = pending.get(k);
            if (!p.aligning) {
                continue;
            }
            if (p.alignStartNanos == Long.MIN_VALUE) {
                p.alignStartNanos = nowNanos;
            }
            if (alignmentTimeoutNanos >= 0 && nowNanos - p.alignStartNanos >= alignmentTimeoutNanos) {
                counters.alignmentTimeouts++;
                record(p, true);
                return; // the pending list may have changed; the next call looks again
            }
        }
    }

    // ------------------------------------------------------------------------------------ internals

    /**
     * Records checkpoint {@code p}: snapshot state, note positions, open the inputs whose marker has
     * not arrived, send markers, release held inputs.
     *
     * @param switchedFromAligned true if an aligning checkpoint is recorded before all its markers
     *                            arrived (alignment timeout, or a trigger)
     */
    private void record(Pending p, boolean switchedFromAligned) {
        boolean wasAligning = p.aligning;
        p.aligning = false;
        p.switched = switchedFromAligned;
        lastRecorded = Math.max(lastRecorded, p.id);
        recordedIds.add(p.id);
        if (recordedIds.size() > RECORDED_MEMORY) {
            recordedIds.pollFirst();
        }
        abortedAbove.headSet(p.id, true).clear();
        counters.recorded++;

        p.sourceOffsets = port.snapshotState(p.id);

        p.positions = new long[inputCount];
        p.open = new boolean[inputCount];
        p.inFlight = new long[inputCount];
        for (int i = 0; i < inputCount; i++) {
            boolean markerArrived = wasAligning ? p.markerSeen[i] : i == p.closedInput;
            if (markerArrived) {
                p.positions[i] = p.closedAt[i];
            } else {
                p.positions[i] = defects.contains(ProtocolDefect.FETCH_POSITION_AS_START)
                        ? port.fetchPosition(i) : positions[i];
                p.open[i] = true;
                p.openCount++;
                if (mode == InFlightMode.COPY) {
                    copying[i]++;
                }
            }
            if (mode == InFlightMode.COPY) {
                p.inFlight[i] = 0;
            } else {
                p.inFlight[i] = -1;
            }
        }

        p.markerOffsets = new long[outputCount];
        Arrays.fill(p.markerOffsets, -1);
        p.markersOutstanding = outputCount;
        if (defects.contains(ProtocolDefect.LATE_MARKERS) && outputCount > 0) {
            p.markersDeferred = true;
            lateMarkerCountdown = 3;
        } else {
            for (int o = 0; o < outputCount; o++) {
                port.sendMarker(p.id, o);
            }
        }

        if (wasAligning) {
            for (int i = 0; i < inputCount; i++) {
                if (held[i] && p.markerSeen[i]) {
                    held[i] = false;
                    port.releaseInput(i);
                }
            }
        }
        maybeReport(p);
    }

    private void sendDeferredMarkers() {
        for (Pending p : new ArrayList<>(pending)) {
            if (p.markersDeferred) {
                p.markersDeferred = false;
                for (int o = 0; o < outputCount; o++) {
                    port.sendMarker(p.id, o);
                }
            }
        }
    }

    private void close(Pending p, int input, long offset) {
        p.open[input] = false;
        p.openCount--;
        p.closedAt[input] = offset;
        if (mode == InFlightMode.COPY) {
            copying[input]--;
            port.closeChannelState(p.id, input);
        }
        maybeReport(p);
    }

    private void maybeReport(Pending p) {
        if (p.removed || p.reported || p.aligning || p.state == null || p.markersOutstanding > 0) {
            return;
        }
        if (mode == InFlightMode.COPY && p.openCount > 0) {
            return;
        }
        p.reported = true;
        counters.reported++;
        long[] closedAt = p.closedAt.clone();
        port.reportReady(new LocalSnapshotDraft(p.id, p.positions.clone(), closedAt, p.inFlight.clone(),
                p.markerOffsets.clone(), p.state, p.sourceOffsets == null ? Map.of() : p.sourceOffsets, p.switched));
        if (mode == InFlightMode.COPY) {
            // Nothing is left to track for it: keep only the id, so a duplicate marker is recognised.
            remove(p);
        }
    }

    /**
     * Marker {@code newer} arrived on {@code input}: every checkpoint below it still waiting for its
     * marker on that input will never get it (FIFO, increasing ids per sender), so it is declined.
     */
    private void abandonSkipped(int input, long newer) {
        for (Pending q : new ArrayList<>(pending)) {
            if (q.id >= newer) {
                break;
            }
            boolean waiting = q.aligning ? !q.markerSeen[input] : q.open != null && q.open[input];
            if (!waiting) {
                continue;
            }
            if (q.reported) {
                // Reference mode: already reported; the sender's decline fails it. Stop tracking it.
                remove(q);
                continue;
            }
            remove(q);
            port.discard(q.id);
            declineOnce(q.id, DeclineReason.SENDER_SKIPPED, "marker " + newer + " arrived on input " + input
                    + " before marker " + q.id);
        }
    }

    private void declineOnce(long checkpointId, DeclineReason reason, String detail) {
        if (declinedIds.add(checkpointId)) {
            counters.declines++;
            port.decline(checkpointId, reason, operatorId + ": " + detail);
        }
    }

    private void hold(int input, long position) {
        held[input] = true;
        port.holdInput(input, position);
    }

    private boolean allMarkersSeen(Pending p) {
        for (boolean seen : p.markerSeen) {
            if (!seen) {
                return false;
            }
        }
        return true;
    }

    private Pending find(long id) {
        for (int k = 0; k < pending.size(); k++) {
            Pending p = pending.get(k);
            if (p.id == id) {
                return p;
            }
        }
        return null;
    }

    private void insert(Pending p) {
        int k = pending.size();
        while (k > 0 && pending.get(k - 1).id > p.id) {
            k--;
        }
        pending.add(k, p);
    }

    /** Removes {@code p} and undoes what it holds: copy counts, held inputs. */
    private void remove(Pending p) {
        if (p.removed) {
            return;
        }
        p.removed = true;
        pending.remove(p);
        if (p.open != null && mode == InFlightMode.COPY) {
            for (int i = 0; i < inputCount; i++) {
                if (p.open[i]) {
                    copying[i]--;
                }
            }
        }
        if (p.open != null) {
            Arrays.fill(p.open, false);
        }
        if (p.aligning) {
            for (int i = 0; i < inputCount; i++) {
                if (held[i] && p.markerSeen[i]) {
                    held[i] = false;
                    port.releaseInput(i);
                }
            }
        }
        if (p.markersDeferred) {
            p.markersDeferred = false;
        }
    }

    private void requireLive(String what) {
        if (!live) {
            throw new IllegalStateException(operatorId + ": " + what + " delivered before startLive:"
                    + " markers inside replayed channel state are skipped by the runtime, never delivered");
        }
    }

    /** One checkpoint in progress at this operator. */
    private final class Pending {
        final long id;
        boolean aligning;
        boolean[] markerSeen;
        long alignStartNanos;
        boolean switched;
        int closedInput = -1;
        final long[] closedAt;
        long[] positions;
        boolean[] open;
        int openCount;
        long[] inFlight;
        long[] markerOffsets;
        int markersOutstanding;
        boolean markersDeferred;
        StateHandle state;
        Map<String, Long> sourceOffsets;
        boolean reported;
        /** Completed, aborted, declined or failed: every later event for it is ignored. */
        boolean removed;

        Pending(long id) {
            this.id = id;
            this.closedAt = new long[inputCount];
            Arrays.fill(closedAt, -1);
        }
    }

    /** Builds a protocol for one operator. */
    public static final class Builder {
        private final String operatorId;
        private final ProtocolPort port;
        private int inputs;
        private int outputs;
        private InFlightMode mode = InFlightMode.COPY;
        private AlignmentMode alignment = AlignmentMode.UNALIGNED;
        private long alignmentTimeoutNanos = -1;
        private long restoredCheckpoint;
        private final Set<ProtocolDefect> defects = EnumSet.noneOf(ProtocolDefect.class);

        private Builder(String operatorId, ProtocolPort port) {
            if (operatorId == null || port == null) {
                throw new IllegalArgumentException("operator id and port must be set");
            }
            this.operatorId = operatorId;
            this.port = port;
        }

        public Builder inputs(int count) {
            if (count < 0) {
                throw new IllegalArgumentException("input count must be >= 0, was " + count);
            }
            this.inputs = count;
            return this;
        }

        public Builder outputs(int count) {
            if (count < 0) {
                throw new IllegalArgumentException("output count must be >= 0, was " + count);
            }
            this.outputs = count;
            return this;
        }

        public Builder inFlightMode(InFlightMode mode) {
            this.mode = java.util.Objects.requireNonNull(mode, "inFlightMode");
            return this;
        }

        public Builder alignment(AlignmentMode alignment) {
            this.alignment = java.util.Objects.requireNonNull(alignment, "alignment");
            return this;
        }

        /** Aligned mode: switch a checkpoint to unaligned once it aligned this long; < 0 = never. */
        public Builder alignmentTimeoutNanos(long nanos) {
            this.alignmentTimeoutNanos = nanos;
            return this;
        }

        /** The checkpoint this operator was restored from (0 for a fresh start). */
        public Builder restoredFrom(long checkpointId) {
            if (checkpointId < 0) {
                throw new IllegalArgumentException("restored checkpoint must be >= 0, was " + checkpointId);
            }
            this.restoredCheckpoint = checkpointId;
            return this;
        }

        /** Test only: switch on deliberately broken behaviour. */
        public Builder defect(ProtocolDefect defect) {
            this.defects.add(defect);
            return this;
        }

        public OperatorProtocol build() {
            return new OperatorProtocol(this);
        }
    }
}

package dev.cairn.core.protocol;

import dev.cairn.core.AlignmentMode;
import dev.cairn.core.InFlightMode;
import dev.cairn.core.manifest.StateHandle;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Event orders that matter at one operator; two inputs (in0, in1) and one output unless noted. */
class OperatorProtocolTest {
    private static final StateHandle STATE = StateHandle.empty("test");

    private final RecordingPort port = new RecordingPort();

    private OperatorProtocol protocol(InFlightMode mode, AlignmentMode alignment, int inputs, int outputs) {
        OperatorProtocol p = OperatorProtocol.builder("op", port).inputs(inputs).outputs(outputs)
                .inFlightMode(mode).alignment(alignment).alignmentTimeoutNanos(1_000).build();
        p.startLive(new long[inputs]);
        return p;
    }

    private OperatorProtocol copy() {
        return protocol(InFlightMode.COPY, AlignmentMode.UNALIGNED, 2, 1);
    }

    @Test
    void firstMarkerRecordsAtOnceAndLeavesItsOwnInputEmpty() {
        OperatorProtocol p = copy();
        p.onRecord(0, 0);
        p.onRecord(1, 0);
        p.onMarker(0, 1, 5);
        assertThat(port.drain()).containsExactly("snapshot 5", "marker 5 -> out0");
        p.onRecord(0, 2); // after the marker on in0: not in flight
        p.onRecord(1, 1); // in flight on in1
        assertThat(port.drain()).containsExactly("append 5 in1@1");
        p.onStateSnapshotDone(5, STATE);
        p.onMarkerSent(5, 0, 77);
        assertThat(port.reports).as("copy mode waits for the marker on in1").isEmpty();
        p.onMarker(1, 2, 5);
        assertThat(port.drain()).containsExactly("close 5 in1", "report 5");
        LocalSnapshotDraft d = port.reports.get(0);
        assertThat(d.positions()).containsExactly(1, 1);
        assertThat(d.closedAt()).containsExactly(1, 2);
        assertThat(d.inFlightRecords()).containsExactly(0, 1);
        assertThat(d.markerOffsets()).containsExactly(77);
    }

    @Test
    void triggerAfterMarkerOfTheSameCheckpointIsADuplicate() {
        OperatorProtocol p = copy();
        p.onMarker(0, 0, 3);
        port.drain();
        p.onTrigger(3);
        assertThat(port.drain()).isEmpty();
        assertThat(p.counters().duplicateTriggers()).isEqualTo(1);
        assertThat(port.snapshots).containsExactly(3L);
    }

    @Test
    void triggerRecordsWithEveryInputOpen() {
        OperatorProtocol p = copy();
        p.onRecord(0, 0);
        p.onTrigger(1);
        p.onRecord(0, 1);
        p.onRecord(1, 0);
        assertThat(port.drain()).containsExactly("snapshot 1", "marker 1 -> out0", "append 1 in0@1", "append 1 in1@0");
        p.onMarker(0, 2, 1);
        p.onMarker(1, 1, 1);
        p.onMarkerSent(1, 0, 10);
        p.onStateSnapshotDone(1, STATE);
        assertThat(port.drain()).containsExactly("close 1 in0", "close 1 in1", "report 1");
        assertThat(port.reports.get(0).positions()).containsExactly(1, 0);
    }

    @Test
    void laterMarkersOfARecordedCheckpointOnlyCloseTheirInput() {
        OperatorProtocol p = copy();
        p.onTrigger(1);
        port.drain();
        p.onMarker(1, 0, 1);
        assertThat(port.drain()).containsExactly("close 1 in1");
        p.onRecord(1, 1);
        p.onRecord(0, 0);
        assertThat(port.drain()).containsExactly("append 1 in0@0");
    }

    @Test
    void overlappingCheckpointsEachCloseOnTheirOwnMarker() {
        OperatorProtocol p = copy();
        p.onTrigger(1);
        p.onTrigger(2);
        port.drain();
        p.onRecord(1, 0);
        assertThat(port.drain()).containsExactly("append 1 in1@0", "append 2 in1@0");
        p.onMarker(1, 1, 1);
        assertThat(port.drain()).containsExactly("close 1 in1");
        p.onRecord(1, 2);
        assertThat(port.drain()).as("after marker 1 only checkpoint 2 records in1").containsExactly("append 2 in1@2");
        p.onMarker(1, 3, 2);
        assertThat(port.drain()).containsExactly("close 2 in1");
    }

    @Test
    void lateTriggerBelowARecordedCheckpointIsDeclinedOnce() {
        OperatorProtocol p = copy();
        p.onTrigger(4);
        port.drain();
        p.onTrigger(3);
        p.onMarker(0, 0, 3);
        assertThat(port.drain()).containsExactly("decline 3 BELOW_RECORDED");
        assertThat(port.snapshots).containsExactly(4L);
        assertThat(p.counters().lateTriggers()).isEqualTo(1);
        assertThat(p.counters().lateMarkers()).isEqualTo(1);
    }

    @Test
    void abortMidRecordingStopsCopyingAndIgnoresLaterEvents() {
        OperatorProtocol p = copy();
        p.onTrigger(1);
        port.drain();
        p.onRecord(0, 0);
        p.onAbort(1);
        assertThat(port.drain()).containsExactly("append 1 in0@0", "discard 1");
        p.onRecord(0, 1);
        p.onStateSnapshotDone(1, STATE);
        p.onMarkerSent(1, 0, 5);
        p.onMarker(0, 2, 1);
        p.onMarker(1, 0, 1);
        assertThat(port.drain()).isEmpty();
        assertThat(p.pendingIds()).isEmpty();
    }

    @Test
    void abortBeforeTheTriggerArrivesMakesTheTriggerAndMarkersNoOps() {
        OperatorProtocol p = copy();
        p.onAbort(7);
        p.onTrigger(7);
        p.onMarker(0, 0, 7);
        assertThat(port.drain()).isEmpty();
        assertThat(p.counters().staleMarkers()).isEqualTo(1);
        assertThat(p.counters().lateTriggers()).isEqualTo(1);
    }

    @Test
    void duplicateMarkerOnOneInputIsIgnoredAndCounted() {
        OperatorProtocol p = copy();
        p.onMarker(0, 0, 1);
        port.drain();
        p.onMarker(0, 1, 1);
        assertThat(port.drain()).isEmpty();
        assertThat(p.counters().duplicateMarkers()).isEqualTo(1);
        // also after the checkpoint was reported and forgotten (copy mode)
        p.onMarker(1, 0, 1);
        p.onStateSnapshotDone(1, STATE);
        p.onMarkerSent(1, 0, 9);
        assertThat(port.drain()).containsExactly("close 1 in1", "report 1");
        p.onMarker(1, 1, 1);
        assertThat(port.drain()).as("a duplicate, not a late marker: no decline").isEmpty();
        assertThat(p.counters().duplicateMarkers()).isEqualTo(2);
    }

    @Test
    void markerOfAnUnknownHigherCheckpointStartsRecordingIt() {
        OperatorProtocol p = copy();
        p.onMarker(1, 0, 42);
        assertThat(port.drain()).containsExactly("snapshot 42", "marker 42 -> out0");
        assertThat(p.lastRecorded()).isEqualTo(42);
    }

    @Test
    void markerOfAnUnknownLowerCheckpointIsDeclinedNotRecorded() {
        OperatorProtocol p = copy();
        p.onMarker(1, 0, 42);
        port.drain();
        p.onMarker(0, 0, 17);
        assertThat(port.drain()).containsExactly("decline 17 BELOW_RECORDED");
        assertThat(port.snapshots).containsExactly(42L);
    }

    @Test
    void markerOfACompletedCheckpointIsStale() {
        OperatorProtocol p = copy();
        p.onComplete(10);
        p.onMarker(0, 0, 9);
        p.onMarker(0, 1, 10);
        assertThat(port.drain()).isEmpty();
        assertThat(p.counters().staleMarkers()).isEqualTo(2);
    }

    @Test
    void higherMarkerOnAnInputStillOpenForALowerCheckpointDeclinesTheLowerOne() {
        OperatorProtocol p = copy();
        p.onTrigger(1);
        port.drain();
        p.onMarker(1, 0, 2); // the sender of in1 never recorded 1
        assertThat(port.drain()).containsExactly("discard 1", "decline 1 SENDER_SKIPPED", "snapshot 2", "marker 2 -> out0");
        assertThat(p.pendingIds()).containsExactly(2L);
    }

    @Test
    void referenceModeReportsWithoutWaitingForMarkers() {
        OperatorProtocol p = protocol(InFlightMode.REFERENCE, AlignmentMode.UNALIGNED, 2, 1);
        p.onRecord(0, 0);
        p.onRecord(0, 1);
        p.onTrigger(1);
        p.onRecord(1, 0);
        p.onStateSnapshotDone(1, STATE);
        p.onMarkerSent(1, 0, 3);
        assertThat(port.drain()).containsExactly("snapshot 1", "marker 1 -> out0", "report 1");
        LocalSnapshotDraft d = port.reports.get(0);
        assertThat(d.positions()).containsExactly(2, 0);
        assertThat(d.closedAt()).containsExactly(-1, -1);
        assertThat(d.inFlightRecords()).containsExactly(-1, -1);
        p.onMarker(1, 1, 1); // arrives after the report: closes quietly
        assertThat(port.drain()).isEmpty();
    }

    @Test
    void reportWaitsForStateAndEveryMarkerOffset() {
        OperatorProtocol p = protocol(InFlightMode.REFERENCE, AlignmentMode.UNALIGNED, 0, 2);
        p.onTrigger(1);
        p.onMarkerSent(1, 0, 1);
        p.onStateSnapshotDone(1, STATE);
        assertThat(port.reports).isEmpty();
        p.onMarkerSent(1, 1, 4);
        assertThat(port.reports).hasSize(1);
        assertThat(port.reports.get(0).markerOffsets()).containsExactly(1, 4);
    }

    @Test
    void stateSnapshotFailureDeclinesAndTheNextCheckpointSucceeds() {
        OperatorProtocol p = protocol(InFlightMode.COPY, AlignmentMode.UNALIGNED, 0, 1);
        p.onTrigger(1);
        p.onStateSnapshotFailed(1, "disk full");
        assertThat(port.drain()).containsExactly("snapshot 1", "marker 1 -> out0", "discard 1", "decline 1 STATE_SNAPSHOT_FAILED");
        p.onTrigger(2);
        p.onStateSnapshotDone(2, STATE);
        p.onMarkerSent(2, 0, 8);
        assertThat(port.drain()).containsExactly("snapshot 2", "marker 2 -> out0", "report 2");
    }

    @Test
    void completionSubsumesLowerPendingCheckpoints() {
        OperatorProtocol p = copy();
        p.onTrigger(1);
        p.onTrigger(2);
        port.drain();
        p.onComplete(2);
        assertThat(port.drain()).containsExactly("discard 1", "discard 2");
        assertThat(p.pendingIds()).isEmpty();
        p.onRecord(0, 0);
        assertThat(port.drain()).as("nothing records any more").isEmpty();
    }

    @Test
    void alignedModeHoldsEachInputUntilEveryMarkerArrived() {
        OperatorProtocol p = protocol(InFlightMode.COPY, AlignmentMode.ALIGNED, 2, 1);
        p.onRecord(0, 0);
        p.onMarker(0, 1, 1);
        assertThat(port.drain()).containsExactly("hold in0@2");
        assertThat(p.isHeld(0)).isTrue();
        p.onRecord(1, 0);
        assertThat(port.drain()).as("no channel state while aligning").isEmpty();
        p.onMarker(1, 1, 1);
        assertThat(port.drain()).containsExactly("hold in1@2", "snapshot 1", "marker 1 -> out0", "release in0", "release in1");
        p.onStateSnapshotDone(1, STATE);
        p.onMarkerSent(1, 0, 0);
        LocalSnapshotDraft d = port.reports.get(0);
        assertThat(d.positions()).containsExactly(1, 1);
        assertThat(d.inFlightRecords()).containsExactly(0, 0);
        assertThat(d.alignedSwitched()).isFalse();
    }

    @Test
    void alignedTimeoutSwitchesThatCheckpointToUnaligned() {
        OperatorProtocol p = protocol(InFlightMode.COPY, AlignmentMode.ALIGNED, 2, 1);
        p.onMarker(0, 0, 1);
        p.onTime(100);
        p.onTime(1_099);
        assertThat(port.drain()).containsExactly("hold in0@1");
        p.onTime(1_100);
        assertThat(port.drain()).containsExactly("snapshot 1", "marker 1 -> out0", "release in0");
        assertThat(p.counters().alignmentTimeouts()).isEqualTo(1);
        p.onRecord(1, 0);
        assertThat(port.drain()).as("in1 is now recorded as in flight").containsExactly("append 1 in1@0");
        p.onMarker(1, 1, 1);
        p.onStateSnapshotDone(1, STATE);
        p.onMarkerSent(1, 0, 0);
        assertThat(port.drain()).containsExactly("close 1 in1", "report 1");
        LocalSnapshotDraft d = port.reports.get(0);
        assertThat(d.alignedSwitched()).isTrue();
        assertThat(d.positions()).containsExactly(0, 0);
        assertThat(d.inFlightRecords()).containsExactly(0, 1);
    }

    @Test
    void abortWhileAligningReleasesHeldInputs() {
        OperatorProtocol p = protocol(InFlightMode.COPY, AlignmentMode.ALIGNED, 2, 1);
        p.onMarker(0, 0, 1);
        port.drain();
        p.onAbort(1);
        assertThat(port.drain()).containsExactly("release in0", "discard 1");
        assertThat(p.isHeld(0)).isFalse();
    }

    @Test
    void alignedSkippedCheckpointIsDeclinedAndItsInputsReleased() {
        OperatorProtocol p = protocol(InFlightMode.COPY, AlignmentMode.ALIGNED, 2, 1);
        p.onMarker(0, 0, 1);
        port.drain();
        p.onMarker(1, 0, 2); // in1's sender skipped 1
        assertThat(port.drain()).containsExactly("release in0", "discard 1", "decline 1 SENDER_SKIPPED", "hold in1@1");
    }

    @Test
    void triggersWaitUntilReplayIsOver() {
        OperatorProtocol p = OperatorProtocol.builder("op", port).inputs(1).outputs(1).restoredFrom(5).build();
        p.onTrigger(6);
        assertThat(port.drain()).isEmpty();
        assertThatThrownBy(() -> p.onMarker(0, 0, 6)).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("before startLive");
        p.startLive(new long[]{10});
        assertThat(port.drain()).containsExactly("snapshot 6", "marker 6 -> out0");
        assertThat(port.snapshots).containsExactly(6L);
    }

    @Test
    void restoredCheckpointAndBelowAreStale() {
        OperatorProtocol p = OperatorProtocol.builder("op", port).inputs(1).outputs(1).restoredFrom(5).build();
        p.startLive(new long[]{0});
        p.onTrigger(5);
        p.onMarker(0, 0, 4);
        assertThat(port.drain()).isEmpty();
    }

    @Test
    void sourceOffsetsAreTakenAtRecording() {
        port.sourceOffsets = java.util.Map.of("in", 12L);
        OperatorProtocol p = protocol(InFlightMode.COPY, AlignmentMode.UNALIGNED, 0, 0);
        p.onTrigger(1);
        p.onStateSnapshotDone(1, STATE);
        assertThat(port.reports.get(0).sourceOffsets()).containsEntry("in", 12L);
    }

    @Test
    void defectMarkerClosesAllClosesTheOtherCheckpointToo() {
        OperatorProtocol p = OperatorProtocol.builder("op", port).inputs(1).outputs(0)
                .defect(ProtocolDefect.MARKER_CLOSES_ALL).build();
        p.startLive(new long[1]);
        p.onTrigger(1);
        p.onTrigger(2);
        port.drain();
        p.onMarker(0, 0, 1);
        assertThat(port.drain()).containsExactly("close 1 in0", "close 2 in0");
    }

    @Test
    void aCheckpointFailedWhileAppendingDoesNotMakeAnotherOneMissTheRecord() {
        // Found by the simulation: the port fails checkpoint 1 from inside appendChannelState (its
        // storage write failed); checkpoint 2 must still get the record.
        OperatorProtocol[] self = new OperatorProtocol[1];
        RecordingPort failing = new RecordingPort() {
            @Override
            public void appendChannelState(long checkpointId, int input, long offset) {
                super.appendChannelState(checkpointId, input, offset);
                if (checkpointId == 1) {
                    self[0].failCheckpoint(1, DeclineReason.STORAGE_FAILURE, "write failed");
                }
            }
        };
        OperatorProtocol p = OperatorProtocol.builder("op", failing).inputs(1).outputs(0).build();
        self[0] = p;
        p.startLive(new long[1]);
        p.onTrigger(1);
        p.onTrigger(2);
        failing.drain();
        p.onRecord(0, 0);
        assertThat(failing.drain()).containsExactly("append 1 in0@0", "discard 1", "decline 1 STORAGE_FAILURE",
                "append 2 in0@0");
        p.onStateSnapshotDone(2, STATE);
        p.onMarker(0, 1, 2);
        assertThat(failing.reports).extracting(LocalSnapshotDraft::checkpointId).containsExactly(2L);
        assertThat(failing.reports.get(0).inFlightRecords()).containsExactly(1);
    }

    @Test
    void aCheckpointFailedWhileClosingIsNeverReported() {
        OperatorProtocol[] self = new OperatorProtocol[1];
        RecordingPort failing = new RecordingPort() {
            @Override
            public void closeChannelState(long checkpointId, int input) {
                super.closeChannelState(checkpointId, input);
                self[0].failCheckpoint(checkpointId, DeclineReason.STORAGE_FAILURE, "seal failed");
            }
        };
        OperatorProtocol p = OperatorProtocol.builder("op", failing).inputs(1).outputs(0).build();
        self[0] = p;
        p.startLive(new long[1]);
        p.onTrigger(1);
        p.onStateSnapshotDone(1, STATE);
        p.onMarker(0, 0, 1);
        assertThat(failing.drain()).containsExactly("snapshot 1", "close 1 in0", "discard 1", "decline 1 STORAGE_FAILURE");
        assertThat(failing.reports).isEmpty();
    }
}

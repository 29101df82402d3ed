package dev.cairn.core.protocol;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** A port that records every call as a line, for asserting event orders in protocol tests. */
class RecordingPort implements ProtocolPort {
    final List<String> calls = new ArrayList<>();
    final List<LocalSnapshotDraft> reports = new ArrayList<>();
    final List<Long> snapshots = new ArrayList<>();
    Map<String, Long> sourceOffsets = Map.of();
    long fetchPosition = -1;

    @Override
    public Map<String, Long> snapshotState(long checkpointId) {
        calls.add("snapshot " + checkpointId);
        snapshots.add(checkpointId);
        return sourceOffsets;
    }

    @Override
    public void sendMarker(long checkpointId, int output) {
        calls.add("marker " + checkpointId + " -> out" + output);
    }

    @Override
    public void appendChannelState(long checkpointId, int input, long offset) {
        calls.add("append " + checkpointId + " in" + input + "@" + offset);
    }

    @Override
    public void closeChannelState(long checkpointId, int input) {
        calls.add("close " + checkpointId + " in" + input);
    }

    @Override
    public void holdInput(int input, long position) {
        calls.add("hold in" + input + "@" + position);
    }

    @Override
    public void releaseInput(int input) {
        calls.add("release in" + input);
    }

    @Override
    public void reportReady(LocalSnapshotDraft draft) {
        calls.add("report " + draft.checkpointId());
        reports.add(draft);
    }

    @Override
    public void decline(long checkpointId, DeclineReason reason, String detail) {
        calls.add("decline " + checkpointId + " " + reason);
    }

    @Override
    public void discard(long checkpointId) {
        calls.add("discard " + checkpointId);
    }

    @Override
    public long fetchPosition(int input) {
        return fetchPosition;
    }

    List<String> drain() {
        List<String> out = new ArrayList<>(calls);
        calls.clear();
        return out;
    }
}

package dev.cairn.core.recovery;

import dev.cairn.core.manifest.StateHandle;
import dev.cairn.core.topology.ChannelId;

import java.util.Collections;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * What one operator does at the start of an epoch: load its state, replay each input's channel
 * state before anything else, then read live.
 *
 * @param operatorId    the operator
 * @param checkpointId  the checkpoint restored, 0 for a fresh start
 * @param state         the state handle, empty for a fresh start
 * @param inputs        per input channel, how it resumes
 * @param sourceOffsets per external input, the next offset to read (empty: the reset policy)
 * @param attributes    the runtime-specific pairs of the restored local snapshot
 * @param auxiliaryFiles the auxiliary files of the restored local snapshot (e.g. a sink's pending output)
 */
public record OperatorRestore(String operatorId, long checkpointId, Optional<StateHandle> state,
                              Map<ChannelId, InputPlan> inputs, Map<String, Long> sourceOffsets,
                              Map<String, String> attributes, Map<String, dev.cairn.core.manifest.FileRef> auxiliaryFiles) {
    public OperatorRestore {
        inputs = Collections.unmodifiableMap(new TreeMap<>(inputs));
        sourceOffsets = Collections.unmodifiableMap(new TreeMap<>(sourceOffsets));
        attributes = Collections.unmodifiableMap(new TreeMap<>(attributes));
        auxiliaryFiles = Collections.unmodifiableMap(new TreeMap<>(auxiliaryFiles));
    }

    /** A restore without runtime attributes or auxiliary files. */
    public OperatorRestore(String operatorId, long checkpointId, Optional<StateHandle> state,
                           Map<ChannelId, InputPlan> inputs, Map<String, Long> sourceOffsets) {
        this(operatorId, checkpointId, state, inputs, sourceOffsets, Map.of(), Map.of());
    }

    public boolean isFresh() {
        return checkpointId == 0;
    }
}

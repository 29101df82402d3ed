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
 */
public record OperatorRestore(String operatorId, long checkpointId, Optional<StateHandle> state,
                              Map<ChannelId, InputPlan> inputs, Map<String, Long> sourceOffsets) {
    public OperatorRestore {
        inputs = Collections.unmodifiableMap(new TreeMap<>(inputs));
        sourceOffsets = Collections.unmodifiableMap(new TreeMap<>(sourceOffsets));
    }

    public boolean isFresh() {
        return checkpointId == 0;
    }
}

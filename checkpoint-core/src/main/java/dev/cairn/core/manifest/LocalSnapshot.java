package dev.cairn.core.manifest;

import dev.cairn.core.InFlightMode;

import java.util.Collections;
import java.util.Map;
import java.util.TreeMap;

/**
 * One operator's part of a checkpoint, as it reports it to the coordinator.
 *
 * @param operatorId    the operator (or chain)
 * @param checkpointId  the checkpoint
 * @param epoch         the epoch the operator ran in when it recorded
 * @param inFlightMode  how in-flight records were kept
 * @param state         the state handle
 * @param inputs        per input channel ({@code from->to}): position and channel state
 * @param outputs       per output channel ({@code from->to}): the offset of this checkpoint's marker
 * @param sourceOffsets per external input: the next offset to read at restore
 * @param attributes    runtime-specific pairs (e.g. a sink's transactional ids); never secrets
 * @param auxiliaryFiles files of runtime components beside the state (e.g. an exactly-once sink's
 *                       output not yet committed), by a name the component chooses; the checkpoint
 *                       references them, so retention keeps them while it is retained
 */
public record LocalSnapshot(String operatorId, long checkpointId, int epoch, InFlightMode inFlightMode,
                            StateHandle state, Map<String, InputSnapshot> inputs, Map<String, Long> outputs,
                            Map<String, Long> sourceOffsets, Map<String, String> attributes,
                            Map<String, FileRef> auxiliaryFiles) {
    public LocalSnapshot {
        if (operatorId == null || operatorId.isEmpty()) {
            throw new IllegalArgumentException("operator id must not be empty");
        }
        if (checkpointId < 1) {
            throw new IllegalArgumentException("checkpoint id must be >= 1, was " + checkpointId);
        }
        if (epoch < 1) {
            throw new IllegalArgumentException("epoch must be >= 1, was " + epoch);
        }
        if (inFlightMode == null || state == null) {
            throw new IllegalArgumentException("in-flight mode and state handle must be set for " + operatorId);
        }
        inputs = sorted(inputs);
        outputs = sorted(outputs);
        sourceOffsets = sorted(sourceOffsets);
        attributes = sorted(attributes);
        auxiliaryFiles = sorted(auxiliaryFiles);
    }

    /** A local snapshot without auxiliary files. */
    public LocalSnapshot(String operatorId, long checkpointId, int epoch, InFlightMode inFlightMode, StateHandle state,
                         Map<String, InputSnapshot> inputs, Map<String, Long> outputs, Map<String, Long> sourceOffsets,
                         Map<String, String> attributes) {
        this(operatorId, checkpointId, epoch, inFlightMode, state, inputs, outputs, sourceOffsets, attributes, Map.of());
    }

    private static <V> Map<String, V> sorted(Map<String, V> m) {
        return Collections.unmodifiableMap(new TreeMap<>(m == null ? Map.of() : m));
    }

    /** In-flight records captured on all inputs, counting only what is known here. */
    public long inFlightRecords() {
        long sum = 0;
        for (InputSnapshot in : inputs.values()) {
            sum += Math.max(0, in.inFlightRecords());
        }
        return sum;
    }
}

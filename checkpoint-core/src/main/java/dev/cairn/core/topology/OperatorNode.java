package dev.cairn.core.topology;

import java.util.Set;
import java.util.TreeSet;

/**
 * One operator (or chain of operators sharing a thread) in the physical topology.
 *
 * @param id              stable id, unique in the job
 * @param externalInputs  names of external inputs (a source reads them); empty for non-sources
 * @param externalOutputs names of external outputs (a sink writes them)
 */
public record OperatorNode(String id, Set<String> externalInputs, Set<String> externalOutputs) {
    public OperatorNode {
        externalInputs = Set.copyOf(new TreeSet<>(externalInputs));
        externalOutputs = Set.copyOf(new TreeSet<>(externalOutputs));
    }

    /** A source reads at least one external input. */
    public boolean isSource() {
        return !externalInputs.isEmpty();
    }

    /** A sink writes at least one external output. */
    public boolean isSink() {
        return !externalOutputs.isEmpty();
    }
}

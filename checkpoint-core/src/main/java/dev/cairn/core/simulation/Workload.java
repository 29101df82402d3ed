package dev.cairn.core.simulation;

import dev.cairn.core.Operator;
import dev.cairn.core.StateRegistry;
import dev.cairn.core.topology.ChannelId;
import dev.cairn.core.topology.Topology;

import java.util.List;
import java.util.Map;

/**
 * An application the simulation runs, written against the operator contract as a user would, plus
 * what the oracle needs to check it: a view of each operator's state and the invariant that must
 * hold in every consistent snapshot and at the end.
 */
public interface Workload {
    String name();

    Topology topology();

    /** External input records per external input name (key, value), fixed before the run. */
    Map<String, List<byte[][]>> externalInputs();

    /** A new instance of the operator (its state comes from the store). */
    Operator create(String operatorId);

    /** The application-level view of an operator's state, for comparisons; {@code null} if stateless. */
    Object view(String operatorId, StateRegistry state);

    /**
     * Checks the invariant of a snapshot: the views of every operator at its cut, the values of the
     * in-flight records per channel, and each source's external offsets.
     *
     * @return violations, empty if it holds
     */
    List<String> checkSnapshot(Map<String, Object> views, Map<ChannelId, List<byte[]>> inFlight,
                               Map<String, Long> externalOffsets);

    /** Checks the state after the run went quiet (no record in flight anywhere). */
    List<String> checkFinal(Map<String, Object> views);
}

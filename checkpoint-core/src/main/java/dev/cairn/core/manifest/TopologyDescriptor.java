package dev.cairn.core.manifest;

import dev.cairn.core.topology.ChannelId;
import dev.cairn.core.topology.OperatorNode;
import dev.cairn.core.topology.Topology;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * The topology as recorded in a manifest, plus each operator's state layout (the names of its
 * registered states), so that a restore into a different job can list the differences.
 *
 * @param operators    operator ids, sorted
 * @param sources      per source operator, its external inputs
 * @param sinks        per sink operator, its external outputs
 * @param channels     channels as {@code from->to}, sorted
 * @param stateLayout  per operator, the names of its registered states, sorted (may be empty)
 */
public record TopologyDescriptor(List<String> operators, Map<String, List<String>> sources,
                                 Map<String, List<String>> sinks, List<String> channels,
                                 Map<String, List<String>> stateLayout) {
    public TopologyDescriptor {
        operators = List.copyOf(new TreeSet<>(operators));
        channels = List.copyOf(new TreeSet<>(channels));
        sources = new TreeMap<>(sources == null ? Map.of() : sources);
        sinks = new TreeMap<>(sinks == null ? Map.of() : sinks);
        stateLayout = new TreeMap<>(stateLayout == null ? Map.of() : stateLayout);
    }

    public static TopologyDescriptor of(Topology topology, Map<String, List<String>> stateLayout) {
        List<String> ops = new ArrayList<>();
        Map<String, List<String>> sources = new TreeMap<>();
        Map<String, List<String>> sinks = new TreeMap<>();
        for (OperatorNode n : topology.operators()) {
            ops.add(n.id());
            if (n.isSource()) {
                sources.put(n.id(), List.copyOf(new TreeSet<>(n.externalInputs())));
            }
            if (n.isSink()) {
                sinks.put(n.id(), List.copyOf(new TreeSet<>(n.externalOutputs())));
            }
        }
        List<String> channels = new ArrayList<>();
        for (ChannelId c : topology.channels()) {
            channels.add(c.toString());
        }
        Map<String, List<String>> layout = new TreeMap<>();
        stateLayout.forEach((k, v) -> layout.put(k, List.copyOf(new TreeSet<>(v))));
        return new TopologyDescriptor(ops, sources, sinks, channels, layout);
    }
}

package dev.cairn.core.topology;

import dev.cairn.core.AlignmentMode;
import dev.cairn.core.CairnException;
import dev.cairn.core.TriggerStyle;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Deque;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Pattern;

/**
 * The physical graph of a job: operators with stable ids and the channels between them. Immutable;
 * {@link #builder()} checks ids and channels, {@link #validateFor} checks what depends on the
 * checkpoint settings (reachability of every operator, acyclicity in aligned mode). Every error
 * names the offending ids.
 */
public final class Topology {
    /** Ids appear in topic and file names: letters, digits, '.', '_', '-', '#', at most 120 chars. */
    private static final Pattern VALID_ID = Pattern.compile("[A-Za-z0-9._#-]{1,120}");

    private final Map<String, OperatorNode> operators;
    private final List<ChannelId> channels;
    private final Map<String, List<ChannelId>> inputsOf;
    private final Map<String, List<ChannelId>> outputsOf;

    private Topology(Map<String, OperatorNode> operators, List<ChannelId> channels) {
        this.operators = Collections.unmodifiableMap(operators);
        this.channels = List.copyOf(channels);
        Map<String, List<ChannelId>> in = new HashMap<>();
        Map<String, List<ChannelId>> out = new HashMap<>();
        for (String id : operators.keySet()) {
            in.put(id, new ArrayList<>());
            out.put(id, new ArrayList<>());
        }
        for (ChannelId c : channels) {
            out.get(c.from()).add(c);
            in.get(c.to()).add(c);
        }
        in.replaceAll((k, v) -> List.copyOf(v));
        out.replaceAll((k, v) -> List.copyOf(v));
        this.inputsOf = Map.copyOf(in);
        this.outputsOf = Map.copyOf(out);
    }

    public static Builder builder() {
        return new Builder();
    }

    /** Operators in the order they were added. */
    public List<OperatorNode> operators() {
        return List.copyOf(operators.values());
    }

    public Set<String> operatorIds() {
        return Collections.unmodifiableSet(operators.keySet());
    }

    public Optional<OperatorNode> operator(String id) {
        return Optional.ofNullable(operators.get(id));
    }

    /** Channels in the order they were added. */
    public List<ChannelId> channels() {
        return channels;
    }

    /** Input channels of {@code operatorId}, in the order the channels were added. */
    public List<ChannelId> inputsOf(String operatorId) {
        return requireKnown(inputsOf.get(operatorId), operatorId);
    }

    /** Output channels of {@code operatorId}, in the order the channels were added. */
    public List<ChannelId> outputsOf(String operatorId) {
        return requireKnown(outputsOf.get(operatorId), operatorId);
    }

    private static <T> T requireKnown(T value, String operatorId) {
        if (value == null) {
            throw new IllegalArgumentException("unknown operator '" + operatorId + "'");
        }
        return value;
    }

    /** The operators the coordinator triggers under {@code style}. */
    public Set<String> triggeredOperators(TriggerStyle style) {
        Set<String> result = new LinkedHashSet<>();
        for (OperatorNode node : operators.values()) {
            if (style == TriggerStyle.ALL_OPERATORS || node.isSource()) {
                result.add(node.id());
            }
        }
        return result;
    }

    /**
     * Checks the rules that depend on how checkpoints run: every operator must be triggered or
     * reachable from a triggered one; aligned mode needs triggers at the sources only, sources
     * without input channels, and no cycle.
     *
     * @throws CairnException with reason TOPOLOGY, naming the operators at fault
     */
    public void validateFor(TriggerStyle triggers, AlignmentMode alignment) {
        Set<String> triggered = triggeredOperators(triggers);
        if (triggered.isEmpty()) {
            throw topologyError("no operator is triggered: trigger style " + triggers
                    + " needs at least one source (an operator with an external input)");
        }
        Set<String> reached = new HashSet<>(triggered);
        Deque<String> todo = new ArrayDeque<>(triggered);
        while (!todo.isEmpty()) {
            for (ChannelId c : outputsOf.get(todo.poll())) {
                if (reached.add(c.to())) {
                    todo.add(c.to());
                }
            }
        }
        Set<String> unreachable = new TreeSet<>(operators.keySet());
        unreachable.removeAll(reached);
        if (!unreachable.isEmpty()) {
            throw topologyError("operators " + unreachable + " are neither triggered nor reachable from a triggered"
                    + " operator " + new TreeSet<>(triggered) + " (trigger style " + triggers
                    + "): no marker would ever reach them");
        }
        if (alignment == AlignmentMode.ALIGNED) {
            if (triggers != TriggerStyle.SOURCES_ONLY) {
                throw topologyError("aligned mode needs trigger style SOURCES_ONLY, but is configured with " + triggers
                        + ": an operator triggered directly cannot align its inputs");
            }
            for (String id : triggered) {
                if (!inputsOf.get(id).isEmpty()) {
                    throw topologyError("aligned mode: triggered source '" + id + "' has input channels "
                            + inputsOf.get(id) + "; aligned checkpoints need sources without input channels");
                }
            }
            findCycle().ifPresent(cycle -> {
                throw topologyError("aligned mode needs an acyclic topology: cycle " + String.join(" -> ", cycle));
            });
        }
    }

    /** One cycle as a closed walk {@code a, b, ..., a}, if the graph has any. */
    public Optional<List<String>> findCycle() {
        Map<String, Integer> state = new HashMap<>(); // absent = unvisited, 1 = on stack, 2 = done
        Deque<String> path = new ArrayDeque<>();
        for (String start : operators.keySet()) {
            if (!state.containsKey(start)) {
                List<String> cycle = dfs(start, state, path);
                if (cycle != null) {
                    return Optional.of(cycle);
                }
            }
        }
        return Optional.empty();
    }

    private List<String> dfs(String node, Map<String, Integer> state, Deque<String> path) {
        state.put(node, 1);
        path.addLast(node);
        for (ChannelId c : outputsOf.get(node)) {
            Integer s = state.get(c.to());
            if (s == null) {
                List<String> cycle = dfs(c.to(), state, path);
                if (cycle != null) {
                    return cycle;
                }
            } else if (s == 1) {
                List<String> cycle = new ArrayList<>();
                boolean in = false;
                for (String p : path) {
                    in |= p.equals(c.to());
                    if (in) {
                        cycle.add(p);
                    }
                }
                cycle.add(c.to());
                return cycle;
            }
        }
        path.removeLast();
        state.put(node, 2);
        return null;
    }

    private static CairnException topologyError(String message) {
        return new CairnException(CairnException.Reason.TOPOLOGY, message);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Topology t && operators.equals(t.operators) && new HashSet<>(channels).equals(new HashSet<>(t.channels));
    }

    @Override
    public int hashCode() {
        return operators.hashCode() * 31 + new HashSet<>(channels).hashCode();
    }

    @Override
    public String toString() {
        return "Topology" + operators.keySet() + channels;
    }

    /** Collects operators and channels; {@link #build()} checks them. */
    public static final class Builder {
        private final List<OperatorNode> operators = new ArrayList<>();
        private final List<ChannelId> channels = new ArrayList<>();

        private Builder() {
        }

        /** An operator with no external input or output. */
        public Builder operator(String id) {
            return operator(id, Set.of(), Set.of());
        }

        /** A source: an operator reading the named external inputs. */
        public Builder source(String id, String... externalInputs) {
            if (externalInputs.length == 0) {
                return operator(id, Set.of(id + ".in"), Set.of());
            }
            return operator(id, Set.of(externalInputs), Set.of());
        }

        public Builder operator(String id, Set<String> externalInputs, Set<String> externalOutputs) {
            operators.add(new OperatorNode(id, externalInputs, externalOutputs));
            return this;
        }

        public Builder operator(OperatorNode node) {
            operators.add(node);
            return this;
        }

        public Builder channel(String from, String to) {
            channels.add(new ChannelId(from, to));
            return this;
        }

        /**
         * @throws CairnException with reason TOPOLOGY on an invalid id, a duplicate operator id, a
         *                        channel to or from an unknown operator, or a duplicate channel
         */
        public Topology build() {
            Map<String, OperatorNode> byId = new LinkedHashMap<>();
            if (operators.isEmpty()) {
                throw topologyError("a topology needs at least one operator");
            }
            for (OperatorNode node : operators) {
                if (node.id() == null || !VALID_ID.matcher(node.id()).matches()) {
                    throw topologyError("invalid operator id '" + node.id() + "': use 1 to 120 letters, digits,"
                            + " '.', '_', '-' or '#'");
                }
                if (byId.putIfAbsent(node.id(), node) != null) {
                    throw topologyError("duplicate operator id '" + node.id() + "'");
                }
            }
            Set<ChannelId> seen = new HashSet<>();
            for (ChannelId c : channels) {
                List<String> unknown = new ArrayList<>();
                if (!byId.containsKey(c.from())) {
                    unknown.add(c.from());
                }
                if (!byId.containsKey(c.to()) && !unknown.contains(c.to())) {
                    unknown.add(c.to());
                }
                if (!unknown.isEmpty()) {
                    throw topologyError("channel " + c + " refers to unknown operator"
                            + (unknown.size() > 1 ? "s " : " ") + String.join(", ", unknown.stream().map(u -> "'" + u + "'").toList()));
                }
                if (!seen.add(c)) {
                    throw topologyError("duplicate channel " + c);
                }
            }
            return new Topology(byId, channels);
        }
    }
}

package dev.cairn.kafka.internal;

import dev.cairn.core.CairnException;

import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** Validates the graph a user declared and expands it into a {@link PhysicalPlan}. */
public final class PlanFactory {
    private PlanFactory() {
    }

    public static PhysicalPlan create(String jobId, String topicPrefix, Map<String, LogicalOp> ops, List<String[]> edges,
                                      List<List<String>> chains) {
        Set<String> seen = new HashSet<>();
        Map<String, Integer> incoming = new HashMap<>();
        for (String[] e : edges) {
            for (String id : e) {
                if (!ops.containsKey(id)) {
                    throw error("channel " + e[0] + "->" + e[1] + " refers to unknown operator '" + id + "'");
                }
            }
            if (!seen.add(e[0] + "->" + e[1])) {
                throw error("duplicate channel " + e[0] + "->" + e[1]);
            }
            if (e[0].equals(e[1]) && ops.get(e[0]).parallelism() > 1) {
                throw error("channel " + e[0] + "->" + e[1] + ": a parallel operator cannot feed itself");
            }
            if (ops.get(e[1]).kind() == LogicalOp.Kind.SOURCE) {
                throw error("channel " + e[0] + "->" + e[1] + ": source '" + e[1] + "' reads its topic only and has no"
                        + " input channels");
            }
            if (ops.get(e[0]).kind() == LogicalOp.Kind.SINK) {
                throw error("channel " + e[0] + "->" + e[1] + ": sink '" + e[0] + "' writes its topic only and has no"
                        + " output channels");
            }
            incoming.merge(e[1], 1, Integer::sum);
        }
        Set<String> chained = new HashSet<>();
        for (List<String> chain : chains) {
            for (int k = 0; k < chain.size(); k++) {
                String id = chain.get(k);
                if (!ops.containsKey(id)) {
                    throw error("chain " + chain + " refers to unknown operator '" + id + "'");
                }
                if (!chained.add(id)) {
                    throw error("operator '" + id + "' is in more than one chain (or twice in " + chain + ")");
                }
                if (k > 0) {
                    String prev = chain.get(k - 1);
                    if (!seen.contains(prev + "->" + id)) {
                        throw error("chain " + chain + ": there is no channel " + prev + "->" + id);
                    }
                    if (incoming.getOrDefault(id, 0) != 1) {
                        throw error("chain " + chain + ": '" + id + "' must have exactly one input (from '" + prev
                                + "') to be chained, it has " + incoming.getOrDefault(id, 0));
                    }
                    if (ops.get(id).parallelism() != ops.get(prev).parallelism()) {
                        throw error("chain " + chain + ": '" + prev + "' and '" + id + "' have different parallelism ("
                                + ops.get(prev).parallelism() + " and " + ops.get(id).parallelism() + ")");
                    }
                }
            }
        }
        return new PhysicalPlan(jobId, topicPrefix, ops, edges, chains);
    }

    private static CairnException error(String message) {
        return new CairnException(CairnException.Reason.TOPOLOGY, message);
    }
}

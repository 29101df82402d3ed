package dev.cairn.kafka.internal;

import dev.cairn.core.CairnException;
import dev.cairn.core.topology.ChannelId;
import dev.cairn.core.topology.Topology;
import org.apache.kafka.common.utils.Utils;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The job expanded for running: every physical node (a chain of operators sharing a thread, or one
 * operator; one node per instance of a parallel operator), the channels between nodes, and how a
 * record emitted by a member reaches its target (a member of the same chain, a channel, or a sink
 * topic). The core {@link Topology} is built from it.
 */
public final class PhysicalPlan {
    private final String jobId;
    private final String topicPrefix;
    private final Map<String, LogicalOp> ops;
    private final Map<String, Node> nodes = new LinkedHashMap<>();
    private final Map<ChannelId, Edge> channels = new LinkedHashMap<>();
    private final Topology topology;

    /** A member of a node: one instance of a logical operator. */
    public record Member(LogicalOp op, int instance) {
        public String id() {
            return op.id();
        }
    }

    /** A channel's logical meaning: which member sends, which member receives. */
    public record Edge(ChannelId channel, String fromOp, String toOp, String topic) {
    }

    /** Where a member's output to a logical target goes. */
    public sealed interface Route {
    }

    /** To the next member of the same chain, by a direct call. */
    public record ToMember(int memberIndex) implements Route {
    }

    /** To a channel, or to one of several channels chosen by key hash (a parallel target). */
    public record ToChannels(List<ChannelId> channels) implements Route {
        public ChannelId pick(byte[] key) {
            if (channels.size() == 1 || key == null) {
                return channels.get(0);
            }
            return channels.get(Utils.toPositive(Utils.murmur2(key)) % channels.size());
        }
    }

    /** A physical node: one thread, one protocol instance, one state store. */
    public static final class Node {
        final String id;
        final List<Member> members = new ArrayList<>();
        /** Per member index, logical target id to route. */
        final List<Map<String, Route>> routes = new ArrayList<>();
        final List<ChannelId> inputs = new ArrayList<>();
        final List<ChannelId> outputs = new ArrayList<>();

        Node(String id) {
            this.id = id;
        }

        public String id() {
            return id;
        }

        public List<Member> members() {
            return members;
        }

        public Map<String, Route> routes(int member) {
            return routes.get(member);
        }

        public int memberIndex(String opId) {
            for (int i = 0; i < members.size(); i++) {
                if (members.get(i).id().equals(opId)) {
                    return i;
                }
            }
            throw new IllegalArgumentException("'" + opId + "' is not a member of node '" + id + "'");
        }
    }

    PhysicalPlan(String jobId, String topicPrefix, Map<String, LogicalOp> ops, List<String[]> edges,
                 List<List<String>> chains) {
        this.jobId = jobId;
        this.topicPrefix = topicPrefix;
        this.ops = ops;
        // 1. Which chain each operator belongs to (an operator not in a chain is a chain of one).
        Map<String, List<String>> chainOf = new HashMap<>();
        for (List<String> chain : chains) {
            for (String op : chain) {
                chainOf.put(op, chain);
            }
        }
        List<List<String>> allChains = new ArrayList<>(chains);
        for (String op : ops.keySet()) {
            if (!chainOf.containsKey(op)) {
                List<String> single = List.of(op);
                chainOf.put(op, single);
                allChains.add(single);
            }
        }
        // 2. Nodes: one per chain instance.
        Map<String, String> nodeOfInstance = new HashMap<>(); // "op#i" -> node id
        for (List<String> chain : allChains) {
            LogicalOp head = ops.get(chain.get(0));
            for (int i = 0; i < head.parallelism(); i++) {
                String nodeId = instanceId(head, i);
                Node node = new Node(nodeId);
                for (String op : chain) {
                    node.members.add(new Member(ops.get(op), i));
                    node.routes.add(new LinkedHashMap<>());
                    nodeOfInstance.put(op + "#" + i, nodeId);
                }
                if (nodes.put(nodeId, node) != null) {
                    throw topologyError("operator instance id '" + nodeId + "' is used twice; rename the operator");
                }
            }
        }
        // 3. Routes and channels, per logical edge.
        Set<ChannelId> seen = new LinkedHashSet<>();
        for (String[] e : edges) {
            LogicalOp from = ops.get(e[0]);
            LogicalOp to = ops.get(e[1]);
            boolean internal = chainOf.get(from.id()) == chainOf.get(to.id())
                    && chainOf.get(from.id()).indexOf(to.id()) == chainOf.get(from.id()).indexOf(from.id()) + 1;
            for (int i = 0; i < from.parallelism(); i++) {
                Node node = nodes.get(nodeOfInstance.get(from.id() + "#" + i));
                int member = node.memberIndex(from.id());
                if (internal) {
                    node.routes.get(member).put(to.id(), new ToMember(member + 1));
                    continue;
                }
                List<ChannelId> targets = new ArrayList<>();
                for (int j = 0; j < to.parallelism(); j++) {
                    String toNode = nodeOfInstance.get(to.id() + "#" + j);
                    ChannelId c = ChannelId.of(node.id, toNode);
                    if (!seen.add(c)) {
                        throw topologyError("two edges lead from node '" + node.id + "' to node '" + toNode
                                + "' (a chain sends to the same operator twice); cairn uses one channel per pair of"
                                + " nodes: chain differently or merge the edges");
                    }
                    String topic = topicPrefix + "." + jobId + "." + node.id + "--" + toNode;
                    if (topic.length() > 249) {
                        throw topologyError("channel topic name for " + c + " is longer than Kafka's 249 characters: "
                                + "shorten the job or operator ids");
                    }
                    channels.put(c, new Edge(c, from.id(), to.id(), topic));
                    node.outputs.add(c);
                    nodes.get(toNode).inputs.add(c);
                    targets.add(c);
                }
                node.routes.get(member).put(to.id(), new ToChannels(targets));
            }
        }
        // 4. The core topology.
        Topology.Builder tb = Topology.builder();
        for (Node n : nodes.values()) {
            Set<String> in = new LinkedHashSet<>();
            Set<String> out = new LinkedHashSet<>();
            for (Member m : n.members) {
                if (m.op().kind() == LogicalOp.Kind.SOURCE) {
                    in.add(m.op().topic());
                }
                if (m.op().kind() == LogicalOp.Kind.SINK) {
                    out.add(m.op().topic());
                }
            }
            tb.operator(n.id, in, out);
        }
        for (ChannelId c : channels.keySet()) {
            tb.channel(c.from(), c.to());
        }
        this.topology = tb.build();
    }

    /** The id of instance {@code i} of {@code op}: the op id itself without parallelism, else {@code id.i}. */
    public static String instanceId(LogicalOp op, int i) {
        return op.parallelism() == 1 ? op.id() : op.id() + "." + i;
    }

    private static CairnException topologyError(String message) {
        return new CairnException(CairnException.Reason.TOPOLOGY, message);
    }

    public String jobId() {
        return jobId;
    }

    public Topology topology() {
        return topology;
    }

    public Map<String, Node> nodes() {
        return nodes;
    }

    public Node node(String id) {
        Node n = nodes.get(id);
        if (n == null) {
            throw new IllegalArgumentException("unknown node '" + id + "'");
        }
        return n;
    }

    public Map<ChannelId, Edge> channels() {
        return channels;
    }

    public Edge edge(ChannelId c) {
        return channels.get(c);
    }

    public String controlTopic() {
        return topicPrefix + "." + jobId + ".control";
    }

    /**
     * The compacted one-partition topic where the job's exactly-once sinks record, per sink, the
     * last checkpoint whose output they committed (docs/WIRE-FORMAT.md).
     */
    public String sinkCommitsTopic() {
        return topicPrefix + "." + jobId + ".sink-commits";
    }

    /**
     * The one transactional id of exactly-once sink {@code sinkId}. Ids never contain '.', so the
     * prefix {@link #sinkTransactionalIdPrefix()} matches this job's sinks and no other job's.
     */
    public String sinkTransactionalId(String sinkId) {
        return sinkTransactionalIdPrefix() + sinkId;
    }

    /** What every transactional id of this job's exactly-once sinks starts with. */
    public String sinkTransactionalIdPrefix() {
        return topicPrefix + "." + jobId + ".sink.";
    }

    /** The ids of the sinks with {@code Delivery.EXACTLY_ONCE}. */
    public List<String> exactlyOnceSinks() {
        List<String> out = new ArrayList<>();
        for (LogicalOp op : ops.values()) {
            if (op.kind() == LogicalOp.Kind.SINK && op.delivery() == dev.cairn.kafka.Delivery.EXACTLY_ONCE) {
                out.add(op.id());
            }
        }
        return out;
    }

    /** The nodes that host an exactly-once sink. */
    public Set<String> exactlyOnceSinkNodes() {
        Set<String> out = new LinkedHashSet<>();
        for (Node n : nodes.values()) {
            for (Member m : n.members()) {
                if (m.op().kind() == LogicalOp.Kind.SINK && m.op().delivery() == dev.cairn.kafka.Delivery.EXACTLY_ONCE) {
                    out.add(n.id());
                }
            }
        }
        return out;
    }

    public Map<String, LogicalOp> ops() {
        return ops;
    }
}

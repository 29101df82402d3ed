package dev.cairn.cli.report;

import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * A deterministic layered layout of a directed graph that may have cycles (operators and
 * channels): edges that close a cycle are found by a depth-first search in id order and set aside
 * (drawn as back edges); every node goes to the layer one past its longest path from a node without
 * inputs; within a layer, nodes are ordered by the mean position of their predecessors, ties by id.
 * The same graph always gives the same layout.
 */
final class LayeredLayout {

    /** A directed edge between two node ids. */
    record Edge(String from, String to) {
    }

    private final Map<String, Integer> layer = new HashMap<>();
    private final Map<String, Integer> order = new HashMap<>();
    private final List<List<String>> layers = new ArrayList<>();
    private final Set<Edge> backEdges = new HashSet<>();

    LayeredLayout(Collection<String> nodeIds, Collection<Edge> edges) {
        TreeSet<String> nodes = new TreeSet<>(nodeIds);
        Map<String, TreeSet<String>> out = new TreeMap<>();
        Map<String, Integer> inDegree = new HashMap<>();
        for (String n : nodes) {
            out.put(n, new TreeSet<>());
            inDegree.put(n, 0);
        }
        for (Edge e : edges) {
            if (nodes.contains(e.from()) && nodes.contains(e.to()) && !e.from().equals(e.to())
                    && out.get(e.from()).add(e.to())) {
                inDegree.merge(e.to(), 1, Integer::sum);
            }
        }
        findBackEdges(nodes, out, inDegree);
        assignLayers(nodes, out);
        orderWithinLayers(nodes, out);
    }

    /** DFS from the nodes without inputs first, then from any node not reached yet, all in id order. */
    private void findBackEdges(TreeSet<String> nodes, Map<String, TreeSet<String>> out, Map<String, Integer> inDegree) {
        Set<String> done = new HashSet<>();
        Set<String> onStack = new HashSet<>();
        List<String> starts = new ArrayList<>();
        for (String n : nodes) {
            if (inDegree.get(n) == 0) {
                starts.add(n);
            }
        }
        starts.addAll(nodes);
        for (String s : starts) {
            if (done.contains(s)) {
                continue;
            }
            // iterative DFS: a stack of (node, iterator over its successors)
            List<String> pathNodes = new ArrayList<>();
            List<java.util.Iterator<String>> pathIts = new ArrayList<>();
            pathNodes.add(s);
            pathIts.add(out.get(s).iterator());
            onStack.add(s);
            while (!pathNodes.isEmpty()) {
                int top = pathNodes.size() - 1;
                String n = pathNodes.get(top);
                java.util.Iterator<String> it = pathIts.get(top);
                if (it.hasNext()) {
                    String next = it.next();
                    if (onStack.contains(next)) {
                        backEdges.add(new Edge(n, next));
                    } else if (!done.contains(next)) {
                        pathNodes.add(next);
                        pathIts.add(out.get(next).iterator());
                        onStack.add(next);
                    }
                } else {
                    pathNodes.remove(top);
                    pathIts.remove(top);
                    onStack.remove(n);
                    done.add(n);
                }
            }
        }
    }

    /** Longest path over the forward edges (a DAG), by Kahn's algorithm in id order. */
    private void assignLayers(TreeSet<String> nodes, Map<String, TreeSet<String>> out) {
        Map<String, Integer> pending = new HashMap<>();
        for (String n : nodes) {
            pending.put(n, 0);
            layer.put(n, 0);
        }
        for (String n : nodes) {
            for (String m : out.get(n)) {
                if (!backEdges.contains(new Edge(n, m))) {
                    pending.merge(m, 1, Integer::sum);
                }
            }
        }
        TreeSet<String> ready = new TreeSet<>();
        for (String n : nodes) {
            if (pending.get(n) == 0) {
                ready.add(n);
            }
        }
        while (!ready.isEmpty()) {
            String n = ready.pollFirst();
            for (String m : out.get(n)) {
                if (backEdges.contains(new Edge(n, m))) {
                    continue;
                }
                layer.put(m, Math.max(layer.get(m), layer.get(n) + 1));
                if (pending.merge(m, -1, Integer::sum) == 0) {
                    ready.add(m);
                }
            }
        }
        int deepest = 0;
        for (int l : layer.values()) {
            deepest = Math.max(deepest, l);
        }
        for (int i = 0; i <= deepest && !nodes.isEmpty(); i++) {
            layers.add(new ArrayList<>());
        }
        for (String n : nodes) {
            layers.get(layer.get(n)).add(n);
        }
    }

    /** Barycentre ordering: each layer by the mean index of its predecessors in earlier layers. */
    private void orderWithinLayers(TreeSet<String> nodes, Map<String, TreeSet<String>> out) {
        Map<String, List<String>> predecessors = new HashMap<>();
        for (String n : nodes) {
            for (String m : out.get(n)) {
                if (layer.get(n) < layer.get(m)) {
                    predecessors.computeIfAbsent(m, k -> new ArrayList<>()).add(n);
                }
            }
        }
        for (List<String> l : layers) {
            Map<String, Double> key = new HashMap<>();
            for (String n : l) {
                List<String> preds = predecessors.getOrDefault(n, List.of());
                double sum = 0;
                for (String p : preds) {
                    sum += order.get(p);
                }
                key.put(n, preds.isEmpty() ? Double.MAX_VALUE : sum / preds.size());
            }
            l.sort(Comparator.<String>comparingDouble(key::get).thenComparing(Comparator.naturalOrder()));
            for (int i = 0; i < l.size(); i++) {
                order.put(l.get(i), i);
            }
        }
    }

    /** The layers, first to last, each in drawing order (top to bottom). */
    List<List<String>> layers() {
        return layers;
    }

    int layerOf(String node) {
        return layer.get(node);
    }

    int indexInLayer(String node) {
        return order.get(node);
    }

    /** True if the edge closes a cycle (or points backwards) and is drawn as a back edge. */
    boolean isBackEdge(String from, String to) {
        return backEdges.contains(new Edge(from, to));
    }
}

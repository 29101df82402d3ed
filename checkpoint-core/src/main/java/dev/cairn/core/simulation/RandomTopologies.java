package dev.cairn.core.simulation;

import dev.cairn.core.topology.ChannelId;
import dev.cairn.core.topology.Topology;

import java.util.LinkedHashSet;
import java.util.Random;
import java.util.Set;

/** Random topologies for the bank: DAGs, graphs with cycles, strongly connected graphs. */
public final class RandomTopologies {
    public static final String[] SHAPES = {"dag", "cycle", "strongly-connected"};

    private RandomTopologies() {
    }

    /**
     * @param sourcesWithoutInputs sources must have no input channel (aligned mode)
     */
    public static Topology draw(Random r, String shape, int n, boolean sourcesWithoutInputs) {
        Set<ChannelId> channels = new LinkedHashSet<>();
        String[] ids = new String[n];
        for (int i = 0; i < n; i++) {
            ids[i] = "acct" + i;
        }
        switch (shape) {
            case "dag" -> {
                for (int i = 1; i < n; i++) {
                    channels.add(ChannelId.of(ids[r.nextInt(i)], ids[i])); // every non-root has an input
                }
                for (int k = 0; k < n; k++) {
                    int a = r.nextInt(n);
                    int b = r.nextInt(n);
                    if (a < b) {
                        channels.add(ChannelId.of(ids[a], ids[b]));
                    }
                }
            }
            case "cycle" -> {
                int len = 2 + r.nextInt(n - 1);
                for (int i = 0; i < len; i++) {
                    channels.add(ChannelId.of(ids[i], ids[(i + 1) % len]));
                }
                for (int i = len; i < n; i++) {
                    channels.add(ChannelId.of(ids[r.nextInt(i)], ids[i]));
                }
                for (int k = 0; k < n / 2; k++) {
                    int a = r.nextInt(n);
                    int b = r.nextInt(n);
                    if (a != b) {
                        channels.add(ChannelId.of(ids[a], ids[b]));
                    }
                }
            }
            case "strongly-connected" -> {
                for (int i = 0; i < n; i++) {
                    channels.add(ChannelId.of(ids[i], ids[(i + 1) % n]));
                }
                for (int k = 0; k < n; k++) {
                    int a = r.nextInt(n);
                    int b = r.nextInt(n);
                    if (a != b) {
                        channels.add(ChannelId.of(ids[a], ids[b]));
                    }
                }
            }
            default -> throw new IllegalArgumentException("unknown shape " + shape);
        }
        // Sources: acct0 (every operator is reachable from it), operators without input channels,
        // and, unless sources must have no inputs, a few more at random.
        Set<String> hasInput = new LinkedHashSet<>();
        for (ChannelId c : channels) {
            hasInput.add(c.to());
        }
        Topology.Builder b = Topology.builder();
        for (int i = 0; i < n; i++) {
            boolean source = i == 0 || !hasInput.contains(ids[i]) || (!sourcesWithoutInputs && r.nextInt(3) == 0);
            if (source) {
                b.source(ids[i], ids[i] + ".ticks");
            } else {
                b.operator(ids[i]);
            }
        }
        for (ChannelId c : channels) {
            b.channel(c.from(), c.to());
        }
        return b.build();
    }
}

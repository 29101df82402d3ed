package dev.cairn.core.simulation;

import dev.cairn.core.AlignmentMode;
import dev.cairn.core.CheckpointConfig;
import dev.cairn.core.InFlightMode;
import dev.cairn.core.TriggerStyle;
import dev.cairn.core.protocol.ProtocolDefect;
import dev.cairn.core.topology.Topology;

import java.time.Duration;
import java.util.EnumSet;
import java.util.Random;
import java.util.Set;

/**
 * One simulated scenario, derived entirely from a seed: running the same seed again reproduces the
 * run exactly.
 *
 * @param seed             the seed everything comes from
 * @param workload         the application (its topology included)
 * @param shape            how the topology was drawn
 * @param checkpoints      checkpoint settings (intervals in virtual time)
 * @param steps            scheduling steps before the run is drained and checked
 * @param crashes          whether crashes, zombies, stalled coordinators and storage faults happen
 * @param protocolDefects  deliberate protocol bugs (tests of the oracle only)
 * @param simDefects       deliberate runtime bugs (tests of the oracle only)
 */
public record SimulationConfig(long seed, Workload workload, String shape, CheckpointConfig checkpoints, int steps,
                               boolean crashes, Set<ProtocolDefect> protocolDefects, Set<SimDefect> simDefects) {

    /** What a scenario may vary; fixed dimensions narrow the random choice. */
    public record Constraints(InFlightMode inFlight, AlignmentMode alignment, Boolean crashes, String workload,
                              Integer minConcurrent, Set<ProtocolDefect> protocolDefects, Set<SimDefect> simDefects) {
        public static Constraints any() {
            return new Constraints(null, null, null, null, null, Set.of(), Set.of());
        }

        public Constraints withInFlight(InFlightMode m) {
            return new Constraints(m, alignment, crashes, workload, minConcurrent, protocolDefects, simDefects);
        }

        public Constraints withAlignment(AlignmentMode a) {
            return new Constraints(inFlight, a, crashes, workload, minConcurrent, protocolDefects, simDefects);
        }

        public Constraints withCrashes(boolean c) {
            return new Constraints(inFlight, alignment, c, workload, minConcurrent, protocolDefects, simDefects);
        }

        public Constraints withWorkload(String w) {
            return new Constraints(inFlight, alignment, crashes, w, minConcurrent, protocolDefects, simDefects);
        }

        public Constraints withMinConcurrent(int n) {
            return new Constraints(inFlight, alignment, crashes, workload, n, protocolDefects, simDefects);
        }

        public Constraints withDefect(ProtocolDefect d) {
            return new Constraints(inFlight, alignment, crashes, workload, minConcurrent, EnumSet.of(d), simDefects);
        }

        public Constraints withDefect(SimDefect d) {
            return new Constraints(inFlight, alignment, crashes, workload, minConcurrent, protocolDefects, EnumSet.of(d));
        }
    }

    /** Draws a scenario from {@code seed} within {@code c}. */
    public static SimulationConfig random(long seed, Constraints c) {
        Random r = new Random(seed);
        String workloadName = c.workload() != null ? c.workload() : (r.nextInt(4) == 0 ? "wordcount" : "bank");
        AlignmentMode alignment = c.alignment() != null ? c.alignment()
                : (r.nextInt(4) == 0 ? AlignmentMode.ALIGNED : AlignmentMode.UNALIGNED);
        InFlightMode inFlight = c.inFlight() != null ? c.inFlight() : (r.nextBoolean() ? InFlightMode.COPY : InFlightMode.REFERENCE);
        TriggerStyle triggers = alignment == AlignmentMode.ALIGNED ? TriggerStyle.SOURCES_ONLY
                : (r.nextBoolean() ? TriggerStyle.ALL_OPERATORS : TriggerStyle.SOURCES_ONLY);
        boolean crashes = c.crashes() != null ? c.crashes() : r.nextBoolean();

        Workload workload;
        String shape;
        if (workloadName.equals("wordcount")) {
            workload = new WordCountWorkload(r, 10 + r.nextInt(40));
            shape = "wordcount-dag";
        } else {
            shape = alignment == AlignmentMode.ALIGNED ? "dag" : RandomTopologies.SHAPES[r.nextInt(RandomTopologies.SHAPES.length)];
            Topology t = RandomTopologies.draw(r, shape, 2 + r.nextInt(11), alignment == AlignmentMode.ALIGNED);
            workload = new BankWorkload(t, 10 + r.nextInt(40), r.nextLong());
        }
        int minConcurrent = c.minConcurrent() == null ? 1 : c.minConcurrent();
        int maxConcurrent = minConcurrent + r.nextInt(5 - minConcurrent);
        CheckpointConfig.Builder cb = CheckpointConfig.builder()
                .interval(Duration.ofMillis(5 + r.nextInt(40)))
                .timeout(Duration.ofMillis(400 + r.nextInt(2_000)))
                .maxConcurrent(maxConcurrent)
                .tolerableFailures(1_000_000)
                .triggers(triggers)
                .alignment(alignment)
                .inFlight(inFlight)
                .retained(1 + r.nextInt(3))
                .maxChannelStateBytes(r.nextInt(8) == 0 ? 64 + r.nextInt(512) : 1 << 20);
        if (alignment == AlignmentMode.ALIGNED && r.nextBoolean()) {
            cb.alignmentTimeout(Duration.ofMillis(r.nextInt(30)));
        }
        int steps = 600 + r.nextInt(1_400);
        return new SimulationConfig(seed, workload, shape, cb.build(), steps, crashes,
                c.protocolDefects().isEmpty() ? Set.of() : EnumSet.copyOf(c.protocolDefects()),
                c.simDefects().isEmpty() ? Set.of() : EnumSet.copyOf(c.simDefects()));
    }

    @Override
    public String toString() {
        return "seed=" + seed + " workload=" + workload.name() + " shape=" + shape + " operators="
                + workload.topology().operators().size() + " channels=" + workload.topology().channels().size()
                + " inFlight=" + checkpoints.inFlight() + " alignment=" + checkpoints.alignment()
                + (checkpoints.alignmentTimeout() == null ? "" : " alignmentTimeout=" + checkpoints.alignmentTimeout())
                + " triggers=" + checkpoints.triggers() + " maxConcurrent=" + checkpoints.maxConcurrent()
                + " crashes=" + crashes + " steps=" + steps
                + (protocolDefects.isEmpty() ? "" : " protocolDefects=" + protocolDefects)
                + (simDefects.isEmpty() ? "" : " simDefects=" + simDefects);
    }
}

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
 * @param minConcurrent    the least maximum of concurrent checkpoints drawn
 * @param reorderPercent   share of control messages delayed long enough to overtake others
 * @param maxStepMicros    virtual time a step may advance (short steps: more happens between triggers)
 * @param crashEvery       mean steps between random kills, when crashes are on
 * @param freshStartPercent share of restarts an operator forces to start fresh
 * @param coordinatorChecks whether the coordinator checks both ends of every channel before a commit
 *                          (off only to show the oracle catches a broken protocol on its own)
 * @param protocolDefects  deliberate protocol bugs (tests of the oracle only)
 * @param simDefects       deliberate runtime bugs (tests of the oracle only)
 */
public record SimulationConfig(long seed, Workload workload, String shape, CheckpointConfig checkpoints, int steps,
                               boolean crashes, int minConcurrent, int reorderPercent, int maxStepMicros,
                               int crashEvery, int freshStartPercent, boolean coordinatorChecks,
                               Set<ProtocolDefect> protocolDefects, Set<SimDefect> simDefects) {

    /** What a scenario may vary; fixed dimensions narrow the random choice. */
    public record Constraints(InFlightMode inFlight, AlignmentMode alignment, Boolean crashes, String workload,
                              Integer minConcurrent, Set<ProtocolDefect> protocolDefects, Set<SimDefect> simDefects,
                              boolean coordinatorChecks) {
        public static Constraints any() {
            return new Constraints(null, null, null, null, null, Set.of(), Set.of(), true);
        }

        public Constraints withoutCoordinatorChecks() {
            return new Constraints(inFlight, alignment, crashes, workload, minConcurrent, protocolDefects, simDefects, false);
        }

        public Constraints withInFlight(InFlightMode m) {
            return new Constraints(m, alignment, crashes, workload, minConcurrent, protocolDefects, simDefects, coordinatorChecks);
        }

        public Constraints withAlignment(AlignmentMode a) {
            return new Constraints(inFlight, a, crashes, workload, minConcurrent, protocolDefects, simDefects, coordinatorChecks);
        }

        public Constraints withCrashes(boolean c) {
            return new Constraints(inFlight, alignment, c, workload, minConcurrent, protocolDefects, simDefects, coordinatorChecks);
        }

        public Constraints withWorkload(String w) {
            return new Constraints(inFlight, alignment, crashes, w, minConcurrent, protocolDefects, simDefects, coordinatorChecks);
        }

        public Constraints withMinConcurrent(int n) {
            return new Constraints(inFlight, alignment, crashes, workload, n, protocolDefects, simDefects, coordinatorChecks);
        }

        public Constraints withDefect(ProtocolDefect d) {
            return new Constraints(inFlight, alignment, crashes, workload, minConcurrent, EnumSet.of(d), simDefects, coordinatorChecks);
        }

        public Constraints withDefect(SimDefect d) {
            return new Constraints(inFlight, alignment, crashes, workload, minConcurrent, protocolDefects, EnumSet.of(d), coordinatorChecks);
        }
    }

    /** Draws a scenario from {@code seed} within {@code c}. */
    public static SimulationConfig random(long seed, Constraints c) {
        Random r = new Random(seed);
        // Draw every dimension first, then apply the constraints: the same seed gives the same draws.
        String workloadName = r.nextInt(4) == 0 ? "wordcount" : "bank";
        AlignmentMode alignment = r.nextInt(4) == 0 ? AlignmentMode.ALIGNED : AlignmentMode.UNALIGNED;
        InFlightMode inFlight = r.nextBoolean() ? InFlightMode.COPY : InFlightMode.REFERENCE;
        boolean allTriggered = r.nextBoolean();
        boolean crashes = r.nextBoolean();
        int reorderPercent = r.nextInt(3) == 0 ? 0 : 40;
        int maxStepMicros = r.nextBoolean() ? 1_000 : 100;
        int crashEvery = new int[]{100, 300, 1_000}[r.nextInt(3)];
        int freshStartPercent = r.nextInt(4) == 0 ? 30 : 5;
        if (c.workload() != null) {
            workloadName = c.workload();
        }
        if (c.alignment() != null) {
            alignment = c.alignment();
        }
        if (c.inFlight() != null) {
            inFlight = c.inFlight();
        }
        if (c.crashes() != null) {
            crashes = c.crashes();
        }
        TriggerStyle triggers = alignment == AlignmentMode.ALIGNED || !allTriggered
                ? TriggerStyle.SOURCES_ONLY : TriggerStyle.ALL_OPERATORS;

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
                .interval(Duration.ofMillis(c.minConcurrent() != null && c.minConcurrent() > 1
                        ? 1 + r.nextInt(4) : 5 + r.nextInt(40)))
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
        return new SimulationConfig(seed, workload, shape, cb.build(), steps, crashes, minConcurrent, reorderPercent,
                maxStepMicros, crashEvery, freshStartPercent, c.coordinatorChecks(),
                c.protocolDefects().isEmpty() ? Set.of() : EnumSet.copyOf(c.protocolDefects()),
                c.simDefects().isEmpty() ? Set.of() : EnumSet.copyOf(c.simDefects()));
    }

    /** The {@code -D} flags that make {@code SimulationTest#replaySeed} run exactly this scenario. */
    public String replayFlags() {
        StringBuilder sb = new StringBuilder("-Dcairn.sim.seed=" + seed);
        sb.append(" -Dcairn.sim.crashes=").append(crashes);
        sb.append(" -Dcairn.sim.workload=").append(workload.name());
        sb.append(" -Dcairn.sim.inFlight=").append(checkpoints.inFlight());
        sb.append(" -Dcairn.sim.alignment=").append(checkpoints.alignment());
        if (minConcurrent > 1) {
            sb.append(" -Dcairn.sim.minConcurrent=").append(minConcurrent);
        }
        for (ProtocolDefect d : protocolDefects) {
            sb.append(" -Dcairn.sim.defect=").append(d);
        }
        if (!coordinatorChecks) {
            sb.append(" -Dcairn.sim.coordinatorChecks=false");
        }
        for (SimDefect d : simDefects) {
            sb.append(" -Dcairn.sim.defect=").append(d);
        }
        return sb.toString();
    }

    /** Constraints from the {@code -D} flags of {@link #replayFlags()} (absent flags leave a dimension free). */
    public static Constraints constraintsFromSystemProperties() {
        Constraints c = Constraints.any();
        String v;
        if ((v = System.getProperty("cairn.sim.crashes")) != null) {
            c = c.withCrashes(Boolean.parseBoolean(v));
        }
        if ((v = System.getProperty("cairn.sim.workload")) != null) {
            c = c.withWorkload(v);
        }
        if ((v = System.getProperty("cairn.sim.inFlight")) != null) {
            c = c.withInFlight(InFlightMode.valueOf(v));
        }
        if ((v = System.getProperty("cairn.sim.alignment")) != null) {
            c = c.withAlignment(AlignmentMode.valueOf(v));
        }
        if ((v = System.getProperty("cairn.sim.minConcurrent")) != null) {
            c = c.withMinConcurrent(Integer.parseInt(v));
        }
        if ("false".equals(System.getProperty("cairn.sim.coordinatorChecks"))) {
            c = c.withoutCoordinatorChecks();
        }
        if ((v = System.getProperty("cairn.sim.defect")) != null) {
            for (ProtocolDefect d : ProtocolDefect.values()) {
                if (d.name().equals(v)) {
                    c = c.withDefect(d);
                }
            }
            for (SimDefect d : SimDefect.values()) {
                if (d.name().equals(v)) {
                    c = c.withDefect(d);
                }
            }
        }
        return c;
    }

    @Override
    public String toString() {
        return "seed=" + seed + " workload=" + workload.name() + " shape=" + shape + " operators="
                + workload.topology().operators().size() + " channels=" + workload.topology().channels().size()
                + " inFlight=" + checkpoints.inFlight() + " alignment=" + checkpoints.alignment()
                + (checkpoints.alignmentTimeout() == null ? "" : " alignmentTimeout=" + checkpoints.alignmentTimeout())
                + " triggers=" + checkpoints.triggers() + " maxConcurrent=" + checkpoints.maxConcurrent()
                + " crashes=" + crashes + (crashes ? " crashEvery=" + crashEvery + " freshStarts=" + freshStartPercent + "%" : "")
                + " reorder=" + reorderPercent + "% stepMicros=" + maxStepMicros + " steps=" + steps
                + (protocolDefects.isEmpty() ? "" : " protocolDefects=" + protocolDefects)
                + (simDefects.isEmpty() ? "" : " simDefects=" + simDefects);
    }
}

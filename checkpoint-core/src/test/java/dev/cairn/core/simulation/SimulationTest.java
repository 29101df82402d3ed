package dev.cairn.core.simulation;

import dev.cairn.core.AlignmentMode;
import dev.cairn.core.InFlightMode;
import dev.cairn.core.protocol.ProtocolDefect;
import dev.cairn.core.state.MemoryStateBackend;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.function.LongFunction;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Random schedules checked by the oracle. {@code -Dcairn.sim.runs=N} runs N schedules in total
 * (default 2000); {@code -Dcairn.sim.seed=S} changes the base seed (default fixed, so CI is
 * reproducible) or, with {@link #replaySeed}, runs one seed alone. A failure prints each failing
 * seed and the command that replays it.
 */
class SimulationTest {
    static final int RUNS = Integer.getInteger("cairn.sim.runs", 2000);
    static final long BASE_SEED = Long.getLong("cairn.sim.seed", 20261128L);

    static SimulationResult run(SimulationConfig config) {
        return new Simulation(config, new CrashingStorage("sim-job"), MemoryStateBackend::new).run();
    }

    /** Runs {@code count} schedules from seeds derived from {@code salt}; returns the failures. */
    static List<SimulationResult> sweep(int count, long salt, LongFunction<SimulationConfig> configFor, Totals totals) {
        List<SimulationResult> failures = new ArrayList<>();
        Random seeds = new Random(BASE_SEED ^ salt);
        for (int i = 0; i < count; i++) {
            SimulationResult r = run(configFor.apply(seeds.nextLong()));
            totals.add(r);
            if (!r.ok()) {
                failures.add(r);
                if (failures.size() >= 5) {
                    break;
                }
            }
        }
        return failures;
    }

    static String report(List<SimulationResult> failures) {
        StringBuilder sb = new StringBuilder("oracle violations in " + failures.size() + " schedule(s):\n");
        for (SimulationResult r : failures) {
            sb.append(r.describe()).append("\n");
        }
        return sb.toString();
    }

    /** Counts across schedules, so a test can prove it exercised what it claims. */
    static final class Totals {
        int runs;
        int crashes;
        int restores;
        int completed;
        int checkedSnapshots;
        int checkedRestores;
        final Map<CrashWindow, Integer> windows = new EnumMap<>(CrashWindow.class);

        void add(SimulationResult r) {
            r.windowsHit().forEach((w, n) -> windows.merge(w, n, Integer::sum));
            runs++;
            crashes += r.crashes();
            restores += r.restores();
            completed += r.completed();
            checkedSnapshots += r.checkedSnapshots();
            checkedRestores += r.checkedRestores();
        }
    }

    @Test
    void randomSchedulesWithoutCrashesHaveNoViolations() {
        Totals totals = new Totals();
        int count = Math.max(1, RUNS / 2);
        List<SimulationResult> failures = sweep(count, 1,
                seed -> SimulationConfig.random(seed, SimulationConfig.Constraints.any().withCrashes(false)), totals);
        assertThat(failures).as(() -> report(failures)).isEmpty();
        assertThat(totals.runs).isEqualTo(count);
        assertThat(totals.checkedSnapshots).as("snapshots checked by the oracle").isGreaterThan(count);
    }

    @Test
    void randomSchedulesWithCrashesAndRestoresHaveNoViolations() {
        Totals totals = new Totals();
        int count = Math.max(1, RUNS / 2);
        List<SimulationResult> failures = sweep(count, 2,
                seed -> SimulationConfig.random(seed, SimulationConfig.Constraints.any().withCrashes(true)), totals);
        assertThat(failures).as(() -> report(failures)).isEmpty();
        assertThat(totals.crashes).as("crashes injected").isGreaterThanOrEqualTo(Math.min(500, count));
        assertThat(totals.checkedRestores - totals.runs).as("restores checked (beyond the first start)")
                .isGreaterThanOrEqualTo(Math.min(500, count));
        System.out.println("crash/restore sweep: " + count + " schedules, " + totals.crashes + " crashes, "
                + (totals.checkedRestores - totals.runs) + " restores checked, crash windows hit " + totals.windows);
        for (CrashWindow w : CrashWindow.values()) {
            assertThat(totals.windows.getOrDefault(w, 0)).as("times crash window " + w + " was hit in " + count
                    + " schedules (all: " + totals.windows + ")").isPositive();
        }
    }

    @Test
    void replaySeed() {
        String seed = System.getProperty("cairn.sim.seed");
        long s = seed == null ? BASE_SEED : Long.parseLong(seed);
        SimulationConfig.Constraints c = SimulationConfig.constraintsFromSystemProperties();
        SimulationResult r = run(SimulationConfig.random(s, c));
        assertThat(r.violations()).as(r::describe).isEmpty();
        SimulationResult again = run(SimulationConfig.random(s, c));
        assertThat(again.steps()).as("the same seed replays exactly").isEqualTo(r.steps());
        assertThat(again.crashes()).isEqualTo(r.crashes());
        assertThat(again.completed()).isEqualTo(r.completed());
    }

    @Test
    void sameSeedGivesTheSameRunEvenWhenItFails() {
        SimulationConfig.Constraints broken = SimulationConfig.Constraints.any().withInFlight(InFlightMode.COPY)
                .withAlignment(AlignmentMode.UNALIGNED).withDefect(ProtocolDefect.SKIP_IN_FLIGHT_RECORDS);
        long seed = firstFailingSeed(broken, 7);
        SimulationResult a = run(SimulationConfig.random(seed, broken));
        SimulationResult b = run(SimulationConfig.random(seed, broken));
        assertThat(a.ok()).isFalse();
        assertThat(b.violations()).isEqualTo(a.violations());
        assertThat(b.steps()).isEqualTo(a.steps());
    }

    static long firstFailingSeed(SimulationConfig.Constraints c, long salt) {
        Random seeds = new Random(BASE_SEED ^ salt);
        for (int i = 0; i < 200; i++) {
            long seed = seeds.nextLong();
            if (!run(SimulationConfig.random(seed, c)).ok()) {
                return seed;
            }
        }
        throw new AssertionError("no schedule of " + c + " failed within 200 runs");
    }
}

package dev.cairn.torture;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The short torture run meant for every CI build (issue 9): the bank as several OS processes
 * against a broker in its own process, at least 30 faults with every kind at least once.
 * The seed changes from run to run (a torture run that only ever replays one schedule finds
 * nothing new); {@code -Dcairn.torture.seed=S} replays a schedule's fault choices, and the seed is
 * in every failure message. Word count joins once the exactly-once sink exists (its output check
 * needs it). It takes about 3.5 minutes on 2 cores; {@code -Dcairn.torture.faults=N} changes the
 * number of faults.
 */
class TortureTest {
    private static final int FAULTS = Integer.getInteger("cairn.torture.faults", 30);

    @Test
    void everyFaultKindLeavesNoViolation(@TempDir Path work) {
        long seed = Long.getLong("cairn.torture.seed", System.nanoTime());
        Torture.Result result = Torture.run("--faults=" + FAULTS, "--seed=" + seed, "--work=" + work);

        String context = "torture seed " + seed + " (replay: ./mvnw -B -ntp -pl torture -am verify -Dtest=TortureTest"
                + " -Dsurefire.failIfNoSpecifiedTests=false -Dcairn.torture.seed=" + seed + ")";
        StringBuilder listed = new StringBuilder();
        Torture.appendCapped(listed, result.violations());
        assertThat(result.violations().size()).as(context + ": violations\n" + listed).isZero();
        assertThat(result.exitCode()).as(context).isZero();
        assertThat(result.faults().values().stream().mapToInt(Integer::intValue).sum()).as(context)
                .isGreaterThanOrEqualTo(FAULTS);
        for (Fault kind : Fault.values()) {
            assertThat(result.faults().get(kind)).as(context + ": faults of kind " + kind + " in " + result.faults())
                    .isPositive();
        }
        // every fault forces a restore of some kind, and the jobs still made progress
        assertThat(result.restores()).as(context).isGreaterThan(0);
        assertThat(result.completed()).as(context).isGreaterThan(0);
    }
}

package dev.cairn.core.simulation;

import dev.cairn.core.AlignmentMode;
import dev.cairn.core.InFlightMode;
import dev.cairn.core.protocol.ProtocolDefect;
import org.junit.jupiter.api.Test;
import java.util.Random;

class DebugTmpTest {
    @Test
    void stats() {
        SimulationConfig.Constraints c = SimulationConfig.Constraints.any().withInFlight(InFlightMode.COPY)
                .withAlignment(AlignmentMode.UNALIGNED).withCrashes(false).withMinConcurrent(2)
                .withDefect(ProtocolDefect.MARKER_CLOSES_ALL);
        Random seeds = new Random(5);
        int completed = 0, snaps = 0;
        for (int i = 0; i < 50; i++) {
            SimulationResult r = SimulationTest.run(SimulationConfig.random(seeds.nextLong(), c));
            completed += r.completed(); snaps += r.checkedSnapshots();
            System.out.println(r.config() + " completed=" + r.completed() + " snaps=" + r.checkedSnapshots() + " v=" + r.violations().size());
        }
        System.out.println("TOTAL completed=" + completed + " snaps=" + snaps);
    }
}

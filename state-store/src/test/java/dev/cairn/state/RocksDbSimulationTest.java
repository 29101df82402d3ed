package dev.cairn.state;

import dev.cairn.core.simulation.CrashingStorage;
import dev.cairn.core.simulation.Simulation;
import dev.cairn.core.simulation.SimulationConfig;
import dev.cairn.core.simulation.SimulationResult;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The core simulation with balances in real RocksDB: random topologies and schedules of the bank
 * workload, with crashes, restores (and restores of restores), storage that loses what was not
 * fsynced and fails writes for a while. The oracle compares each restored operator's state with its
 * state at the cut and checks that no money is created or lost. {@code -Dcairn.rocksdb.sim.runs=N}
 * changes the number of schedules (default 24); a failure prints each failing seed.
 */
class RocksDbSimulationTest {
    static final int RUNS = Integer.getInteger("cairn.rocksdb.sim.runs", 24);
    static final long BASE_SEED = Long.getLong("cairn.sim.seed", 20261128L);

    @TempDir
    Path local;

    @Test
    void bankWithCrashesAndRestoresInRocksDbHasNoViolations() throws IOException {
        Random seeds = new Random(BASE_SEED ^ 0x5EED_0C45L);
        // Local state on tmpfs where there is one: the simulation opens and snapshots hundreds of
        // small databases, and RocksDB's fsyncs on disk would dominate the run time.
        Path root = Files.isDirectory(Path.of("/dev/shm")) ? Files.createTempDirectory(Path.of("/dev/shm"), "cairn-sim")
                : local;
        RocksDbStateBackend backend = RocksDbStateBackend.builder().localDirectory(root)
                .writeBufferSize(256 << 10).blockCacheSize(1 << 20).build();
        List<String> failures = new ArrayList<>();
        int crashes = 0;
        int restores = 0;
        int snapshots = 0;
        for (int i = 0; i < RUNS; i++) {
            long seed = seeds.nextLong();
            SimulationConfig config = SimulationConfig.random(seed,
                    SimulationConfig.Constraints.any().withWorkload("bank").withCrashes(true));
            SimulationResult r = new Simulation(config, new CrashingStorage("sim-job"), () -> backend).run();
            crashes += r.crashes();
            restores += r.checkedRestores();
            snapshots += r.checkedSnapshots();
            if (!r.ok()) {
                failures.add("seed " + seed + ": " + r.describe());
            }
        }
        assertThat(failures).as("oracle violations with RocksDB state").isEmpty();
        assertThat(crashes).as("crashes injected").isGreaterThan(RUNS);
        assertThat(restores - RUNS).as("restores checked beyond the first start").isGreaterThan(RUNS);
        assertThat(snapshots).as("snapshots checked").isGreaterThan(RUNS);
        try (Stream<Path> left = Files.list(root)) {
            assertThat(left).as("local working directories left after every store closed").isEmpty();
        } finally {
            Files.deleteIfExists(root);
        }
        System.out.printf("%d schedules: %d crashes, %d restores, %d snapshots checked%n", RUNS, crashes, restores,
                snapshots);
    }
}

package dev.cairn.core.simulation;

import dev.cairn.core.storage.CheckpointStorage;
import dev.cairn.core.storage.CrashSimulatingFs;
import dev.cairn.core.storage.FaultInjectingFs;
import dev.cairn.core.storage.LocalCheckpointStorage;

import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.SplittableRandom;

/**
 * The production {@link LocalCheckpointStorage} on a {@link CrashSimulatingFs} (what is not fsynced
 * is lost at a crash; crash points on purpose) wrapped in a {@link FaultInjectingFs} (writes fail
 * while switched on). Deterministic: file-name randomness is seeded.
 */
public final class CrashingStorage implements SimStorage {
    private final String jobId;
    private final CrashSimulatingFs machine = new CrashSimulatingFs();
    private final FaultInjectingFs faults = new FaultInjectingFs(machine);
    private final SplittableRandom names;

    public CrashingStorage(String jobId) {
        this(jobId, 42);
    }

    public CrashingStorage(String jobId, long seed) {
        this.jobId = jobId;
        this.names = new SplittableRandom(seed);
    }

    @Override
    public CheckpointStorage open() {
        return LocalCheckpointStorage.open(Path.of("/checkpoints"), jobId, faults,
                Clock.fixed(Instant.parse("2026-11-28T00:00:00Z"), ZoneOffset.UTC), names.split());
    }

    @Override
    public void crash() {
        machine.crash();
    }

    @Override
    public void armCrashAfter(long operations) {
        machine.crashAtOperation(operations);
    }

    @Override
    public void disarm() {
        machine.disarm();
    }

    @Override
    public void failWrites(boolean on) {
        if (on) {
            faults.failWrites();
        } else {
            faults.heal();
        }
    }

    /** The simulated machine, for tests that aim at a crash point. */
    public CrashSimulatingFs machine() {
        return machine;
    }
}

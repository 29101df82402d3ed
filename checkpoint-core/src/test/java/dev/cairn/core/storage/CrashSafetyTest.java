package dev.cairn.core.storage;

import dev.cairn.core.manifest.FileRef;
import dev.cairn.core.manifest.Manifest;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;
import java.util.function.Function;

import static dev.cairn.core.storage.Fixtures.JOB;
import static dev.cairn.core.storage.Fixtures.ROOT;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

/**
 * Crashes at every operation index of an action in turn, with a file system that loses whatever was
 * not made durable, and checks what survives: the old state or the new one, never garbage.
 */
class CrashSafetyTest {

    /** What one crash run saw: the storage after restart, and whether the action completed. */
    private record Outcome<T>(LocalCheckpointStorage storage, CrashSimulatingFs fs, boolean completed, T before) {
    }

    /**
     * For k = 1, 2, ...: prepares a fresh file system, crashes at the k-th call of {@code action},
     * restarts, and hands the outcome to {@code check}; stops after the first run without a crash.
     *
     * @return the number of crash points exercised
     */
    private static <T> int crashAtEveryOperation(Function<LocalCheckpointStorage, T> prepare,
                                                 Consumer<LocalCheckpointStorage> action,
                                                 Consumer<Outcome<T>> check) {
        for (int k = 1; k < 10_000; k++) {
            CrashSimulatingFs fs = new CrashSimulatingFs();
            T before;
            boolean completed = false;
            try (LocalCheckpointStorage storage = Fixtures.open(fs)) {
                before = prepare.apply(storage);
                fs.crashAtOperation(k);
                try {
                    action.accept(storage);
                    completed = true;
                } catch (SimulatedCrash expected) {
                    assertThat(fs.isDown()).isTrue();
                }
            }
            fs.crash();
            try (LocalCheckpointStorage restarted = Fixtures.open(fs)) {
                check.accept(new Outcome<>(restarted, fs, completed, before));
            } catch (AssertionError | RuntimeException e) {
                throw new AssertionError("after a crash at operation " + k + ": " + e.getMessage(), e);
            }
            if (completed) {
                return k - 1;
            }
        }
        return fail("action never completed");
    }

    @Test
    void anAllocatedIdIsNeverHandedOutAgainWhereverACrashHits() {
        List<Long> handedOut = new ArrayList<>();
        int points = crashAtEveryOperation(storage -> {
            handedOut.clear();
            for (int i = 0; i < 3; i++) {
                handedOut.add(storage.allocateCheckpointId());
            }
            return null;
        }, storage -> handedOut.add(storage.allocateCheckpointId()), outcome -> {
            long next = outcome.storage().allocateCheckpointId(); // also proves IDS is readable, not garbage
            assertThat(next).isGreaterThan(handedOut.stream().mapToLong(Long::longValue).max().orElseThrow());
            assertThat(next).isIn(4L, 5L);
        });
        assertThat(points).isGreaterThan(5);
    }

    @Test
    void anEpochIsNeverReusedAndTheRecordsStayReadable() {
        int points = crashAtEveryOperation(storage -> storage.beginEpoch(0, Map.of("a", "inc-1")),
                storage -> storage.beginEpoch(3, Map.of("a", "inc-2")), outcome -> {
            LocalCheckpointStorage s = outcome.storage();
            int current = s.currentEpoch().orElseThrow().epoch();
            List<RestoreEntry> history = s.restoreHistory();
            assertThat(current).isIn(1, 2);
            assertThat(history).isIn(List.of(new RestoreEntry(1, 0)), List.of(new RestoreEntry(1, 0), new RestoreEntry(2, 3)));
            if (current == 2) {
                assertThat(history).as("history is written before the epoch record").hasSize(2);
                assertThat(s.currentEpoch().orElseThrow().roster()).containsEntry("a", "inc-2");
            }
            int next = s.beginEpoch(3, Map.of()).epoch();
            assertThat(next).isEqualTo(history.size() + 1);
        });
        assertThat(points).isGreaterThan(10);
    }

    @Test
    void aCheckpointIsEitherCompleteOrAbsentWhereverItsWritingCrashes() {
        int points = crashAtEveryOperation(storage -> Fixtures.checkpoint(storage, 1, 1),
                storage -> Fixtures.checkpoint(storage, 2, 1), outcome -> {
            LatestResult result = outcome.storage().latest(true);
            assertThat(result).isInstanceOf(LatestResult.Found.class);
            Manifest found = ((LatestResult.Found) result).manifest();
            assertThat(found.checkpointId()).isIn(1L, 2L);
            if (outcome.completed()) {
                assertThat(found.checkpointId()).isEqualTo(2);
            }
            assertThat(result.skipped()).allSatisfy(s -> assertThat(s.status()).isEqualTo(CheckpointStatus.INCOMPLETE));
            for (FileRef f : found.files()) {
                outcome.storage().verifyFile(f, true);
            }
        });
        assertThat(points).isGreaterThan(40);
    }

    @Test
    void aCrashJustBeforeTheManifestRenameLeavesThePreviousCheckpoint() {
        CrashSimulatingFs fs = new CrashSimulatingFs();
        try (LocalCheckpointStorage storage = Fixtures.open(fs)) {
            Fixtures.checkpoint(storage, 1, 1);
            fs.crashWhen(op -> op.isRenameTo("MANIFEST"));
            try {
                Fixtures.checkpoint(storage, 2, 1);
                fail("no crash");
            } catch (SimulatedCrash expected) {
                assertThat(expected.operation().path().getFileName().toString()).startsWith("MANIFEST.tmp-");
            }
        }
        fs.crash();
        try (LocalCheckpointStorage storage = Fixtures.open(fs)) {
            assertThat(((LatestResult.Found) storage.latest(true)).manifest().checkpointId()).isEqualTo(1);
            assertThat(storage.list(false).get(0).status()).isEqualTo(CheckpointStatus.INCOMPLETE);
        }
    }

    @Test
    void aCrashAnywhereInRetentionNeverDamagesARetainedCheckpoint() {
        Path jobDir = ROOT.resolve(JOB);
        // 1 and 2 go (2's shared file with it), 3 stays and still references 1's shared file,
        // 4 never committed and is not pending.
        int points = crashAtEveryOperation(storage -> {
            storage.beginEpoch(0, Map.of());
            Manifest first = Fixtures.checkpoint(storage, storage.allocateCheckpointId(), 1);
            Manifest second = Fixtures.checkpoint(storage, storage.allocateCheckpointId(), 1);
            Manifest third = Fixtures.checkpointReusing(storage, storage.allocateCheckpointId(), 1,
                    Fixtures.sharedFile(first));
            Fixtures.uncommitted(storage, storage.allocateCheckpointId(), 1);
            return List.of(first, second, third);
        }, storage -> storage.retain(1, Set.of(), 1), outcome -> {
            LocalCheckpointStorage s = outcome.storage();
            Manifest third = outcome.before().get(2);
            assertThat(((LatestResult.Found) s.latest(true)).manifest()).isEqualTo(third);
            assertThat(s.readManifest(3)).isEqualTo(third);
            for (FileRef f : third.files()) {
                s.verifyFile(f, true);
            }
            // A later pass finishes the job, whatever state the crash left.
            RetentionResult again = s.retain(1, Set.of(), 1);
            assertThat(again.retained()).containsExactly(3L);
            assertThat(s.list(true)).extracting(CheckpointListing::checkpointId).containsExactly(3L);
            assertThat(outcome.fs().exists(jobDir.resolve(Fixtures.sharedFile(outcome.before().get(1)).path()))).isFalse();
        });
        assertThat(points).isGreaterThan(20);
    }
}

package dev.cairn.core.storage;

import dev.cairn.core.CairnException;
import dev.cairn.core.manifest.FileRef;
import dev.cairn.core.manifest.Manifest;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

import static dev.cairn.core.storage.Fixtures.JOB;
import static dev.cairn.core.storage.Fixtures.ROOT;
import static dev.cairn.core.storage.Fixtures.manifestPath;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class RetentionTest {
    private final CrashSimulatingFs fs = new CrashSimulatingFs();
    private final Path jobDir = ROOT.resolve(JOB);
    private final Map<Long, Manifest> manifests = new HashMap<>();
    private LocalCheckpointStorage storage;

    @BeforeEach
    void epochOne() {
        storage = Fixtures.open(fs);
        storage.beginEpoch(0, Map.of());
    }

    @AfterEach
    void close() {
        storage.close();
    }

    /** Allocates the next id the way the coordinator does, and takes a complete checkpoint with it. */
    private Manifest checkpoint(int epoch) {
        long id = storage.allocateCheckpointId();
        Manifest m = Fixtures.checkpoint(storage, id, epoch);
        manifests.put(id, m);
        return m;
    }

    private boolean exists(String relative) throws IOException {
        return fs.exists(jobDir.resolve(relative));
    }

    /** Every path under the job directory with its bytes: to prove that nothing changed. */
    private Map<String, String> tree() throws IOException {
        Map<String, String> out = new TreeMap<>();
        walk(jobDir, out);
        return out;
    }

    private void walk(Path dir, Map<String, String> out) throws IOException {
        for (String name : fs.list(dir)) {
            Path p = dir.resolve(name);
            if (fs.isDirectory(p)) {
                out.put(p + "/", "");
                walk(p, out);
            } else {
                out.put(p.toString(), java.util.HexFormat.of().formatHex(Fixtures.read(fs, p)));
            }
        }
    }

    @Test
    void keepsTheNewestValidCheckpointsAndRemovesOlderOnesWithTheirSharedFiles() throws IOException {
        for (int i = 0; i < 5; i++) {
            checkpoint(1);
        }

        RetentionResult result = storage.retain(3, Set.of(), 1);

        assertThat(result.retained()).containsExactly(5L, 4L, 3L);
        assertThat(result.removedCheckpoints()).containsExactly(2L, 1L);
        assertThat(result.removedSharedFiles()).containsExactlyInAnyOrder(
                Fixtures.sharedFile(manifests.get(1L)).path(), Fixtures.sharedFile(manifests.get(2L)).path());
        assertThat(exists("chk-1")).isFalse();
        assertThat(exists("chk-2")).isFalse();
        assertThat(storage.list(true)).extracting(CheckpointListing::checkpointId, CheckpointListing::status)
                .containsExactly(org.assertj.core.groups.Tuple.tuple(5L, CheckpointStatus.COMPLETE),
                        org.assertj.core.groups.Tuple.tuple(4L, CheckpointStatus.COMPLETE),
                        org.assertj.core.groups.Tuple.tuple(3L, CheckpointStatus.COMPLETE));
    }

    @Test
    void aSharedFileGoesOnlyWhenNoRetainedManifestReferencesIt() throws IOException {
        Manifest first = checkpoint(1);
        FileRef reused = Fixtures.sharedFile(first);
        long id = storage.allocateCheckpointId();
        Fixtures.checkpointReusing(storage, id, 1, reused);

        RetentionResult result = storage.retain(1, Set.of(), 1);

        assertThat(result.removedCheckpoints()).containsExactly(1L);
        assertThat(result.removedSharedFiles()).isEmpty();
        assertThat(exists(reused.path())).isTrue();
        assertThat(exists("chk-1")).isFalse();
        assertThat(((LatestResult.Found) storage.latest(true)).manifest().checkpointId()).isEqualTo(2);
    }

    @Test
    void removesAbandonedCorruptAndIncompleteButNeverWhatAPendingCheckpointNeeds() throws IOException {
        checkpoint(1);                                             // 1: older than the retained ones
        Manifest two = checkpoint(1);                              // 2: restored by epoch 2
        Manifest three = checkpoint(1);                            // 3: abandoned by epoch 2
        long four = storage.allocateCheckpointId();
        Fixtures.uncommitted(storage, four, 1);                    // 4: never committed, not pending
        storage.beginEpoch(two.checkpointId(), Map.of());
        checkpoint(2);                                             // 5
        Manifest six = checkpoint(2);                              // 6: will be damaged
        Manifest seven = checkpoint(2);                            // 7
        byte[] bytes = Fixtures.read(fs, manifestPath(6));
        bytes[40] ^= 1;
        Fixtures.replace(fs, manifestPath(6), bytes);
        long eight = storage.allocateCheckpointId();               // 8: pending, created a shared file
        Manifest pending8 = Fixtures.uncommitted(storage, eight, 2);
        long nine = storage.allocateCheckpointId();                // 9: pending, its local snapshot reuses 1's shared file
        FileRef reusedBy9 = Fixtures.sharedFile(manifests.get(1L));
        storage.writeLocalSnapshot(new dev.cairn.core.manifest.LocalSnapshot("reader", nine, 2,
                dev.cairn.core.InFlightMode.COPY, new dev.cairn.core.manifest.StateHandle("rocksdb", List.of(reusedBy9),
                Map.of()), null, null, null, null));

        RetentionResult result = storage.retain(2, Set.of(eight, nine), 2);

        assertThat(result.retained()).containsExactly(7L, 5L);
        assertThat(result.removedCheckpoints()).containsExactlyInAnyOrder(6L, 4L, 3L, 2L, 1L);
        assertThat(storage.list(false)).extracting(CheckpointListing::checkpointId).containsExactly(9L, 8L, 7L, 5L);
        assertThat(exists(Fixtures.sharedFile(pending8).path())).as("shared file created by pending 8").isTrue();
        assertThat(exists(reusedBy9.path())).as("shared file named by pending 9's local snapshot").isTrue();
        assertThat(exists(Fixtures.sharedFile(three).path())).as("abandoned 3's shared file").isFalse();
        assertThat(exists(Fixtures.sharedFile(six).path())).as("corrupt 6's shared file").isFalse();
        assertThat(exists(Fixtures.sharedFile(seven).path())).isTrue();
    }

    @Test
    void retentionByAStaleEpochIsRefusedAndDeletesNothing() throws IOException {
        for (int i = 0; i < 4; i++) {
            checkpoint(1);
        }
        storage.beginEpoch(4, Map.of());
        Map<String, String> before = tree();

        assertThatThrownBy(() -> storage.retain(1, Set.of(), 1))
                .isInstanceOfSatisfying(CairnException.class, e -> assertThat(e.reason()).isEqualTo(CairnException.Reason.FENCED))
                .hasMessageContaining("this coordinator runs in epoch 1, but the current epoch is 2")
                .hasMessageContaining(jobDir.resolve("EPOCH").toString());
        assertThat(tree()).isEqualTo(before);
    }

    @Test
    void anEpochOnlyInTheRestoreHistoryAlreadyFencesTheOldCoordinator() throws IOException {
        checkpoint(1);
        checkpoint(1);
        fs.crashWhen(op -> op.isRenameTo("EPOCH")); // the new coordinator dies between RESTORES and EPOCH
        assertThatThrownBy(() -> storage.beginEpoch(2, Map.of())).isInstanceOf(SimulatedCrash.class);
        fs.crash();
        storage = Fixtures.open(fs);
        assertThat(storage.currentEpoch().orElseThrow().epoch()).isEqualTo(1);
        Map<String, String> before = tree();

        assertThatThrownBy(() -> storage.retain(1, Set.of(), 1))
                .isInstanceOfSatisfying(CairnException.class, e -> assertThat(e.reason()).isEqualTo(CairnException.Reason.FENCED))
                .hasMessageContaining("the restore history holds epoch 2");
        assertThat(tree()).isEqualTo(before);
    }

    @Test
    void keepMustBeAtLeastOne() {
        assertThatThrownBy(() -> storage.retain(0, Set.of(), 1)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("keep at least 1").hasMessageContaining("keep 0");
    }

    @Test
    void removesLeftoverTemporaryFiles() throws IOException {
        checkpoint(1);
        Fixtures.replace(fs, jobDir.resolve("chk-1/MANIFEST.tmp-0123456789ab"), new byte[] {1});
        Fixtures.replace(fs, jobDir.resolve("IDS.tmp-0123456789ab"), new byte[] {1});

        storage.retain(1, Set.of(), 1);

        assertThat(fs.list(jobDir.resolve("chk-1"))).doesNotContain("MANIFEST.tmp-0123456789ab").contains("MANIFEST");
        assertThat(fs.list(jobDir)).doesNotContain("IDS.tmp-0123456789ab");
    }

    @Test
    void keepsNewerFormatCheckpointsAndDamagedOnesWhenNothingIsValid() throws IOException {
        checkpoint(1);
        checkpoint(1);
        checkpoint(1);
        Fixtures.replace(fs, manifestPath(3), Fixtures.reseal(Fixtures.read(fs, manifestPath(3)),
                s -> s.replace("\"formatVersion\" : 1", "\"formatVersion\" : 2")));

        RetentionResult result = storage.retain(1, Set.of(), 1);

        assertThat(result.retained()).containsExactly(2L);
        assertThat(result.removedCheckpoints()).containsExactly(1L);
        assertThat(result.removedSharedFiles()).as("3's references cannot be read").isEmpty();
        assertThat(exists("chk-3/MANIFEST")).isTrue();

        byte[] bytes = Fixtures.read(fs, manifestPath(2));
        Fixtures.replace(fs, manifestPath(2), java.util.Arrays.copyOf(bytes, 10));
        RetentionResult none = storage.retain(1, Set.of(), 1);
        assertThat(none.retained()).isEmpty();
        assertThat(none.removedCheckpoints()).isEmpty();
        assertThat(exists("chk-2/MANIFEST")).as("the only damaged checkpoint is kept for repair").isTrue();
    }

    @Test
    void anIncompleteDirectoryAboveTheCounterSurvives() throws IOException {
        checkpoint(1);
        Fixtures.uncommitted(storage, 5, 1); // allocated after the pass read the counter (or by a lost counter)

        List<Long> removed = new ArrayList<>(storage.retain(1, Set.of(), 1).removedCheckpoints());

        assertThat(removed).isEmpty();
        assertThat(exists("chk-5/account/LOCAL")).isTrue();
    }
}

package dev.cairn.core.storage;

import dev.cairn.core.CairnException;
import dev.cairn.core.CorruptCheckpointException;
import dev.cairn.core.manifest.FileRef;
import dev.cairn.core.manifest.LocalSnapshot;
import dev.cairn.core.manifest.Manifest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import static dev.cairn.core.storage.Fixtures.JOB;
import static dev.cairn.core.storage.Fixtures.ROOT;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

class LocalCheckpointStorageTest {
    private final CrashSimulatingFs fs = new CrashSimulatingFs();
    private final Path jobDir = ROOT.resolve(JOB);

    private static void assertReason(Throwable e, CairnException.Reason reason) {
        assertThat(e).isInstanceOf(CairnException.class);
        assertThat(((CairnException) e).reason()).isEqualTo(reason);
    }

    @Test
    void roundTripsACheckpointThroughANewInstance() throws IOException {
        Manifest written;
        try (LocalCheckpointStorage storage = Fixtures.open(fs)) {
            written = Fixtures.checkpoint(storage, 1, 1);
        }
        fs.crash(); // everything was made durable, so a crash loses nothing

        try (LocalCheckpointStorage storage = Fixtures.open(fs)) {
            assertThat(storage.readManifest(1)).isEqualTo(written);
            assertThat(storage.latest(true)).isEqualTo(new LatestResult.Found(written, List.of()));
            for (FileRef f : written.files()) {
                storage.verifyFile(f, true);
                try (InputStream in = storage.openFile(f)) {
                    assertThat(in.readAllBytes()).hasSize((int) f.size());
                }
            }
            assertThat(storage.list(false)).extracting(CheckpointListing::status).containsExactly(CheckpointStatus.COMPLETE);
        }
    }

    @Test
    void allocatesIncreasingIdsThatSurviveRestartsAndALostCounter() throws IOException {
        try (LocalCheckpointStorage storage = Fixtures.open(fs)) {
            assertThat(storage.allocateCheckpointId()).isEqualTo(1);
            assertThat(storage.allocateCheckpointId()).isEqualTo(2);
            Fixtures.uncommitted(storage, 7, 1); // a directory above the counter
        }
        fs.crash();
        try (LocalCheckpointStorage storage = Fixtures.open(fs)) {
            assertThat(storage.allocateCheckpointId()).isEqualTo(8);
            fs.delete(jobDir.resolve("IDS"));
            assertThat(storage.allocateCheckpointId()).isEqualTo(8); // above chk-7 even without the counter
        }
    }

    @Test
    void beginsEachEpochAboveEveryEpochSeenAndRecordsFreshStarts() {
        try (LocalCheckpointStorage storage = Fixtures.open(fs)) {
            assertThat(storage.currentEpoch()).isEmpty();
            EpochRecord first = storage.beginEpoch(0, Map.of("source", "inc-1"));
            EpochRecord second = storage.beginEpoch(5, Map.of("source", "inc-2"));

            assertThat(first.epoch()).isEqualTo(1);
            assertThat(first.isFreshStart()).isTrue();
            assertThat(second.epoch()).isEqualTo(2);
            assertThat(storage.currentEpoch()).contains(second);
            assertThat(storage.restoreHistory()).containsExactly(new RestoreEntry(1, 0), new RestoreEntry(2, 5));
        }
    }

    @Test
    void corruptIdCounterIsAClearErrorNamingTheFile() throws IOException {
        try (LocalCheckpointStorage storage = Fixtures.open(fs)) {
            storage.allocateCheckpointId();
            Path ids = jobDir.resolve("IDS");
            byte[] bytes = Fixtures.read(fs, ids);
            bytes[bytes.length / 2] ^= 1;
            Fixtures.replace(fs, ids, bytes);

            assertThatThrownBy(storage::allocateCheckpointId)
                    .satisfies(e -> assertReason(e, CairnException.Reason.STORAGE))
                    .hasMessageContaining("checkpoint id counter checksum mismatch in " + ids)
                    .hasMessageContaining("ids must never be reused");
        }
    }

    @Test
    void corruptOrNewerEpochRecordIsAClearErrorNamingTheFile() throws IOException {
        try (LocalCheckpointStorage storage = Fixtures.open(fs)) {
            storage.beginEpoch(0, Map.of());
            Path epoch = jobDir.resolve("EPOCH");
            byte[] good = Fixtures.read(fs, epoch);
            Fixtures.replace(fs, epoch, java.util.Arrays.copyOf(good, good.length - 3));

            assertThatThrownBy(storage::currentEpoch)
                    .satisfies(e -> assertReason(e, CairnException.Reason.STORAGE))
                    .hasMessageContaining("epoch record is truncated or damaged in " + epoch);
            assertThatThrownBy(() -> storage.beginEpoch(0, Map.of())).hasMessageContaining(epoch.toString());

            Fixtures.replace(fs, epoch, Fixtures.reseal(good, s -> s.replace("\"formatVersion\" : 1", "\"formatVersion\" : 3")));
            assertThatThrownBy(storage::currentEpoch)
                    .hasMessageContaining("epoch record was written by a newer cairn (format 3) in " + epoch)
                    .hasMessageContaining("upgrade cairn");
        }
    }

    @Test
    void rejectsAJobIdThatIsNotASafeDirectoryName() {
        assertThatThrownBy(() -> LocalCheckpointStorage.open(ROOT, "../etc", fs))
                .satisfies(e -> assertReason(e, CairnException.Reason.CONFIGURATION))
                .hasMessageContaining("job id '../etc'");
    }

    @Test
    void anUncreatableRootIsAClearErrorAtOpen(@TempDir Path tmp) throws IOException {
        Path file = Files.writeString(tmp.resolve("not-a-directory"), "x");
        Path root = file.resolve("checkpoints");

        assertThatThrownBy(() -> LocalCheckpointStorage.open(root, JOB, new NioStorageFs()))
                .satisfies(e -> assertReason(e, CairnException.Reason.STORAGE))
                .hasMessageContaining("cannot create checkpoint directory " + root.resolve(JOB))
                .hasCauseInstanceOf(IOException.class);
    }

    @Test
    void anUnwritableRootIsAClearErrorAtOpen() {
        FaultInjectingFs faulty = new FaultInjectingFs(fs);
        Fixtures.open(faulty).close();
        faulty.failWhen(op -> op.kind() == FsOperation.Kind.CREATE_NEW);

        assertThatThrownBy(() -> Fixtures.open(faulty))
                .satisfies(e -> assertReason(e, CairnException.Reason.STORAGE))
                .hasMessageContaining("checkpoint directory " + jobDir + " is not writable");
    }

    @Test
    void aWriteFailingMidCheckpointNamesTheFileAndLeavesNothingThatReadsAsValid() throws IOException {
        FaultInjectingFs faulty = new FaultInjectingFs(fs);
        try (LocalCheckpointStorage storage = Fixtures.open(faulty)) {
            Fixtures.checkpoint(storage, 1, 1);
            CheckpointFileWriter writer = storage.createPrivateFile(2, "account", "state/000013.log");
            writer.write(new byte[100_000]); // past the writer's buffer: reaches the file system
            faulty.failWrites();

            assertThatThrownBy(() -> writer.write(new byte[100_000]))
                    .satisfies(e -> assertReason(e, CairnException.Reason.STORAGE))
                    .hasMessageContaining("cannot write checkpoint file " + jobDir.resolve("chk-2/account/state/000013.log"));
            assertThatThrownBy(() -> Fixtures.checkpoint(storage, 2, 1))
                    .satisfies(e -> assertReason(e, CairnException.Reason.STORAGE))
                    .hasMessageContaining(jobDir.resolve("chk-2").toString());

            assertThat(storage.latest(true)).isInstanceOf(LatestResult.Found.class)
                    .extracting(r -> ((LatestResult.Found) r).manifest().checkpointId()).isEqualTo(1L);
            faulty.heal();
            Fixtures.checkpoint(storage, 3, 1); // the next one succeeds
            assertThat(((LatestResult.Found) storage.latest(true)).manifest().checkpointId()).isEqualTo(3);
        }
    }

    /**
     * Storage failing at any write of {@code beginEpoch} — once, or from there on until healed —
     * never leaves a restore history that cannot be read or lost an entry: the old history or the
     * new one, and the next attempt goes above every epoch either holds (the coordinator retries
     * such a failure under the restart policy).
     */
    @Test
    void aWriteFailingAnywhereWhileAnEpochBeginsLeavesTheHistoryWholeAndTheRetryAboveIt() {
        for (boolean staysFailing : new boolean[]{false, true}) {
            int faultsHit = 0;
            for (int k = 1; ; k++) {
                CrashSimulatingFs memory = new CrashSimulatingFs();
                FaultInjectingFs faulty = new FaultInjectingFs(memory);
                String where = (staysFailing ? "every write from" : "only") + " write " + k;
                try (LocalCheckpointStorage storage = Fixtures.open(faulty)) {
                    storage.beginEpoch(0, Map.of("a", "inc-1"));
                    java.util.concurrent.atomic.AtomicInteger writes = new java.util.concurrent.atomic.AtomicInteger();
                    int at = k;
                    faulty.failWhen(op -> op.isWrite() && (staysFailing ? writes.incrementAndGet() >= at
                            : writes.incrementAndGet() == at));
                    boolean failed;
                    try {
                        storage.beginEpoch(3, Map.of("a", "inc-2"));
                        failed = false;
                    } catch (CairnException e) {
                        assertThat(e.reason()).as(where).isEqualTo(CairnException.Reason.STORAGE);
                        assertThat(e.getMessage()).as(where).contains("injected storage fault");
                        failed = true;
                    }
                    faulty.heal();
                    if (!failed) {
                        assertThat(faultsHit).as("failures exercised").isGreaterThan(3);
                        break;
                    }
                    faultsHit++;
                    List<RestoreEntry> history = storage.restoreHistory(); // readable, not garbage
                    assertThat(history).as(where).isIn(List.of(new RestoreEntry(1, 0)),
                            List.of(new RestoreEntry(1, 0), new RestoreEntry(2, 3)));
                    int current = storage.currentEpoch().orElseThrow().epoch();
                    assertThat(current).as(where).isIn(1, 2);
                    EpochRecord retried = storage.beginEpoch(3, Map.of("a", "inc-2"));
                    assertThat(retried.epoch()).as(where).isEqualTo(history.size() + 1);
                    assertThat(storage.restoreHistory()).as(where).startsWith(history.toArray(new RestoreEntry[0]))
                            .endsWith(new RestoreEntry(retried.epoch(), 3));
                    assertThat(storage.currentEpoch().orElseThrow()).as(where).isEqualTo(retried);
                }
                try (LocalCheckpointStorage reopened = Fixtures.open(memory)) {
                    List<RestoreEntry> history = reopened.restoreHistory();
                    assertThat(reopened.currentEpoch().orElseThrow().epoch()).as(where + ", after a restart")
                            .isEqualTo(history.get(history.size() - 1).epoch());
                }
            }
        }
    }

    @Test
    void aFailedManifestRenameLeavesNoCheckpointAndNoTemporaryBehind() throws IOException {
        FaultInjectingFs faulty = new FaultInjectingFs(fs);
        try (LocalCheckpointStorage storage = Fixtures.open(faulty)) {
            Manifest m = Fixtures.uncommitted(storage, 1, 1);
            faulty.failWhen(op -> op.isRenameTo("MANIFEST"));

            assertThatThrownBy(() -> storage.commitManifest(m))
                    .satisfies(e -> assertReason(e, CairnException.Reason.STORAGE))
                    .hasMessageContaining("writing its manifest " + jobDir.resolve("chk-1/MANIFEST") + " failed");
            faulty.heal();
            assertThat(storage.latest(false)).isInstanceOf(LatestResult.NoCheckpoint.class);
            assertThat(fs.list(jobDir.resolve("chk-1"))).noneMatch(n -> n.startsWith("MANIFEST"));
        }
    }

    @Test
    void refusesASecondManifestOrLocalSnapshotForTheSameCheckpoint() {
        try (LocalCheckpointStorage storage = Fixtures.open(fs)) {
            Manifest m = Fixtures.checkpoint(storage, 1, 1);

            assertThatThrownBy(() -> storage.commitManifest(m))
                    .satisfies(e -> assertReason(e, CairnException.Reason.CHECKPOINT_FAILED))
                    .hasMessageContaining("already has a manifest " + jobDir.resolve("chk-1/MANIFEST"));
            LocalSnapshot again = m.operators().get("source");
            assertThatThrownBy(() -> storage.writeLocalSnapshot(again))
                    .hasMessageContaining("was already written to " + jobDir.resolve("chk-1/source/LOCAL"));
        }
    }

    @Test
    void readingAFileToItsEndDetectsDamageThatSizeChecksMiss() throws IOException {
        try (LocalCheckpointStorage storage = Fixtures.open(fs)) {
            FileRef ref = Fixtures.checkpoint(storage, 1, 1).files().get(0);
            Path path = jobDir.resolve(ref.path());
            byte[] bytes = Fixtures.read(fs, path);
            bytes[0] ^= 0x40;
            Fixtures.replace(fs, path, bytes);

            storage.verifyFile(ref, false);
            assertThatThrownBy(() -> storage.verifyFile(ref, true))
                    .isInstanceOf(CorruptCheckpointException.class)
                    .hasMessageContaining("checkpoint file " + path + " checksum mismatch (expected " + ref.crc32cHex());
            try (InputStream in = storage.openFile(ref)) {
                assertThatThrownBy(in::readAllBytes).isInstanceOf(CorruptCheckpointException.class)
                        .hasMessageContaining(path.toString());
            }
        }
    }

    @Test
    void aLocalSnapshotThatIsNotTheReferencedOneIsRejected() throws IOException {
        try (LocalCheckpointStorage storage = Fixtures.open(fs)) {
            Manifest m = Fixtures.uncommitted(storage, 1, 1);
            Path local = jobDir.resolve("chk-1/account/LOCAL");
            FileRef ref = new FileRef("chk-1/account/LOCAL", fs.size(local), 0x1234);

            assertThatThrownBy(() -> storage.readLocalSnapshot(ref))
                    .isInstanceOf(CorruptCheckpointException.class)
                    .hasMessageContaining("local snapshot " + local + " is not the one referenced");
            assertThat(m.operators()).containsKey("account");
        }
    }

    @Test
    void sharedFilesGetFreshNamesCarryingTheCreatingCheckpoint() {
        try (LocalCheckpointStorage storage = Fixtures.open(fs)) {
            FileRef a = Fixtures.write(storage.createSharedFile("account", 4, "000012.sst"), "a");
            FileRef b = Fixtures.write(storage.createSharedFile("account", 4, "000012.sst"), "b");

            assertThat(a.path()).matches("shared/account/4-[0-9a-f]{12}-000012\\.sst");
            assertThat(b.path()).isNotEqualTo(a.path());
        }
    }

    @Test
    void operatorIdsAndNamesCannotEscapeTheirDirectory() {
        try (LocalCheckpointStorage storage = Fixtures.open(fs)) {
            FileRef ref = Fixtures.write(storage.createPrivateFile(1, "../../etc", "../passwd"), "x");

            // names may contain '/': each segment is encoded, so ".." becomes a harmless "%2E."
            assertThat(ref.path()).isEqualTo("chk-1/%2E.%2F..%2Fetc/%2E./passwd");
            assertThat(jobDir.resolve(ref.path()).normalize()).startsWithRaw(jobDir.resolve("chk-1"));
            assertThatThrownBy(() -> storage.openFile(new FileRef("../other/chk-1/x", 1, 0)))
                    .isInstanceOf(CorruptCheckpointException.class).hasMessageContaining("'../other/chk-1/x'");
        }
    }

    @Test
    void listShowsEveryDirectoryNewestFirstWithItsStatus() throws IOException {
        try (LocalCheckpointStorage storage = Fixtures.open(fs)) {
            Fixtures.checkpoint(storage, 1, 1);
            Fixtures.checkpoint(storage, 2, 1);
            Fixtures.checkpoint(storage, 3, 1);
            Fixtures.uncommitted(storage, 4, 1);
            fs.delete(jobDir.resolve("chk-2/source/offsets"));
            storage.beginEpoch(1, Map.of()); // abandons 2 and 3 of epoch 1
            storage.beginEpoch(1, Map.of());

            assertThat(storage.list(false)).extracting(CheckpointListing::checkpointId, CheckpointListing::status)
                    .containsExactly(
                            org.assertj.core.groups.Tuple.tuple(4L, CheckpointStatus.INCOMPLETE),
                            org.assertj.core.groups.Tuple.tuple(3L, CheckpointStatus.ABANDONED),
                            org.assertj.core.groups.Tuple.tuple(2L, CheckpointStatus.ABANDONED),
                            org.assertj.core.groups.Tuple.tuple(1L, CheckpointStatus.COMPLETE));
        }
    }

    @Test
    void closingAnUnfinishedWriterRemovesThePartialFileAndAFinishedOneStaysClosable() throws IOException {
        try (LocalCheckpointStorage storage = Fixtures.open(fs)) {
            try (CheckpointFileWriter writer = storage.createPrivateFile(1, "account", "partial")) {
                writer.write(new byte[10]);
            }
            assertThat(fs.exists(jobDir.resolve("chk-1/account/partial"))).isFalse();

            CheckpointFileWriter writer = storage.createPrivateFile(1, "account", "whole");
            FileRef ref;
            try (java.io.DataOutputStream out = new java.io.DataOutputStream(writer)) {
                out.writeLong(42);
                ref = writer.finish();
            }
            assertThat(ref).isEqualTo(new FileRef("chk-1/account/whole", 8, ref.crc32c()));
            storage.verifyFile(ref, true);
        }
    }

    @Test
    void closeIsIdempotentAndEndsUse() {
        LocalCheckpointStorage storage = Fixtures.open(fs);
        storage.close();
        storage.close();
        assertThatThrownBy(storage::allocateCheckpointId).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("job 'bank'").hasMessageContaining("closed");
    }

    @Test
    void everythingCreatedIsOwnerOnly(@TempDir Path tmp) throws IOException {
        assumeTrue(tmp.getFileSystem().supportedFileAttributeViews().contains("posix"));
        Path root = tmp.resolve("checkpoints");
        try (LocalCheckpointStorage storage = LocalCheckpointStorage.open(root, JOB, new NioStorageFs())) {
            storage.beginEpoch(0, Map.of());
            storage.allocateCheckpointId();
            Fixtures.checkpoint(storage, 1, 1);
        }
        List<Path> all;
        try (Stream<Path> walk = Files.walk(root)) {
            all = walk.toList();
        }
        assertThat(all).hasSizeGreaterThan(12);
        for (Path p : all) {
            String expected = Files.isDirectory(p) ? "rwx------" : "rw-------";
            assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(p))).as(p.toString()).isEqualTo(expected);
        }
        assertThat(new String(Files.readAllBytes(root.resolve(JOB).resolve("chk-1/MANIFEST")), StandardCharsets.UTF_8))
                .startsWith("{\n  \"formatVersion\" : 1");
    }
}

package dev.cairn.core.storage;

import dev.cairn.core.CairnException;
import dev.cairn.core.manifest.FileRef;
import dev.cairn.core.manifest.Manifest;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

import static dev.cairn.core.storage.Fixtures.JOB;
import static dev.cairn.core.storage.Fixtures.ROOT;
import static dev.cairn.core.storage.Fixtures.manifestPath;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class LatestCheckpointTest {
    private final CrashSimulatingFs fs = new CrashSimulatingFs();
    private final Path jobDir = ROOT.resolve(JOB);
    private LocalCheckpointStorage storage;
    private Manifest older;
    private Manifest newer;

    @BeforeEach
    void twoCheckpoints() {
        storage = Fixtures.open(fs);
        older = Fixtures.checkpoint(storage, 1, 1);
        newer = Fixtures.checkpoint(storage, 2, 1);
    }

    @AfterEach
    void close() {
        storage.close();
    }

    /** latest() must fall back to checkpoint 1 and say why it skipped 2. */
    private LatestResult.Skipped fallsBackSkipping2(boolean deep) {
        LatestResult result = storage.latest(deep);
        assertThat(result).isInstanceOf(LatestResult.Found.class);
        assertThat(((LatestResult.Found) result).manifest()).isEqualTo(older);
        assertThat(result.skipped()).hasSize(1);
        LatestResult.Skipped skipped = result.skipped().get(0);
        assertThat(skipped.checkpointId()).isEqualTo(2);
        return skipped;
    }

    private Path file(int index) {
        return jobDir.resolve(newer.files().get(index).path());
    }

    @Test
    void truncatedManifestIsSkippedNamingTheFile() {
        byte[] bytes = Fixtures.read(fs, manifestPath(2));
        Fixtures.replace(fs, manifestPath(2), Arrays.copyOf(bytes, bytes.length / 2));

        assertThat(fallsBackSkipping2(false).reason())
                .isEqualTo("manifest is truncated or damaged in " + manifestPath(2)
                        + " (it does not end with its checksum field; " + bytes.length / 2 + " bytes)");
    }

    @Test
    void flippedManifestByteIsLoggedAsAChecksumMismatchWithTheFallback() {
        byte[] bytes = Fixtures.read(fs, manifestPath(2));
        bytes[100] ^= 1;
        Fixtures.replace(fs, manifestPath(2), bytes);

        String log = captureStderr(() -> fallsBackSkipping2(false));

        assertThat(log).containsPattern("WARN .*checkpoint 2 of job 'bank': manifest checksum mismatch in "
                + manifestPath(2) + " \\(expected [0-9a-f]{8}, found [0-9a-f]{8}\\); falling back to checkpoint 1");
    }

    @Test
    void flippedByteInAReferencedFileIsFoundByDeepVerificationOnly() {
        FileRef sst = newer.files().stream().filter(f -> f.path().startsWith("shared/")).findFirst().orElseThrow();
        Path path = jobDir.resolve(sst.path());
        byte[] bytes = Fixtures.read(fs, path);
        bytes[3] ^= 1;
        Fixtures.replace(fs, path, bytes);

        assertThat(((LatestResult.Found) storage.latest(false)).manifest()).isEqualTo(newer);
        assertThat(fallsBackSkipping2(true).reason())
                .startsWith("checkpoint file " + path + " checksum mismatch (expected " + sst.crc32cHex() + ", found ")
                .endsWith("(listed in " + manifestPath(2) + ")");
    }

    @Test
    void missingReferencedFileIsSkippedNamingTheFile() throws IOException {
        fs.delete(file(0));

        LatestResult.Skipped skipped = fallsBackSkipping2(false);
        assertThat(skipped.status()).isEqualTo(CheckpointStatus.CORRUPT);
        assertThat(skipped.reason()).isEqualTo("checkpoint file " + file(0) + " is missing (listed in " + manifestPath(2) + ")");
    }

    @Test
    void referencedFileOfTheWrongSizeIsSkippedNamingBothSizes() {
        byte[] bytes = Fixtures.read(fs, file(1));
        Fixtures.replace(fs, file(1), Arrays.copyOf(bytes, bytes.length + 5));

        assertThat(fallsBackSkipping2(false).reason()).startsWith("checkpoint file " + file(1) + " has "
                + (bytes.length + 5) + " bytes, " + bytes.length + " were recorded");
    }

    @Test
    void manifestOfANewerFormatIsReportedAsSuchNotAsGarbage() {
        Fixtures.replace(fs, manifestPath(2), Fixtures.reseal(Fixtures.read(fs, manifestPath(2)),
                s -> s.replace("\"formatVersion\" : 1", "\"formatVersion\" : 2")));

        LatestResult.Skipped skipped = fallsBackSkipping2(false);
        assertThat(skipped.status()).isEqualTo(CheckpointStatus.NEWER_FORMAT);
        assertThat(skipped.reason()).isEqualTo("manifest was written by a newer cairn (format 2) in " + manifestPath(2)
                + " (this build reads up to format 1)");
        assertThatThrownBy(() -> storage.readManifest(2))
                .isInstanceOfSatisfying(CairnException.class,
                        e -> assertThat(e.reason()).isEqualTo(CairnException.Reason.INCOMPATIBLE_RESTORE))
                .hasMessageContaining("upgrade cairn");
    }

    @Test
    void leftoverTemporaryManifestIsNeverReadAsAManifest() throws IOException {
        Fixtures.uncommitted(storage, 3, 1);
        Path temporary = jobDir.resolve("chk-3/MANIFEST.tmp-0123456789ab");
        Fixtures.replace(fs, temporary, Fixtures.read(fs, manifestPath(2)));

        LatestResult result = storage.latest(false);

        assertThat(((LatestResult.Found) result).manifest()).isEqualTo(newer);
        assertThat(result.skipped()).containsExactly(new LatestResult.Skipped(3, CheckpointStatus.INCOMPLETE,
                "no manifest in " + jobDir.resolve("chk-3") + ": the checkpoint never committed"));
    }

    @Test
    void junkInTheJobDirectoryIsIgnoredAndReportedOnce() throws IOException {
        for (String dir : List.of("chk-abc", "chk-", "chk-007", "chk-5", "lost+found")) {
            fs.createDirectory(jobDir.resolve(dir));
        }
        Fixtures.replace(fs, jobDir.resolve("chk-5/random"), new byte[] {1, 2});
        Fixtures.replace(fs, jobDir.resolve("chk-9"), new byte[] {3});
        Fixtures.replace(fs, jobDir.resolve("notes.txt"), new byte[] {4});

        String log = captureStderr(() -> {
            LatestResult result = storage.latest(false);
            assertThat(((LatestResult.Found) result).manifest()).isEqualTo(newer);
            assertThat(storage.list(false)).extracting(CheckpointListing::checkpointId).containsExactly(5L, 2L, 1L);
        });

        assertThat(log).contains("ignoring chk-abc in " + jobDir + ": not a checkpoint directory name")
                .contains("ignoring chk-007").contains("ignoring chk- ").contains("ignoring notes.txt")
                .contains("ignoring chk-9 in " + jobDir + ": a file named like a checkpoint directory");
        assertThat(log.split("ignoring chk-abc", -1)).hasSize(2); // once, not at every call
    }

    @Test
    void manifestReferencingAPathOutsideTheJobIsCorrupt() {
        String target = newer.files().get(0).path();
        for (String escape : List.of("/etc/passwd", "../other-job/chk-2/x", "chk-2/../../x")) {
            Fixtures.replace(fs, manifestPath(2), Fixtures.reseal(Fixtures.read(fs, manifestPath(1)),
                    s -> s.replace("\"checkpointId\" : 1,", "\"checkpointId\" : 2,")
                            .replace("\"path\" : \"" + target.replace("chk-2", "chk-1") + "\"", "\"path\" : \"" + escape + "\"")));

            assertThat(fallsBackSkipping2(false).reason())
                    .startsWith("manifest is invalid in " + manifestPath(2) + " (it references '" + escape + "'");
        }
    }

    @Test
    void manifestCopiedFromAnotherCheckpointIsCorrupt() {
        Fixtures.replace(fs, manifestPath(2), Fixtures.read(fs, manifestPath(1)));

        assertThat(fallsBackSkipping2(false).reason()).isEqualTo("manifest " + manifestPath(2) + " is of checkpoint 1, not 2");
    }

    @Test
    void storageThatCannotBeReadIsAnErrorNotASkip() {
        FaultInjectingFs faulty = new FaultInjectingFs(fs);
        try (LocalCheckpointStorage failing = Fixtures.open(faulty)) {
            faulty.failWhen(op -> op.kind() == FsOperation.Kind.OPEN_READ && op.touches("MANIFEST"));
            assertThatThrownBy(() -> failing.latest(false))
                    .isInstanceOfSatisfying(CairnException.class, e -> assertThat(e.reason()).isEqualTo(CairnException.Reason.STORAGE))
                    .hasMessageContaining("cannot read checkpoint storage " + jobDir)
                    .hasMessageContaining("OPEN_READ " + manifestPath(2));
            faulty.failWhen(op -> op.kind() == FsOperation.Kind.LIST);
            assertThatThrownBy(() -> failing.latest(false)).hasMessageContaining("LIST " + jobDir);
        }
    }

    @Test
    void tellsNoCheckpointFromNoneValid() throws IOException {
        CrashSimulatingFs empty = new CrashSimulatingFs();
        try (LocalCheckpointStorage s = Fixtures.open(empty)) {
            assertThat(s.latest(false)).isInstanceOf(LatestResult.NoCheckpoint.class);
            Fixtures.uncommitted(s, 1, 1);
            assertThat(s.latest(false)).isInstanceOf(LatestResult.NoCheckpoint.class); // never committed
        }
        fs.delete(file(0));
        fs.delete(jobDir.resolve(older.files().get(0).path()));
        LatestResult result = storage.latest(false);
        assertThat(result).isInstanceOf(LatestResult.NoneValid.class);
        assertThat(result.skipped()).extracting(LatestResult.Skipped::checkpointId).containsExactly(2L, 1L);
    }

    @Test
    void neverReturnsACheckpointOfAnAbandonedBranch() throws IOException {
        // History (1,0),(2,5): epoch 1 took 3, 4, 5 and — committed late by a stalled coordinator — 7;
        // epoch 2 restored 5 and took 6. (Ids are unique, so "3..7 of epoch 1" leaves out 6.)
        CrashSimulatingFs branchFs = new CrashSimulatingFs();
        try (LocalCheckpointStorage s = Fixtures.open(branchFs)) {
            s.beginEpoch(0, Map.of());
            s.beginEpoch(5, Map.of());
            for (long id : new long[] {3, 4, 5, 7}) {
                Fixtures.checkpoint(s, id, 1);
            }
            Manifest six = Fixtures.checkpoint(s, 6, 2);

            LatestResult result = s.latest(true);
            assertThat(((LatestResult.Found) result).manifest()).isEqualTo(six);
            assertThat(result.skipped()).singleElement().satisfies(skipped -> {
                assertThat(skipped.checkpointId()).isEqualTo(7);
                assertThat(skipped.status()).isEqualTo(CheckpointStatus.ABANDONED);
                assertThat(skipped.reason()).contains("taken in epoch 1, on a branch abandoned when epoch 2 restored checkpoint 5");
            });

            branchFs.delete(manifestPath(6));
            LatestResult without6 = s.latest(true);
            assertThat(((LatestResult.Found) without6).manifest().checkpointId()).isEqualTo(5);
            assertThat(without6.skipped()).extracting(LatestResult.Skipped::checkpointId).containsExactly(7L, 6L);
        }
    }

    @Test
    void everySingleFlippedManifestByteIsDetectedAndFallsBack() {
        byte[] original = Fixtures.read(fs, manifestPath(2));
        for (int mask : new int[] {0xFF, 0x01}) { // a changed byte, a single bit (upper-case hex: StorageCodecTest)
            for (int i = 0; i < original.length; i++) {
                byte[] damaged = original.clone();
                damaged[i] ^= (byte) mask;
                Fixtures.replace(fs, manifestPath(2), damaged);

                LatestResult result = storage.latest(false);

                int at = i;
                assertThat(result).as("byte %d ^ %x", at, mask).isInstanceOf(LatestResult.Found.class);
                assertThat(((LatestResult.Found) result).manifest().checkpointId()).as("byte %d ^ %x", at, mask).isEqualTo(1);
                assertThat(result.skipped()).as("byte %d ^ %x", at, mask).singleElement().satisfies(s -> {
                    assertThat(s.status()).isEqualTo(CheckpointStatus.CORRUPT);
                    assertThat(s.reason()).contains(manifestPath(2).toString());
                });
            }
        }
        Fixtures.replace(fs, manifestPath(2), original);
        assertThat(((LatestResult.Found) storage.latest(true)).manifest()).isEqualTo(newer);
    }

    static String captureStderr(Runnable action) {
        PrintStream saved = System.err;
        ByteArrayOutputStream captured = new ByteArrayOutputStream();
        System.setErr(new PrintStream(captured, true, StandardCharsets.UTF_8));
        try {
            action.run();
        } finally {
            System.setErr(saved);
        }
        return captured.toString(StandardCharsets.UTF_8);
    }
}

package dev.cairn.state;

import dev.cairn.core.CairnException;
import dev.cairn.core.CorruptCheckpointException;
import dev.cairn.core.KeyedState;
import dev.cairn.core.Serdes;
import dev.cairn.core.manifest.FileRef;
import dev.cairn.core.manifest.Manifest;
import dev.cairn.core.manifest.StateHandle;
import dev.cairn.core.state.OperatorStateStore;
import dev.cairn.core.state.StateSnapshot;
import dev.cairn.core.storage.CheckpointFileWriter;
import dev.cairn.core.storage.CheckpointStorage;
import dev.cairn.core.storage.FaultInjectingFs;
import dev.cairn.core.storage.LatestResult;
import dev.cairn.core.storage.NioStorageFs;
import dev.cairn.core.storage.RetentionResult;
import dev.cairn.state.internal.RocksDbOperatorStore;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.nio.channels.FileChannel;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import static dev.cairn.state.SnapshotRestoreTest.contents;
import static dev.cairn.state.SnapshotRestoreTest.counts;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Retention, damaged storage, failing storage and overlapping checkpoints. */
class CheckpointFailureTest {
    @TempDir
    Path tmp;

    RocksDbStateBackend backend() {
        return RocksDbStateBackend.builder().localDirectory(tmp.resolve("local")).writeBufferSize(256 << 10).build();
    }

    static void write(OperatorStateStore store, int round, int keys) {
        KeyedState<Long, Long> c = counts(store);
        for (long k = 0; k < keys; k++) {
            c.put((k * 13 + round * 7L) % (keys * 2L), (long) round);
        }
    }

    static Set<String> storedFiles(Path jobDir, String under) throws Exception {
        Path dir = jobDir.resolve(under);
        if (!Files.exists(dir)) {
            return Set.of();
        }
        try (Stream<Path> s = Files.walk(dir)) {
            return s.filter(Files::isRegularFile).map(p -> jobDir.relativize(p).toString()).collect(Collectors.toSet());
        }
    }

    @Test
    void retentionKeepsOnlyFilesOfTheLastThreeCheckpointsAndEachRestores() throws Exception {
        RocksDbStateBackend backend = backend();
        try (TestJob job = new TestJob(tmp.resolve("checkpoints"), new NioStorageFs())) {
            Map<Long, TreeMap<Long, Long>> expected = new TreeMap<>();
            Map<Long, Manifest> manifests = new TreeMap<>();
            try (OperatorStateStore store = backend.open(TestJob.OP, Optional.empty(), job.storage)) {
                for (int round = 0; round < 8; round++) {
                    write(store, round, 20_000); // a few write buffers: flushes and compactions happen
                    Manifest m = job.checkpoint(store);
                    manifests.put(m.checkpointId(), m);
                    expected.put(m.checkpointId(), contents(store));
                    RetentionResult r = job.storage.retain(3, Set.of(), job.epoch);
                    assertThat(r.retained()).hasSizeLessThanOrEqualTo(3);
                }
            }
            List<Long> ids = new ArrayList<>(manifests.keySet());
            List<Long> last3 = ids.subList(ids.size() - 3, ids.size());
            Set<String> referenced = new HashSet<>();
            for (long id : last3) {
                manifests.get(id).files().forEach(f -> referenced.add(f.path()));
            }
            Path jobDir = job.storage.jobDirectory();
            Set<String> shared = storedFiles(jobDir, "shared");
            assertThat(shared).as("shared files left").isNotEmpty()
                    .isEqualTo(referenced.stream().filter(p -> p.startsWith("shared/")).collect(Collectors.toSet()));
            Set<String> removedIds = new HashSet<>();
            for (long id : ids) {
                if (!last3.contains(id)) {
                    removedIds.add("chk-" + id);
                }
            }
            try (Stream<Path> s = Files.list(jobDir)) {
                assertThat(s.map(p -> p.getFileName().toString())).noneMatch(removedIds::contains);
            }
            for (long id : last3) {
                try (OperatorStateStore restored = backend.open(TestJob.OP,
                        Optional.of(TestJob.handle(manifests.get(id))), job.storage)) {
                    assertThat(contents(restored)).as("state of checkpoint " + id).isEqualTo(expected.get(id));
                }
            }
            long sharedOfFirst = manifests.get(ids.get(0)).files().stream()
                    .filter(f -> f.path().startsWith("shared/")).count();
            assertThat(sharedOfFirst).isPositive();
        }
    }

    @Test
    void aCorruptedFileFailsTheRestoreNamingItAndLatestFallsBack() throws Exception {
        RocksDbStateBackend backend = backend();
        try (TestJob job = new TestJob(tmp.resolve("checkpoints"), new NioStorageFs())) {
            Manifest first;
            Manifest second;
            TreeMap<Long, Long> atFirst;
            try (OperatorStateStore store = backend.open(TestJob.OP, Optional.empty(), job.storage)) {
                write(store, 1, 5000);
                atFirst = contents(store);
                first = job.checkpoint(store);
                write(store, 2, 5000);
                second = job.checkpoint(store);
            }
            FileRef victim = TestJob.handle(second).files().stream()
                    .filter(f -> f.path().startsWith("shared/") && f.path().contains("/" + second.checkpointId() + "-"))
                    .findFirst().orElseThrow();
            Path file = job.storage.jobDirectory().resolve(victim.path());
            try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
                ByteBuffer b = ByteBuffer.allocate(1);
                ch.read(b, victim.size() / 2);
                b.put(0, (byte) (b.get(0) ^ 0x5A));
                ch.write(b.flip(), victim.size() / 2);
            }
            assertThat(Files.size(file)).as("same size: only the checksum can tell").isEqualTo(victim.size());

            assertThatThrownBy(() -> backend.open(TestJob.OP, Optional.of(TestJob.handle(second)), job.storage))
                    .isInstanceOf(CorruptCheckpointException.class).hasMessageContaining(victim.path())
                    .hasMessageContaining("'" + TestJob.OP + "'");
            try (Stream<Path> s = Files.list(tmp.resolve("local"))) {
                assertThat(s).as("a failed restore leaves no local directory").isEmpty();
            }

            LatestResult latest = job.storage.latest(true);
            assertThat(latest).isInstanceOf(LatestResult.Found.class);
            Manifest fallback = ((LatestResult.Found) latest).manifest();
            assertThat(fallback.checkpointId()).isEqualTo(first.checkpointId());
            assertThat(latest.skipped()).extracting(LatestResult.Skipped::checkpointId).contains(second.checkpointId());
            try (OperatorStateStore restored = backend.open(TestJob.OP, Optional.of(TestJob.handle(fallback)), job.storage)) {
                assertThat(contents(restored)).isEqualTo(atFirst);
            }

            Files.delete(file);
            assertThatThrownBy(() -> backend.open(TestJob.OP, Optional.of(TestJob.handle(second)), job.storage))
                    .isInstanceOf(CorruptCheckpointException.class).hasMessageContaining(victim.path())
                    .hasMessageContaining("missing");
        }
    }

    @Test
    void aPersistThatCannotWriteFailsNamingTheFileAndTheNextCheckpointSucceeds() throws Exception {
        FaultInjectingFs faults = new FaultInjectingFs(new NioStorageFs());
        RocksDbStateBackend backend = backend();
        try (TestJob job = new TestJob(tmp.resolve("checkpoints"), faults);
             OperatorStateStore store = backend.open(TestJob.OP, Optional.empty(), job.storage)) {
            write(store, 1, 3000);
            long failing = job.nextId();
            StateSnapshot snap = store.snapshot(failing);
            faults.failWhen(op -> op.isWrite() && op.path().toString().endsWith(".sst"));
            assertThatThrownBy(snap::persist).isInstanceOfSatisfying(CairnException.class,
                            e -> assertThat(e.reason()).isEqualTo(CairnException.Reason.STORAGE))
                    .hasMessageContaining("operator '" + TestJob.OP + "', checkpoint " + failing)
                    .hasMessageContaining(".sst");
            faults.heal();
            store.checkpointAborted(failing);

            write(store, 2, 3000);
            TreeMap<Long, Long> expected = contents(store);
            Manifest ok = job.checkpoint(store);
            try (OperatorStateStore restored = backend.open(TestJob.OP, Optional.of(TestJob.handle(ok)), job.storage)) {
                assertThat(contents(restored)).isEqualTo(expected);
            }
            assertThat(((RocksDbOperatorStore) store).workDirectory().resolve("snapshots"))
                    .as("local snapshots removed after failure and success").isEmptyDirectory();
        }
    }

    @Test
    void checkpointNPlusOneStartsWhileTheUploadOfNStillRuns() throws Exception {
        RocksDbStateBackend backend = backend();
        try (TestJob job = new TestJob(tmp.resolve("checkpoints"), new NioStorageFs())) {
            CountDownLatch entered = new CountDownLatch(1);
            CountDownLatch release = new CountDownLatch(1);
            long n = job.nextId();
            CheckpointStorage holding = holdingUploadsOf(job.storage, n, entered, release);
            try (OperatorStateStore store = backend.open(TestJob.OP, Optional.empty(), holding)) {
                write(store, 1, 5000);
                TreeMap<Long, Long> atN = contents(store);
                StateSnapshot snapN = store.snapshot(n);
                CompletableFuture<StateHandle> persistN = CompletableFuture.supplyAsync(snapN::persist);
                assertThat(entered.await(30, TimeUnit.SECONDS)).as("upload of n started").isTrue();

                write(store, 2, 5000); // the operator keeps writing while n uploads
                ((RocksDbOperatorStore) store).compactFully(); // and the database drops files n holds
                TreeMap<Long, Long> atN1 = contents(store);
                long n1 = job.nextId();
                StateHandle h1 = store.snapshot(n1).persist();
                assertThat(persistN).as("n is still held").isNotDone();
                release.countDown();
                StateHandle hn = persistN.get(30, TimeUnit.SECONDS);
                job.commit(n, hn);
                store.checkpointsCompleted(n);
                job.commit(n1, h1);
                store.checkpointsCompleted(n1);

                try (OperatorStateStore rn = backend.open(TestJob.OP, Optional.of(hn), job.storage);
                     OperatorStateStore rn1 = backend.open(TestJob.OP, Optional.of(h1), job.storage)) {
                    assertThat(contents(rn)).isEqualTo(atN);
                    assertThat(contents(rn1)).isEqualTo(atN1);
                }
            }
        }
    }

    /** Forwards to {@code storage}; the first shared file of checkpoint {@code held} waits for {@code release}. */
    static CheckpointStorage holdingUploadsOf(CheckpointStorage storage, long held, CountDownLatch entered,
                                              CountDownLatch release) {
        return (CheckpointStorage) Proxy.newProxyInstance(CheckpointStorage.class.getClassLoader(),
                new Class<?>[]{CheckpointStorage.class}, (proxy, method, args) -> {
                    if (method.getName().equals("createSharedFile") && (long) args[1] == held) {
                        entered.countDown();
                        if (!release.await(60, TimeUnit.SECONDS)) {
                            throw new IllegalStateException("never released");
                        }
                    }
                    try {
                        Object result = method.invoke(storage, args);
                        return result instanceof CheckpointFileWriter w ? w : result;
                    } catch (InvocationTargetException e) {
                        throw e.getCause();
                    }
                });
    }
}

package dev.cairn.state;

import dev.cairn.core.KeyValue;
import dev.cairn.core.KeyValueIterator;
import dev.cairn.core.KeyedState;
import dev.cairn.core.Serdes;
import dev.cairn.core.manifest.FileRef;
import dev.cairn.core.manifest.Manifest;
import dev.cairn.core.manifest.StateHandle;
import dev.cairn.core.state.OperatorStateStore;
import dev.cairn.core.state.StateSnapshot;
import dev.cairn.core.storage.NioStorageFs;
import dev.cairn.state.internal.RocksDbOperatorStore;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/** Snapshots, incremental uploads and restores through real checkpoint storage. */
class SnapshotRestoreTest {
    @TempDir
    Path tmp;
    TestJob job;
    RocksDbStateBackend backend;

    @BeforeEach
    void open() {
        job = new TestJob(tmp.resolve("checkpoints"), new NioStorageFs());
        backend = RocksDbStateBackend.builder().localDirectory(tmp.resolve("local")).build();
    }

    @AfterEach
    void close() {
        job.close();
    }

    static KeyedState<Long, Long> counts(OperatorStateStore s) {
        return s.keyed("counts", Serdes.longs(), Serdes.longs());
    }

    static TreeMap<Long, Long> contents(OperatorStateStore s) {
        TreeMap<Long, Long> m = new TreeMap<>();
        try (KeyValueIterator<Long, Long> it = counts(s).all()) {
            while (it.hasNext()) {
                KeyValue<Long, Long> kv = it.next();
                m.put(kv.key(), kv.value());
            }
        }
        return m;
    }

    /** Stored path by local name, for the SST files of a handle. */
    static Map<String, String> sstPaths(StateHandle h) {
        Map<String, String> m = new HashMap<>();
        for (FileRef f : h.files()) {
            String local = h.metadata().get("file:" + f.path());
            if (local.endsWith(".sst")) {
                m.put(local, f.path());
            }
        }
        return m;
    }

    @Test
    void roundTripOfAMillionKeysRestoresExactlyTheStateAtTheSnapshot() {
        long n = 1_000_000;
        StateHandle handle;
        try (OperatorStateStore store = backend.open(TestJob.OP, Optional.empty(), job.storage)) {
            KeyedState<Long, Long> c = counts(store);
            for (long k = 0; k < n; k++) {
                c.put(k, k * 31);
            }
            long id = job.nextId();
            StateSnapshot snap = store.snapshot(id);
            // Writes after the synchronous part must not reach the snapshot, even before persist runs.
            for (long k = 0; k < n; k += 10) {
                c.put(k, -1L);
            }
            for (long k = 1; k < n; k += 20) {
                c.delete(k);
            }
            for (long k = n; k < n + 1000; k++) {
                c.put(k, 7L);
            }
            handle = snap.persist();
            job.commit(id, handle);
        }
        try (OperatorStateStore restored = backend.open(TestJob.OP, Optional.of(handle), job.storage)) {
            long expected = 0;
            try (KeyValueIterator<Long, Long> it = counts(restored).all()) {
                while (it.hasNext()) {
                    KeyValue<Long, Long> kv = it.next();
                    assertThat(kv.key()).isEqualTo(expected);
                    assertThat(kv.value()).isEqualTo(expected * 31);
                    expected++;
                }
            }
            assertThat(expected).isEqualTo(n);
        }
    }

    @Test
    void incrementalCheckpointUploadsExactlyTheFilesNotInTheBase() {
        try (OperatorStateStore store = backend.open(TestJob.OP, Optional.empty(), job.storage)) {
            RocksDbOperatorStore rocks = (RocksDbOperatorStore) store;
            rocks.setAutoCompaction(false);
            KeyedState<Long, byte[]> s = store.keyed("blobs", Serdes.longs(), Serdes.bytes());
            Random random = new Random(4);
            int keys = 100_000;
            for (long k = 0; k < keys; k++) {
                byte[] v = new byte[100];
                random.nextBytes(v);
                s.put(k, v);
            }
            rocks.compactFully();
            Manifest base = job.checkpoint(store);
            Map<String, String> baseSst = sstPaths(TestJob.handle(base));
            assertThat(baseSst).as("SST files of the base").isNotEmpty();

            for (int i = 0; i < keys / 100; i++) {
                byte[] v = new byte[100];
                random.nextBytes(v);
                s.put((long) random.nextInt(keys), v);
            }
            Manifest next = job.checkpoint(store);
            StateHandle nh = TestJob.handle(next);
            Map<String, String> nextSst = sstPaths(nh);

            Set<String> newLocal = new HashSet<>(nextSst.keySet());
            newLocal.removeAll(baseSst.keySet());
            Set<String> uploadedShared = nh.files().stream().map(FileRef::path)
                    .filter(p -> p.startsWith("shared/") && p.contains("/" + next.checkpointId() + "-"))
                    .collect(Collectors.toSet());
            Set<String> uploadedLocal = uploadedShared.stream().map(p -> nh.metadata().get("file:" + p))
                    .collect(Collectors.toSet());
            assertThat(newLocal).as("the flush of the changed keys made a new file").isNotEmpty();
            assertThat(uploadedLocal).as("uploaded SSTs are exactly those not in the base").isEqualTo(newLocal);
            for (Map.Entry<String, String> e : nextSst.entrySet()) {
                if (baseSst.containsKey(e.getKey())) {
                    assertThat(e.getValue()).as("reused " + e.getKey()).isEqualTo(baseSst.get(e.getKey()));
                }
            }
            long baseBytes = TestJob.handle(base).totalBytes();
            long uploaded = nh.files().stream().filter(f -> !f.path().startsWith("shared/")
                    || uploadedShared.contains(f.path())).mapToLong(FileRef::size).sum();
            assertThat(uploaded).as("bytes uploaded by the incremental checkpoint vs %d in the base", baseBytes)
                    .isLessThan(baseBytes / 20);
        }
    }

    @Test
    void restoresAfterTheLocalDirectoryIsDeletedAndIntoAnotherPath() throws Exception {
        StateHandle handle;
        TreeMap<Long, Long> expected;
        try (OperatorStateStore store = backend.open(TestJob.OP, Optional.empty(), job.storage)) {
            for (long k = 0; k < 1000; k++) {
                counts(store).put(k, k);
            }
            expected = contents(store);
            handle = TestJob.handle(job.checkpoint(store));
        }
        deleteTree(tmp.resolve("local"));
        try (OperatorStateStore same = backend.open(TestJob.OP, Optional.of(handle), job.storage)) {
            assertThat(contents(same)).isEqualTo(expected);
        }
        RocksDbStateBackend elsewhere = RocksDbStateBackend.builder().localDirectory(tmp.resolve("other/machine")).build();
        try (OperatorStateStore other = elsewhere.open(TestJob.OP, Optional.of(handle), job.storage)) {
            assertThat(((RocksDbOperatorStore) other).workDirectory()).startsWith(tmp.resolve("other/machine"));
            assertThat(contents(other)).isEqualTo(expected);
            assertThat(((RocksDbOperatorStore) other).reusableFileCount()).as("restored files count as completed")
                    .isEqualTo(sstPaths(handle).size());
        }
    }

    @Test
    void afterARestoreRewindsFileNumbersStoredNamesNeverCollide() {
        // Automatic compaction off: every checkpoint flushes one new file, numbered in sequence, and
        // the restored database numbers its files from where checkpoint A left off, like the
        // abandoned run did after A.
        StateHandle a;
        StateHandle a2 = null;
        TreeMap<Long, Long> atA;
        TreeMap<Long, Long> atA2;
        try (OperatorStateStore store = backend.open(TestJob.OP, Optional.empty(), job.storage)) {
            ((RocksDbOperatorStore) store).setAutoCompaction(false);
            writeRound(store, 0);
            atA = contents(store);
            a = TestJob.handle(job.checkpoint(store));
            // Far enough that the restored database, which skips a few numbers at open, reuses some.
            for (int round = 1; round <= 20; round++) {
                writeRound(store, round);
                a2 = TestJob.handle(job.checkpoint(store));
            }
            atA2 = contents(store);
        }
        StateHandle b = null;
        TreeMap<Long, Long> atB;
        try (OperatorStateStore restored = backend.open(TestJob.OP, Optional.of(a), job.storage)) {
            ((RocksDbOperatorStore) restored).setAutoCompaction(false);
            assertThat(contents(restored)).isEqualTo(atA);
            for (int round = 31; round <= 34; round++) {
                writeRound(restored, round);
                b = TestJob.handle(job.checkpoint(restored));
            }
            atB = contents(restored);
        }
        Map<String, String> inA = sstPaths(a);
        Map<String, String> inA2 = sstPaths(a2);
        Map<String, String> inB = sstPaths(b);
        Set<String> rewound = new HashSet<>(inB.keySet());
        rewound.retainAll(inA2.keySet());
        rewound.removeAll(inA.keySet());
        assertThat(rewound).as("local names that both the abandoned run and the restored one created; A=%s A2=%s B=%s",
                inA.keySet(), inA2.keySet(), inB.keySet()).isNotEmpty();
        for (String name : rewound) {
            assertThat(inB.get(name)).as("stored file of the new " + name).isNotEqualTo(inA2.get(name));
        }
        for (String name : inB.keySet()) {
            if (inA.containsKey(name)) {
                assertThat(inB.get(name)).as("file of the restored checkpoint reused").isEqualTo(inA.get(name));
            }
        }
        try (OperatorStateStore again = backend.open(TestJob.OP, Optional.of(b), job.storage)) {
            assertThat(contents(again)).isEqualTo(atB);
        }
        try (OperatorStateStore old = backend.open(TestJob.OP, Optional.of(a2), job.storage)) {
            assertThat(contents(old)).as("the abandoned run's checkpoint is intact").isEqualTo(atA2);
        }
    }

    /** Overwrites a band of keys and adds new ones. */
    static void writeRound(OperatorStateStore store, int round) {
        KeyedState<Long, Long> c = counts(store);
        for (long k = 0; k < 300; k++) {
            c.put(k * 7 + round, (long) round * 1_000_000 + k);
        }
    }

    static void deleteTree(Path p) throws Exception {
        if (!Files.exists(p)) {
            return;
        }
        try (Stream<Path> s = Files.walk(p)) {
            for (Path x : s.sorted(java.util.Comparator.reverseOrder()).toList()) {
                Files.delete(x);
            }
        }
    }
}

package dev.cairn.bench;

import dev.cairn.core.InFlightMode;
import dev.cairn.core.KeyedState;
import dev.cairn.core.Serdes;
import dev.cairn.core.manifest.FileRef;
import dev.cairn.core.manifest.LocalSnapshot;
import dev.cairn.core.manifest.Manifest;
import dev.cairn.core.manifest.StateHandle;
import dev.cairn.core.manifest.TopologyDescriptor;
import dev.cairn.core.state.OperatorStateStore;
import dev.cairn.core.state.StateSnapshot;
import dev.cairn.core.storage.LocalCheckpointStorage;
import dev.cairn.core.storage.NioStorageFs;
import dev.cairn.state.RocksDbStateBackend;
import dev.cairn.state.internal.RocksDbOperatorStore;
import org.HdrHistogram.Histogram;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.locks.LockSupport;
import java.util.stream.Stream;

/**
 * Sync pause, async duration and bytes uploaded per checkpoint of the RocksDB state backend, at
 * several state sizes. For each size: load the state (8-byte keys, 100-byte random values), compact,
 * take a full base checkpoint, then two phases on one operator thread that writes continuously while
 * a background thread persists, commits and runs retention (keep 3):
 *
 * <ol>
 *   <li><b>pause</b>: a fixed update rate for every size (so the memtable at each checkpoint is the
 *       same size and the pause can be compared across sizes); one checkpoint per interval.</li>
 *   <li><b>upload</b>: 1% of the keys changed per interval; bytes uploaded per checkpoint, split into
 *       flush output (level-0 SSTs) and compaction output (SSTs of deeper levels), plus private files.</li>
 * </ol>
 *
 * Usage: {@code StateStoreBenchmark [--sizes-mb 10,100,1024] [--rate 20000] [--interval-ms 1000]
 * [--pause-checkpoints 40] [--upload-checkpoints 40] [--dir PATH] [--out benchmarks/results]}
 */
public final class StateStoreBenchmark {
    static final int VALUE_BYTES = 100;
    static final int KEY_BYTES = 8;
    /** Approximate bytes per entry in SST files (key, value, per-entry overhead; random values do not compress). */
    static final int ENTRY_BYTES = 116;
    static final String OP = "op";

    final List<Long> sizesMb = new ArrayList<>(List.of(10L, 100L, 1024L));
    int rate = 20_000;
    long intervalMs = 1000;
    int pauseCheckpoints = 40;
    int uploadCheckpoints = 40;
    Path dir = Path.of(System.getProperty("java.io.tmpdir"), "cairn-bench-state");
    Path out = Path.of("benchmarks/results");
    long writeBufferSize = RocksDbStateBackend.DEFAULT_WRITE_BUFFER_SIZE;
    final String command;

    StateStoreBenchmark(String[] args) {
        command = String.join(" ", args);
        for (int i = 0; i < args.length; i += 2) {
            String v = args[i + 1];
            switch (args[i]) {
                case "--sizes-mb" -> {
                    sizesMb.clear();
                    for (String s : v.split(",")) {
                        sizesMb.add(Long.parseLong(s.trim()));
                    }
                }
                case "--rate" -> rate = Integer.parseInt(v);
                case "--interval-ms" -> intervalMs = Long.parseLong(v);
                case "--pause-checkpoints" -> pauseCheckpoints = Integer.parseInt(v);
                case "--upload-checkpoints" -> uploadCheckpoints = Integer.parseInt(v);
                case "--write-buffer-mb" -> writeBufferSize = Long.parseLong(v) << 20;
                case "--dir" -> dir = Path.of(v);
                case "--out" -> out = Path.of(v);
                default -> throw new IllegalArgumentException("unknown option " + args[i]);
            }
        }
    }

    public static void main(String[] args) throws Exception {
        new StateStoreBenchmark(args).run();
    }

    /** What one checkpoint cost. */
    record Sample(long id, long syncMicros, long asyncMicros, long uploadedFlush, long uploadedCompaction,
                  long uploadedPrivate, long changedBytes) {
        long uploaded() {
            return uploadedFlush + uploadedCompaction + uploadedPrivate;
        }
    }

    /** The results of one state size. */
    record SizeResult(long targetMb, long keys, long sstBytesAtStart, long sstBytesAtEnd, long baseUploadBytes,
                      long loadMillis, List<Sample> pause, List<Sample> upload, int pauseRate, int uploadRate,
                      int skippedTriggers) {
    }

    void run() throws Exception {
        List<SizeResult> results = new ArrayList<>();
        for (long mb : sizesMb) {
            results.add(runSize(mb));
        }
        Files.createDirectories(out);
        Files.writeString(out.resolve("state-store.json"), json(results), StandardCharsets.UTF_8);
        Files.writeString(out.resolve("state-store.md"), markdown(results), StandardCharsets.UTF_8);
        System.out.println(markdown(results));
    }

    SizeResult runSize(long mb) throws Exception {
        Path root = dir.resolve(mb + "mb");
        deleteTree(root);
        Files.createDirectories(root);
        long keys = mb * (1L << 20) / ENTRY_BYTES;
        RocksDbStateBackend backend = RocksDbStateBackend.builder().localDirectory(root.resolve("local"))
                .writeBufferSize(writeBufferSize).build();
        LocalCheckpointStorage storage = LocalCheckpointStorage.open(root.resolve("checkpoints"), "bench", new NioStorageFs());
        int epoch = storage.beginEpoch(0, Map.of(OP, "bench")).epoch();
        ExecutorService background = Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, "persist");
            t.setDaemon(true);
            return t;
        });
        SplittableRandom random = new SplittableRandom(mb);
        try (OperatorStateStore store = backend.open(OP, Optional.empty(), storage)) {
            RocksDbOperatorStore rocks = (RocksDbOperatorStore) store;
            KeyedState<Long, byte[]> state = store.keyed("values", Serdes.longs(), Serdes.bytes());
            long t0 = System.nanoTime();
            for (long k = 0; k < keys; k++) {
                state.put(k, value(random));
            }
            rocks.compactFully();
            long loadMillis = (System.nanoTime() - t0) / 1_000_000;
            long sstStart = rocks.longProperty("rocksdb.total-sst-files-size");
            Run run = new Run(store, rocks, state, storage, epoch, background, random, keys);
            long baseId = storage.allocateCheckpointId();
            StateHandle base = store.snapshot(baseId).persist();
            run.commit(baseId, base);
            store.checkpointsCompleted(baseId);
            System.out.printf(Locale.ROOT, "%d MB: %d keys loaded and compacted in %d ms, %d SST bytes, base upload %d bytes%n",
                    mb, keys, loadMillis, sstStart, base.totalBytes());

            List<Sample> pause = run.phase(rate, pauseCheckpoints);
            int uploadRate = (int) Math.max(1, keys / 100 * 1000 / intervalMs);
            List<Sample> upload = run.phase(uploadRate, uploadCheckpoints);
            long sstEnd = rocks.longProperty("rocksdb.total-sst-files-size");
            return new SizeResult(mb, keys, sstStart, sstEnd, base.totalBytes(), loadMillis, pause, upload, rate,
                    uploadRate, run.skipped);
        } finally {
            background.shutdownNow();
            storage.close();
            deleteTree(root);
        }
    }

    static byte[] value(SplittableRandom random) {
        byte[] v = new byte[VALUE_BYTES];
        random.nextBytes(v);
        return v;
    }

    /** The operator thread's loop plus the background persist/commit/retain thread. */
    final class Run {
        final OperatorStateStore store;
        final RocksDbOperatorStore rocks;
        final KeyedState<Long, byte[]> state;
        final LocalCheckpointStorage storage;
        final int epoch;
        final ExecutorService background;
        final SplittableRandom random;
        final long keys;
        final ConcurrentLinkedQueue<Long> completions = new ConcurrentLinkedQueue<>();
        final Set<Long> pending = java.util.concurrent.ConcurrentHashMap.newKeySet();
        int skipped;

        Run(OperatorStateStore store, RocksDbOperatorStore rocks, KeyedState<Long, byte[]> state,
            LocalCheckpointStorage storage, int epoch, ExecutorService background, SplittableRandom random, long keys) {
            this.store = store;
            this.rocks = rocks;
            this.state = state;
            this.storage = storage;
            this.epoch = epoch;
            this.background = background;
            this.random = random;
            this.keys = keys;
        }

        List<Sample> phase(int updatesPerSecond, int checkpoints) throws Exception {
            List<Sample> samples = java.util.Collections.synchronizedList(new ArrayList<>());
            List<Future<?>> futures = new ArrayList<>();
            long start = System.nanoTime();
            long done = 0;
            long changedSinceLast = 0;
            long nextCheckpoint = start + intervalMs * 1_000_000;
            int taken = 0;
            while (taken < checkpoints) {
                long now = System.nanoTime();
                long due = (long) ((now - start) / 1e9 * updatesPerSecond);
                if (done < due) {
                    int batch = (int) Math.min(due - done, 256);
                    for (int i = 0; i < batch; i++) {
                        state.put(random.nextLong(keys), value(random));
                    }
                    done += batch;
                    changedSinceLast += batch;
                } else if (now < nextCheckpoint) {
                    LockSupport.parkNanos(50_000);
                }
                Long c;
                while ((c = completions.poll()) != null) {
                    store.checkpointsCompleted(c);
                }
                if (System.nanoTime() >= nextCheckpoint) {
                    nextCheckpoint += intervalMs * 1_000_000;
                    if (pending.size() >= 2) {
                        skipped++;
                        continue;
                    }
                    long id = storage.allocateCheckpointId();
                    long s0 = System.nanoTime();
                    StateSnapshot snap = store.snapshot(id);
                    long syncMicros = (System.nanoTime() - s0) / 1000;
                    Map<String, Integer> levels = rocks.liveSstLevels();
                    long changed = changedSinceLast * (KEY_BYTES + VALUE_BYTES);
                    changedSinceLast = 0;
                    pending.add(id);
                    taken++;
                    futures.add(background.submit(() -> {
                        long a0 = System.nanoTime();
                        StateHandle h = snap.persist();
                        long asyncMicros = (System.nanoTime() - a0) / 1000;
                        long flush = 0;
                        long compaction = 0;
                        long priv = 0;
                        for (FileRef f : h.files()) {
                            if (!f.path().startsWith("shared/")) {
                                priv += f.size();
                            } else if (f.path().contains("/" + id + "-")) {
                                String local = h.metadata().get("file:" + f.path());
                                if (levels.getOrDefault(local, 0) == 0) {
                                    flush += f.size();
                                } else {
                                    compaction += f.size();
                                }
                            }
                        }
                        commit(id, h);
                        pending.remove(id);
                        storage.retain(3, new HashSet<>(pending), epoch);
                        completions.add(id);
                        samples.add(new Sample(id, syncMicros, asyncMicros, flush, compaction, priv, changed));
                        return null;
                    }));
                }
            }
            for (Future<?> f : futures) {
                f.get();
            }
            Long c;
            while ((c = completions.poll()) != null) {
                store.checkpointsCompleted(c);
            }
            List<Sample> sorted = new ArrayList<>(samples);
            sorted.sort(Comparator.comparingLong(Sample::id));
            return sorted;
        }

        void commit(long id, StateHandle handle) {
            LocalSnapshot local = new LocalSnapshot(OP, id, epoch, InFlightMode.COPY, handle, Map.of(), Map.of(),
                    Map.of(), Map.of());
            storage.writeLocalSnapshot(local);
            storage.commitManifest(new Manifest(Manifest.CURRENT_FORMAT_VERSION, "bench", id, epoch,
                    System.currentTimeMillis(), InFlightMode.COPY,
                    new TopologyDescriptor(List.of(OP), Map.of(), Map.of(), List.of(), Map.of(OP, handle.layout())),
                    Map.of(OP, local), Map.of(), Map.of()));
        }
    }

    // ---------------------------------------------------------------------------------- reporting

    static Histogram histogram(List<Sample> samples, boolean sync) {
        Histogram h = new Histogram(3_600_000_000L, 3);
        for (Sample s : samples) {
            h.recordValue(Math.max(1, sync ? s.syncMicros : s.asyncMicros));
        }
        return h;
    }

    static String ms(long micros) {
        return String.format(Locale.ROOT, "%.1f", micros / 1000.0);
    }

    static long sum(List<Sample> samples, java.util.function.ToLongFunction<Sample> f) {
        return samples.stream().mapToLong(f).sum();
    }

    String machine() {
        String cpu = "unknown";
        long memKb = 0;
        try {
            for (String line : Files.readAllLines(Path.of("/proc/cpuinfo"))) {
                if (line.startsWith("model name")) {
                    cpu = line.substring(line.indexOf(':') + 1).trim();
                    break;
                }
            }
            for (String line : Files.readAllLines(Path.of("/proc/meminfo"))) {
                if (line.startsWith("MemTotal")) {
                    memKb = Long.parseLong(line.replaceAll("[^0-9]", ""));
                }
            }
        } catch (IOException ignored) {
            // not Linux
        }
        String fs = "unknown";
        try {
            fs = Files.getFileStore(dir.getParent() == null ? dir : Files.createDirectories(dir)).type();
        } catch (IOException ignored) {
            // unknown
        }
        return String.format(Locale.ROOT, "%d cores (%s), %d GB RAM, Java %s, %s %s, local state and checkpoint storage on %s (%s), load average at the end %.2f",
                Runtime.getRuntime().availableProcessors(), cpu, memKb >> 20, System.getProperty("java.version"),
                System.getProperty("os.name"), System.getProperty("os.version"), dir, fs,
                ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage());
    }

    String json(List<SizeResult> results) {
        StringBuilder sb = new StringBuilder("{\n");
        sb.append("  \"benchmark\": \"state-store\",\n");
        sb.append("  \"command\": \"").append(esc(commandLine())).append("\",\n");
        sb.append("  \"machine\": \"").append(esc(machine())).append("\",\n");
        sb.append(String.format(Locale.ROOT, "  \"writeBufferSizeBytes\": %d,%n  \"intervalMillis\": %d,%n  \"valueBytes\": %d,%n  \"keyBytes\": %d,%n",
                writeBufferSize, intervalMs, VALUE_BYTES, KEY_BYTES));
        sb.append("  \"sizes\": [\n");
        for (int i = 0; i < results.size(); i++) {
            SizeResult r = results.get(i);
            Histogram ps = histogram(r.pause(), true);
            Histogram pa = histogram(r.pause(), false);
            Histogram ua = histogram(r.upload(), false);
            Histogram us = histogram(r.upload(), true);
            long changed = sum(r.upload(), Sample::changedBytes);
            long uploaded = sum(r.upload(), Sample::uploaded);
            sb.append("    {\n");
            sb.append(String.format(Locale.ROOT, "      \"stateMb\": %d, \"keys\": %d, \"sstBytesAtStart\": %d, \"sstBytesAtEnd\": %d, \"baseCheckpointBytes\": %d, \"loadMillis\": %d,%n",
                    r.targetMb(), r.keys(), r.sstBytesAtStart(), r.sstBytesAtEnd(), r.baseUploadBytes(), r.loadMillis()));
            sb.append(String.format(Locale.ROOT, "      \"pausePhase\": {\"updatesPerSecond\": %d, \"checkpoints\": %d, \"syncMicros\": {\"p50\": %d, \"p99\": %d, \"max\": %d}, \"asyncMicros\": {\"p50\": %d, \"p99\": %d, \"max\": %d}},%n",
                    r.pauseRate(), r.pause().size(), ps.getValueAtPercentile(50), ps.getValueAtPercentile(99), ps.getMaxValue(),
                    pa.getValueAtPercentile(50), pa.getValueAtPercentile(99), pa.getMaxValue()));
            sb.append(String.format(Locale.ROOT, "      \"uploadPhase\": {\"updatesPerSecond\": %d, \"checkpoints\": %d, \"syncMicros\": {\"p50\": %d, \"p99\": %d, \"max\": %d}, \"asyncMicros\": {\"p50\": %d, \"p99\": %d, \"max\": %d}, \"changedBytes\": %d, \"uploadedBytes\": %d, \"uploadedFlushBytes\": %d, \"uploadedCompactionBytes\": %d, \"uploadedPrivateBytes\": %d, \"amortisedUploadPerChangedByte\": %.3f},%n",
                    r.uploadRate(), r.upload().size(), us.getValueAtPercentile(50), us.getValueAtPercentile(99), us.getMaxValue(),
                    ua.getValueAtPercentile(50), ua.getValueAtPercentile(99), ua.getMaxValue(), changed, uploaded,
                    sum(r.upload(), Sample::uploadedFlush), sum(r.upload(), Sample::uploadedCompaction),
                    sum(r.upload(), Sample::uploadedPrivate), uploaded / (double) Math.max(1, changed)));
            sb.append("      \"skippedTriggers\": ").append(r.skippedTriggers()).append(",\n");
            sb.append("      \"perCheckpoint\": [");
            List<Sample> all = new ArrayList<>(r.pause());
            all.addAll(r.upload());
            for (int j = 0; j < all.size(); j++) {
                Sample s = all.get(j);
                sb.append(j == 0 ? "\n" : ",\n").append(String.format(Locale.ROOT,
                        "        {\"id\": %d, \"phase\": \"%s\", \"syncMicros\": %d, \"asyncMicros\": %d, \"changedBytes\": %d, \"uploadedFlushBytes\": %d, \"uploadedCompactionBytes\": %d, \"uploadedPrivateBytes\": %d}",
                        s.id(), j < r.pause().size() ? "pause" : "upload", s.syncMicros(), s.asyncMicros(), s.changedBytes(),
                        s.uploadedFlush(), s.uploadedCompaction(), s.uploadedPrivate()));
            }
            sb.append("\n      ]\n    }").append(i + 1 < results.size() ? ",\n" : "\n");
        }
        sb.append("  ]\n}\n");
        return sb.toString();
    }

    String commandLine() {
        return "java -cp benchmarks/target/classes:$(cat benchmarks/target/classpath.txt) dev.cairn.bench.StateStoreBenchmark"
                + (command.isEmpty() ? "" : " " + command);
    }

    String markdown(List<SizeResult> results) {
        StringBuilder sb = new StringBuilder("# state-store benchmark\n\n");
        sb.append("Produced by:\n\n```\n./mvnw -q -pl benchmarks -am package -DskipTests\n").append(commandLine()).append("\n```\n\n");
        sb.append("Machine: ").append(machine()).append(".\n\n");
        sb.append(String.format(Locale.ROOT, "Write buffer %d MB per state, one checkpoint every %d ms, keys %d B, values %d B (random, incompressible), LZ4.%n%n",
                writeBufferSize >> 20, intervalMs, KEY_BYTES, VALUE_BYTES));
        sb.append("## Sync pause and async duration (pause phase: same update rate at every size)\n\n");
        sb.append("| state | keys | updates/s | checkpoints | sync p50 ms | sync p99 ms | sync max ms | async p50 ms | async p99 ms |\n");
        sb.append("|---|---|---|---|---|---|---|---|---|\n");
        for (SizeResult r : results) {
            Histogram ps = histogram(r.pause(), true);
            Histogram pa = histogram(r.pause(), false);
            sb.append(String.format(Locale.ROOT, "| %d MB | %d | %d | %d | %s | %s | %s | %s | %s |%n", r.targetMb(), r.keys(),
                    r.pauseRate(), r.pause().size(), ms(ps.getValueAtPercentile(50)), ms(ps.getValueAtPercentile(99)),
                    ms(ps.getMaxValue()), ms(pa.getValueAtPercentile(50)), ms(pa.getValueAtPercentile(99))));
        }
        sb.append("\n## Bytes uploaded (upload phase: 1% of the keys changed per interval)\n\n");
        sb.append("| state | updates/s | checkpoints | changed MB | uploaded MB | of which flush | compaction | private | upload / changed | sync p99 ms | async p99 ms |\n");
        sb.append("|---|---|---|---|---|---|---|---|---|---|---|\n");
        for (SizeResult r : results) {
            long changed = sum(r.upload(), Sample::changedBytes);
            long uploaded = sum(r.upload(), Sample::uploaded);
            sb.append(String.format(Locale.ROOT, "| %d MB | %d | %d | %.1f | %.1f | %.1f | %.1f | %.2f | %.2f | %s | %s |%n",
                    r.targetMb(), r.uploadRate(), r.upload().size(), changed / 1048576.0, uploaded / 1048576.0,
                    sum(r.upload(), Sample::uploadedFlush) / 1048576.0, sum(r.upload(), Sample::uploadedCompaction) / 1048576.0,
                    sum(r.upload(), Sample::uploadedPrivate) / 1048576.0, uploaded / (double) Math.max(1, changed),
                    ms(histogram(r.upload(), true).getValueAtPercentile(99)), ms(histogram(r.upload(), false).getValueAtPercentile(99))));
        }
        sb.append("\n");
        return sb.toString();
    }

    static String esc(String s) {
        return s.replace("\\", "\\\\").replace("\"", "\\\"");
    }

    static void deleteTree(Path p) throws IOException {
        if (!Files.exists(p)) {
            return;
        }
        try (Stream<Path> s = Files.walk(p)) {
            for (Path x : s.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(x);
            }
        }
    }
}

package dev.cairn.cli;

import dev.cairn.core.InFlightMode;
import dev.cairn.core.manifest.FileRef;
import dev.cairn.core.manifest.InputSnapshot;
import dev.cairn.core.manifest.LocalSnapshot;
import dev.cairn.core.manifest.Manifest;
import dev.cairn.core.manifest.StateHandle;
import dev.cairn.core.manifest.TopologyDescriptor;
import dev.cairn.core.storage.CheckpointFileWriter;
import dev.cairn.core.storage.CheckpointHistoryEntry;
import dev.cairn.core.storage.CheckpointStorage;
import dev.cairn.core.storage.LocalCheckpointStorage;
import dev.cairn.core.storage.NioStorageFs;
import dev.cairn.core.topology.ChannelId;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.zip.CRC32C;

/**
 * A real job directory written through the core storage API, for the cli's tests. The standard job
 * {@code bank}: four operators — {@code source} (external input {@code payments}), {@code account-1}
 * and {@code account-2} (a cycle between them), {@code audit} (a sink) — and six channels.
 *
 * <pre>
 *   epoch 1 (fresh start): checkpoints 1 and 2 (copy mode)
 *   epoch 2 restores 1:    checkpoint 2 is now on an abandoned branch
 *                          checkpoints 3 (copy) and 4 (reference), 5 never committed (files only)
 *   HISTORY.jsonl:         1, 2, 3, 4 completed; 5 failed
 * </pre>
 *
 * So {@code list} shows 5 INCOMPLETE, 4 COMPLETE, 3 COMPLETE, 2 ABANDONED, 1 COMPLETE; 4 is restorable.
 */
final class JobFixture {

    static final String JOB = "bank";
    static final long T0 = 1_767_225_600_000L; // 2026-01-01T00:00:00Z
    static final List<String> OPERATORS = List.of("source", "account-1", "account-2", "audit");
    static final List<String> CHANNELS = List.of("source->account-1", "source->account-2", "account-1->account-2",
            "account-2->account-1", "account-1->audit", "account-2->audit");

    final Path root;
    final Path jobDir;
    final Map<Long, Manifest> manifests = new TreeMap<>();

    private JobFixture(Path root) {
        this.root = root;
        this.jobDir = root.resolve(JOB);
    }

    /** The standard job under {@code root/bank}. */
    static JobFixture standard(Path root) {
        JobFixture f = new JobFixture(root);
        try (LocalCheckpointStorage s = f.open()) {
            Map<String, String> roster = Map.of("source", "i1", "account-1", "i1", "account-2", "i1", "audit", "i1");
            s.beginEpoch(0, roster);
            f.commit(s, s.allocateCheckpointId(), 1, InFlightMode.COPY);
            f.commit(s, s.allocateCheckpointId(), 1, InFlightMode.COPY);
            s.beginEpoch(1, roster);
            f.commit(s, s.allocateCheckpointId(), 2, InFlightMode.COPY);
            f.commit(s, s.allocateCheckpointId(), 2, InFlightMode.REFERENCE);
            long failed = s.allocateCheckpointId();
            f.write(s, failed, 2, InFlightMode.COPY);
            for (Manifest m : f.manifests.values()) {
                s.appendHistory(new CheckpointHistoryEntry(m.checkpointId(), m.epoch(), CheckpointHistoryEntry.COMPLETED,
                        m.createdAtMillis(), 10L * m.checkpointId(), m.totalBytes(), inFlight(m), null));
            }
            s.appendHistory(new CheckpointHistoryEntry(failed, 2, CheckpointHistoryEntry.FAILED, T0 + 5_500, 3_000, 0, 0,
                    "declined by 'audit': timed out"));
        }
        return f;
    }

    /** A job that started but has no checkpoint yet (EPOCH, RESTORES only). */
    static JobFixture withoutCheckpoints(Path root, String job) {
        JobFixture f = new JobFixture(root);
        try (LocalCheckpointStorage s = LocalCheckpointStorage.open(root, job, new NioStorageFs())) {
            s.beginEpoch(0, Map.of("a", "i1"));
        }
        return f;
    }

    LocalCheckpointStorage open() {
        return LocalCheckpointStorage.open(root, JOB, new NioStorageFs(),
                Clock.fixed(Instant.ofEpochMilli(T0), ZoneOffset.UTC), new Random(7));
    }

    static long inFlight(Manifest m) {
        long n = 0;
        for (LocalSnapshot s : m.operators().values()) {
            n += s.inFlightRecords();
        }
        return n;
    }

    /** In-flight records on channel {@code i} at checkpoint {@code id}: 0, 1 or 2, some of each. */
    static int records(long id, int i) {
        return (int) ((id + i) % 3);
    }

    private void commit(CheckpointStorage s, long id, int epoch, InFlightMode mode) {
        Manifest m = write(s, id, epoch, mode);
        s.commitManifest(m);
        manifests.put(id, m);
    }

    /** Writes every file and local snapshot of checkpoint {@code id}; returns the manifest to commit. */
    private Manifest write(CheckpointStorage s, long id, int epoch, InFlightMode mode) {
        Map<String, Map<String, InputSnapshot>> inputs = new LinkedHashMap<>();
        Map<String, Map<String, Long>> outputs = new LinkedHashMap<>();
        for (String op : OPERATORS) {
            inputs.put(op, new TreeMap<>());
            outputs.put(op, new TreeMap<>());
        }
        for (int i = 0; i < CHANNELS.size(); i++) {
            ChannelId c = ChannelId.parse(CHANNELS.get(i));
            int n = records(id, i);
            long position = 100L * id + 10L * i;
            outputs.get(c.from()).put(c.toString(), position + n);
            if (mode == InFlightMode.COPY) {
                FileRef file = n == 0 ? null : write(s.createChannelStateFile(id, c), "record|".repeat(n));
                inputs.get(c.to()).put(c.toString(), new InputSnapshot(position, -1, file, n, 7L * n));
            } else {
                inputs.get(c.to()).put(c.toString(), new InputSnapshot(position, -1, null, -1, -1));
            }
        }
        Map<String, LocalSnapshot> snapshots = new TreeMap<>();
        Map<String, List<String>> layout = new TreeMap<>();
        for (String op : OPERATORS) {
            List<FileRef> files = new java.util.ArrayList<>();
            files.add(write(s.createPrivateFile(id, op, "state"), "state of " + op + " at " + id));
            String backend = "memory";
            if (op.startsWith("account")) {
                files.add(write(s.createSharedFile(op, id, "000001.sst"), "sst ".repeat(20 + (int) id)));
                backend = "rocksdb";
                layout.put(op, List.of("balances"));
            }
            LocalSnapshot snap = new LocalSnapshot(op, id, epoch, mode, new StateHandle(backend, files, Map.of()),
                    inputs.get(op), outputs.get(op), op.equals("source") ? Map.of("payments-0", 1000L * id) : Map.of(),
                    Map.of());
            s.writeLocalSnapshot(snap);
            snapshots.put(op, snap);
        }
        TopologyDescriptor topology = new TopologyDescriptor(OPERATORS, Map.of("source", List.of("payments")),
                Map.of("audit", List.of("audit-log")), CHANNELS, layout);
        return new Manifest(Manifest.CURRENT_FORMAT_VERSION, JOB, id, epoch, T0 + 1000 * id, mode, topology, snapshots,
                Map.of(), Map.of("durationMillis", Long.toString(10 * id)));
    }

    private static FileRef write(CheckpointFileWriter w, String content) {
        try (w) {
            w.write(content.getBytes(StandardCharsets.UTF_8));
            return w.finish();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    // ---------------------------------------------------------------- damage

    /** A state file of checkpoint {@code id} (its path relative to the job directory). */
    String stateFile(long id, String operator) {
        return manifests.get(id).operators().get(operator).state().files().get(0).path();
    }

    /** Flips one bit in the middle of a file: same size, so only a checksum finds it. */
    Path flipByte(String relative) {
        Path p = jobDir.resolve(relative);
        try {
            byte[] b = Files.readAllBytes(p);
            b[b.length / 2] ^= 0x01;
            Files.write(p, b);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return p;
    }

    /** Cuts the last byte off a file: a size check finds it. */
    Path truncate(String relative) {
        Path p = jobDir.resolve(relative);
        try {
            byte[] b = Files.readAllBytes(p);
            Files.write(p, java.util.Arrays.copyOf(b, b.length - 1));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return p;
    }

    /**
     * Rewrites checkpoint {@code id}'s manifest as if a newer cairn (format {@code version}) had
     * written it: the checksum recomputed as docs/MANIFEST-FORMAT.md says, so the file is intact.
     */
    void rewriteFormatVersion(long id, int version) {
        Path p = jobDir.resolve("chk-" + id).resolve("MANIFEST");
        try {
            String text = Files.readString(p);
            int key = text.lastIndexOf("\"checksum\" : \"");
            String covered = text.substring(0, key).replace("\"formatVersion\" : 1,", "\"formatVersion\" : " + version + ",");
            CRC32C crc = new CRC32C();
            crc.update(covered.getBytes(StandardCharsets.UTF_8));
            Files.writeString(p, covered + "\"checksum\" : \"" + String.format("%08x", crc.getValue()) + "\"\n}\n");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}

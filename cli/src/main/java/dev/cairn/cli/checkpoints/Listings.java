package dev.cairn.cli.checkpoints;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.cairn.cli.Format;
import dev.cairn.cli.JobStorage;
import dev.cairn.core.CairnException;
import dev.cairn.core.CorruptCheckpointException;
import dev.cairn.core.manifest.FileRef;
import dev.cairn.core.manifest.LocalSnapshot;
import dev.cairn.core.manifest.Manifest;
import dev.cairn.core.storage.CheckpointListing;
import dev.cairn.core.storage.CheckpointStatus;
import dev.cairn.core.storage.EpochRecord;
import dev.cairn.core.storage.RestoreEntry;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/** What the commands say about a job and its checkpoints, in text and JSON, the same everywhere. */
public final class Listings {

    private Listings() {
    }

    /**
     * In-flight records the checkpoint captured, as counted by the receivers; null when no receiver
     * counted them (reference mode keeps offset ranges, not records).
     */
    public static Long inFlightRecords(Manifest m) {
        long sum = 0;
        boolean counted = false;
        boolean anyInput = false;
        for (LocalSnapshot s : m.operators().values()) {
            for (dev.cairn.core.manifest.InputSnapshot in : s.inputs().values()) {
                anyInput = true;
                if (in.inFlightRecords() >= 0) {
                    counted = true;
                    sum += in.inFlightRecords();
                }
            }
        }
        return counted || !anyInput ? sum : null;
    }

    private static final Pattern CHECKPOINT_DIR = Pattern.compile("chk-([1-9][0-9]{0,18})");

    /** What checking a checkpoint's files found: the faults (naming the file), files and bytes checked. */
    public record FileCheck(List<String> problems, int files, long bytes) {
    }

    /**
     * Checks every file the manifest references: presence and size, and the CRC32C if {@code deep}.
     * Every fault is collected (not only the first); an I/O error is thrown, never taken for damage.
     */
    public static FileCheck checkFiles(JobStorage job, Manifest m, boolean deep) {
        List<String> problems = new ArrayList<>();
        int files = 0;
        long bytes = 0;
        for (FileRef f : m.files()) {
            try {
                job.storage().verifyFile(f, deep);
            } catch (CorruptCheckpointException e) {
                String prefix = "job '" + job.jobId() + "': "; // the job is said once, by the caller
                String message = e.getMessage();
                problems.add(message.startsWith(prefix) ? message.substring(prefix.length()) : message);
            }
            files++;
            bytes += f.size();
        }
        return new FileCheck(problems, files, bytes);
    }

    /** The restore-history entry that abandoned checkpoint {@code m}, or null if it is on the live branch. */
    public static RestoreEntry abandonedBy(JobStorage job, Manifest m) {
        for (RestoreEntry e : job.storage().restoreHistory()) {
            if (e.abandons(m.epoch(), m.checkpointId())) {
                return e;
            }
        }
        return null;
    }

    /** The ids of the {@code chk-<id>} directories, newest first, read from the directory itself. */
    public static List<Long> checkpointDirectories(JobStorage job) {
        List<Long> ids = new ArrayList<>();
        try (Stream<Path> entries = Files.list(job.jobDir())) {
            entries.forEach(p -> {
                var matcher = CHECKPOINT_DIR.matcher(p.getFileName().toString());
                if (matcher.matches() && Files.isDirectory(p)) {
                    ids.add(Long.parseLong(matcher.group(1)));
                }
            });
        } catch (IOException e) {
            throw new java.io.UncheckedIOException("cannot list " + job.jobDir() + ": " + e.getMessage(), e);
        }
        ids.sort(Comparator.reverseOrder());
        return ids;
    }

    /** The newest COMPLETE checkpoint of a listing (newest first), or null. */
    public static Long restorable(List<CheckpointListing> listings) {
        for (CheckpointListing l : listings) {
            if (l.status() == CheckpointStatus.COMPLETE) {
                return l.checkpointId();
            }
        }
        return null;
    }

    /** The current epoch, or a description of why it cannot be read. */
    public record Epoch(Integer epoch, String error) {
        public static Epoch of(JobStorage job) {
            try {
                Optional<EpochRecord> e = job.storage().currentEpoch();
                return new Epoch(e.map(EpochRecord::epoch).orElse(null), null);
            } catch (CairnException e) {
                if (e.getCause() instanceof IOException) {
                    throw e; // unreadable, not damaged
                }
                return new Epoch(null, e.getMessage());
            }
        }

        public String describe() {
            return error != null ? "epoch record unreadable: " + error
                    : epoch == null ? "no epoch record (the job never started)" : "current epoch " + epoch;
        }

        public void putJson(ObjectNode o) {
            o.put("currentEpoch", epoch);
            if (error != null) {
                o.put("currentEpochError", error);
            }
        }
    }

    /** The JSON object of one checkpoint in {@code list --json} (documented in cli/README.md). */
    public static ObjectNode json(CheckpointListing l) {
        ObjectNode o = Format.object();
        Manifest m = l.manifest();
        o.put("id", l.checkpointId());
        o.put("status", l.status().name());
        o.put("reason", l.reason());
        o.put("epoch", m == null ? null : m.epoch());
        o.put("createdAtMillis", m == null ? null : m.createdAtMillis());
        o.put("createdAt", m == null ? null : Format.isoTime(m.createdAtMillis()));
        o.put("inFlightMode", m == null ? null : m.inFlightMode().name());
        o.put("sizeBytes", m == null ? null : m.totalBytes());
        o.put("fileCount", m == null ? null : m.files().size());
        o.put("inFlightRecords", m == null ? null : inFlightRecords(m));
        if (m == null) {
            o.putNull("operators");
        } else {
            ArrayNode ops = o.putArray("operators");
            m.topology().operators().forEach(ops::add);
        }
        return o;
    }
}

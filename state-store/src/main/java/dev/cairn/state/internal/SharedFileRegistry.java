package dev.cairn.state.internal;

import dev.cairn.core.manifest.FileRef;

import java.util.HashMap;
import java.util.Map;
import java.util.TreeMap;

/**
 * Which local SST files of one store are already in checkpoint storage and may be referenced again
 * instead of uploaded. DESIGN.md: "An operator reuses an already stored file only if a completed
 * checkpoint references it" — so only the files of the newest checkpoint known complete are
 * reusable; files that a pending checkpoint uploaded become reusable when that very checkpoint
 * completes (a later completion that subsumes it says nothing about its files: its manifest was
 * never written, and retention deletes them).
 *
 * <p>A local file is identified by its name and its size: within one database SST numbers are never
 * reused, and after a restore the registry starts from the restored handle only, whose files are
 * exactly the ones the restored database holds under those names. A file the database creates after
 * the restore may reuse a number of the abandoned run, but such a number is never in the registry.
 *
 * <p>Thread-safe: {@code persist()} runs on a background thread, completions on the operator thread.
 */
final class SharedFileRegistry {

    /** A local SST file: its name in the database directory and its size. */
    record LocalSst(String name, long size) {
    }

    private Map<LocalSst, FileRef> confirmed = Map.of();
    /** Bumped whenever {@link #confirmed} changes. */
    private long generation;
    /** Checkpoints being persisted or persisted and not yet completed: the generation they reused from. */
    private final TreeMap<Long, Long> pendingGeneration = new TreeMap<>();
    private final TreeMap<Long, Map<LocalSst, FileRef>> persisted = new TreeMap<>();

    /**
     * Starts persisting {@code checkpointId}: returns the stored files it may reference instead of
     * uploading. Empty if a lower checkpoint still pending chose its files from an older set: that
     * one may hold its own copy of a file (uploaded before the newer set was known), and if it
     * completes, retention may delete the copy in the newer set while this checkpoint, still
     * pending, references it (retention protects only files created by a pending checkpoint).
     * Uploading fresh copies is always safe; this case needs overlapping checkpoints with a
     * completion between their uploads, so it is rare.
     */
    synchronized Map<LocalSst, FileRef> beginPersist(long checkpointId) {
        boolean safe = true;
        for (long g : pendingGeneration.headMap(checkpointId, false).values()) {
            safe &= g == generation;
        }
        pendingGeneration.put(checkpointId, generation);
        return safe ? confirmed : Map.of();
    }

    /** Checkpoint {@code checkpointId} references exactly {@code files} (uploaded or reused). */
    synchronized void persisted(long checkpointId, Map<LocalSst, FileRef> files) {
        persisted.put(checkpointId, Map.copyOf(files));
    }

    /** Persisting {@code checkpointId} failed: it will never complete. */
    synchronized void failed(long checkpointId) {
        pendingGeneration.remove(checkpointId);
        persisted.remove(checkpointId);
    }

    /** Every checkpoint up to {@code upTo} is complete (or subsumed): see the class comment. */
    synchronized void completed(long upTo) {
        Map<LocalSst, FileRef> files = persisted.get(upTo);
        if (files != null) {
            confirmed = files;
            generation++;
        }
        persisted.headMap(upTo, true).clear();
        pendingGeneration.headMap(upTo, true).clear();
    }

    synchronized void aborted(long checkpointId) {
        persisted.remove(checkpointId);
        pendingGeneration.remove(checkpointId);
    }

    /** The store was restored from a checkpoint that references {@code files}. */
    synchronized void restored(Map<LocalSst, FileRef> files) {
        confirmed = Map.copyOf(files);
        generation++;
        persisted.clear();
        pendingGeneration.clear();
    }

    /** For tests: how many files are reusable now. */
    synchronized int confirmedCount() {
        return confirmed.size();
    }

    synchronized Map<LocalSst, FileRef> confirmedView() {
        return new HashMap<>(confirmed);
    }
}

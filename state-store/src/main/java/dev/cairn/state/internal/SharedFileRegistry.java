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
    private final TreeMap<Long, Map<LocalSst, FileRef>> persisted = new TreeMap<>();

    /** The stored file that a completed checkpoint holds for {@code sst}, or {@code null}. */
    synchronized FileRef reusable(LocalSst sst) {
        return confirmed.get(sst);
    }

    /** Checkpoint {@code checkpointId} references exactly {@code files} (uploaded or reused). */
    synchronized void persisted(long checkpointId, Map<LocalSst, FileRef> files) {
        persisted.put(checkpointId, Map.copyOf(files));
    }

    /** Every checkpoint up to {@code upTo} is complete (or subsumed): see the class comment. */
    synchronized void completed(long upTo) {
        Map<LocalSst, FileRef> files = persisted.get(upTo);
        if (files != null) {
            confirmed = files;
        }
        persisted.headMap(upTo, true).clear();
    }

    synchronized void aborted(long checkpointId) {
        persisted.remove(checkpointId);
    }

    /** The store was restored from a checkpoint that references {@code files}. */
    synchronized void restored(Map<LocalSst, FileRef> files) {
        confirmed = Map.copyOf(files);
        persisted.clear();
    }

    /** For tests: how many files are reusable now. */
    synchronized int confirmedCount() {
        return confirmed.size();
    }

    synchronized Map<LocalSst, FileRef> confirmedView() {
        return new HashMap<>(confirmed);
    }
}

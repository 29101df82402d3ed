package dev.cairn.core.manifest;

import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * What a state backend needs to restore one operator's state: the backend's name, every file of
 * the snapshot (shared ones included) and backend-specific metadata (e.g. which stored file holds
 * which local SST name).
 *
 * @param backend  the backend that wrote it ("memory", "rocksdb", ...); a restore through another
 *                 backend is refused
 * @param files    every file of this snapshot
 * @param metadata backend-specific string pairs, sorted
 */
public record StateHandle(String backend, List<FileRef> files, Map<String, String> metadata) {
    public StateHandle {
        if (backend == null || backend.isEmpty()) {
            throw new IllegalArgumentException("state backend name must not be empty");
        }
        files = List.copyOf(files);
        metadata = java.util.Collections.unmodifiableMap(new TreeMap<>(metadata));
    }

    /** An operator without registered state. */
    public static StateHandle empty(String backend) {
        return new StateHandle(backend, List.of(), Map.of());
    }

    /** Metadata key under which a backend records the names of the registered states. */
    public static final String LAYOUT_KEY = "layout";

    /** The names of the registered states, as the backend recorded them (empty if none). */
    public java.util.List<String> layout() {
        String names = metadata.get(LAYOUT_KEY);
        if (names == null || names.isEmpty()) {
            return List.of();
        }
        return List.of(names.split(","));
    }

    public long totalBytes() {
        long sum = 0;
        for (FileRef f : files) {
            sum += f.size();
        }
        return sum;
    }
}

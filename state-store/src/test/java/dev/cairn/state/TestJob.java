package dev.cairn.state;

import dev.cairn.core.InFlightMode;
import dev.cairn.core.manifest.LocalSnapshot;
import dev.cairn.core.manifest.Manifest;
import dev.cairn.core.manifest.StateHandle;
import dev.cairn.core.manifest.TopologyDescriptor;
import dev.cairn.core.state.OperatorStateStore;
import dev.cairn.core.storage.LocalCheckpointStorage;
import dev.cairn.core.storage.StorageFs;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * A one-operator job over real checkpoint storage, playing the coordinator: allocates ids, commits
 * a manifest holding the operator's state handle, and tells the store the checkpoint completed.
 */
final class TestJob implements AutoCloseable {
    static final String JOB = "job";
    static final String OP = "counter";

    final LocalCheckpointStorage storage;
    final int epoch;

    TestJob(Path root, StorageFs fs) {
        this.storage = LocalCheckpointStorage.open(root, JOB, fs);
        this.epoch = storage.beginEpoch(0, Map.of(OP, "test")).epoch();
    }

    long nextId() {
        return storage.allocateCheckpointId();
    }

    /** Snapshot, persist, commit and complete: one whole checkpoint of {@code store}. */
    Manifest checkpoint(OperatorStateStore store) {
        long id = nextId();
        StateHandle handle = store.snapshot(id).persist();
        Manifest m = commit(id, handle);
        store.checkpointsCompleted(id);
        return m;
    }

    /** Writes the operator's local snapshot and the manifest of checkpoint {@code id}. */
    Manifest commit(long id, StateHandle handle) {
        LocalSnapshot local = new LocalSnapshot(OP, id, epoch, InFlightMode.COPY, handle, Map.of(), Map.of(), Map.of(),
                Map.of());
        storage.writeLocalSnapshot(local);
        TopologyDescriptor topology = new TopologyDescriptor(List.of(OP), Map.of(), Map.of(), List.of(),
                Map.of(OP, handle.layout()));
        Manifest m = new Manifest(Manifest.CURRENT_FORMAT_VERSION, JOB, id, epoch, 0L, InFlightMode.COPY, topology,
                Map.of(OP, local), Map.of(), Map.of());
        storage.commitManifest(m);
        return m;
    }

    static StateHandle handle(Manifest m) {
        return m.operators().get(OP).state();
    }

    @Override
    public void close() {
        storage.close();
    }
}

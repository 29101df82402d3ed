package dev.cairn.core.simulation;

import dev.cairn.core.manifest.FileRef;
import dev.cairn.core.manifest.LocalSnapshot;
import dev.cairn.core.manifest.Manifest;
import dev.cairn.core.storage.CheckpointFileWriter;
import dev.cairn.core.storage.CheckpointListing;
import dev.cairn.core.storage.CheckpointStorage;
import dev.cairn.core.storage.EpochRecord;
import dev.cairn.core.storage.LatestResult;
import dev.cairn.core.storage.RestoreEntry;
import dev.cairn.core.storage.RetentionResult;
import dev.cairn.core.topology.ChannelId;

import java.io.InputStream;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/** A storage that forwards every call; the simulation overrides what it watches. */
class ForwardingStorage implements CheckpointStorage {
    protected final CheckpointStorage delegate;

    ForwardingStorage(CheckpointStorage delegate) {
        this.delegate = delegate;
    }

    @Override
    public String jobId() {
        return delegate.jobId();
    }

    @Override
    public long allocateCheckpointId() {
        return delegate.allocateCheckpointId();
    }

    @Override
    public Optional<EpochRecord> currentEpoch() {
        return delegate.currentEpoch();
    }

    @Override
    public List<RestoreEntry> restoreHistory() {
        return delegate.restoreHistory();
    }

    @Override
    public EpochRecord beginEpoch(long restoredCheckpointId, Map<String, String> roster) {
        return delegate.beginEpoch(restoredCheckpointId, roster);
    }

    @Override
    public CheckpointFileWriter createPrivateFile(long checkpointId, String operatorId, String name) {
        return delegate.createPrivateFile(checkpointId, operatorId, name);
    }

    @Override
    public CheckpointFileWriter createChannelStateFile(long checkpointId, ChannelId channel) {
        return delegate.createChannelStateFile(checkpointId, channel);
    }

    @Override
    public CheckpointFileWriter createSharedFile(String operatorId, long checkpointId, String baseName) {
        return delegate.createSharedFile(operatorId, checkpointId, baseName);
    }

    @Override
    public InputStream openFile(FileRef ref) {
        return delegate.openFile(ref);
    }

    @Override
    public void verifyFile(FileRef ref, boolean deep) {
        delegate.verifyFile(ref, deep);
    }

    @Override
    public FileRef writeLocalSnapshot(LocalSnapshot snapshot) {
        return delegate.writeLocalSnapshot(snapshot);
    }

    @Override
    public LocalSnapshot readLocalSnapshot(FileRef ref) {
        return delegate.readLocalSnapshot(ref);
    }

    @Override
    public void commitManifest(Manifest manifest) {
        delegate.commitManifest(manifest);
    }

    @Override
    public LatestResult latest(boolean deep) {
        return delegate.latest(deep);
    }

    @Override
    public Manifest readManifest(long checkpointId) {
        return delegate.readManifest(checkpointId);
    }

    @Override
    public List<CheckpointListing> list(boolean deep) {
        return delegate.list(deep);
    }

    @Override
    public RetentionResult retain(int keep, Set<Long> pending, int coordinatorEpoch) {
        return delegate.retain(keep, pending, coordinatorEpoch);
    }

    @Override
    public void appendHistory(dev.cairn.core.storage.CheckpointHistoryEntry entry) {
        delegate.appendHistory(entry);
    }

    @Override
    public List<dev.cairn.core.storage.CheckpointHistoryEntry> history() {
        return delegate.history();
    }

    @Override
    public void close() {
        delegate.close();
    }
}

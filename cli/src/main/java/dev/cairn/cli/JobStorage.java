package dev.cairn.cli;

import dev.cairn.core.storage.CheckpointStorage;

import java.nio.file.Path;

/**
 * A job's checkpoint storage opened read-only for inspection (see {@link ReadOnlyStorageFs}).
 *
 * @param jobId   the job (the directory's name)
 * @param jobDir  the job directory, absolute
 * @param storage the storage; only its reading methods are used
 */
public record JobStorage(String jobId, Path jobDir, CheckpointStorage storage) implements AutoCloseable {
    @Override
    public void close() {
        storage.close();
    }
}

package dev.cairn.cli;

import dev.cairn.core.storage.NioStorageFs;
import dev.cairn.core.storage.StorageFs;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.AccessDeniedException;
import java.nio.file.Path;
import java.util.List;

/**
 * The real file system, read-only: what the inspecting commands give {@code
 * LocalCheckpointStorage}, so that looking at checkpoints never changes them.
 *
 * <p>{@code LocalCheckpointStorage.open} proves the job directory writable by creating and deleting
 * a probe file, and restricts the directory to its owner (chmod 700). An inspector must do neither:
 * it may run as another user, on a read-only mount or a backup, and must leave the permissions as it
 * found them. So the probe is answered without touching the disk, {@code setOwnerOnly} and the
 * fsyncs do nothing, and every other write is refused with an {@link AccessDeniedException} naming
 * the path (which the storage reports as a STORAGE error), rather than silently done.
 */
public final class ReadOnlyStorageFs implements StorageFs {

    /** The prefix of the probe file that {@code LocalCheckpointStorage.open} creates and deletes. */
    private static final String PROBE = ".probe-";

    private final StorageFs delegate;

    public ReadOnlyStorageFs() {
        this(new NioStorageFs());
    }

    ReadOnlyStorageFs(StorageFs delegate) {
        this.delegate = delegate;
    }

    @Override
    public List<String> list(Path dir) throws IOException {
        return delegate.list(dir);
    }

    @Override
    public boolean exists(Path path) throws IOException {
        return delegate.exists(path);
    }

    @Override
    public boolean isDirectory(Path path) throws IOException {
        return delegate.isDirectory(path);
    }

    @Override
    public long size(Path file) throws IOException {
        return delegate.size(file);
    }

    @Override
    public InputStream newInputStream(Path file) throws IOException {
        return delegate.newInputStream(file);
    }

    @Override
    public OutputStream createNew(Path file) throws IOException {
        if (isProbe(file)) {
            return OutputStream.nullOutputStream();
        }
        throw refused(file);
    }

    @Override
    public boolean delete(Path path) throws IOException {
        if (isProbe(path)) {
            return true;
        }
        throw refused(path);
    }

    @Override
    public void setOwnerOnly(Path path) {
        // Leaves the permissions as they are: see the class comment.
    }

    @Override
    public void fsyncDirectory(Path dir) {
        // Nothing was written.
    }

    @Override
    public void fsync(Path file) {
        // Nothing was written.
    }

    @Override
    public void createDirectory(Path dir) throws IOException {
        throw refused(dir);
    }

    @Override
    public OutputStream overwrite(Path file) throws IOException {
        throw refused(file);
    }

    @Override
    public OutputStream append(Path file) throws IOException {
        throw refused(file);
    }

    @Override
    public void atomicRename(Path source, Path target) throws IOException {
        throw refused(target);
    }

    private static boolean isProbe(Path path) {
        Path name = path.getFileName();
        return name != null && name.toString().startsWith(PROBE);
    }

    private static IOException refused(Path path) {
        return new AccessDeniedException(path.toString(), null, "cairn inspects checkpoints read-only and writes nothing");
    }

    @Override
    public String toString() {
        return "ReadOnlyStorageFs(" + delegate + ")";
    }
}

package dev.cairn.core.storage;

import dev.cairn.core.storage.FsOperation.Kind;

import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Path;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Predicate;

/**
 * Wraps any {@link StorageFs} and makes chosen calls fail with an {@link IOException} while a
 * switch is on: "storage fails every write for a while", "reads of shared files fail". Used by
 * tests and by the torture harness against real storage. A failed call has no effect on the
 * wrapped file system; stream writes are checked one {@code write} call at a time, so a file can
 * fail half-way through. Thread-safe: the switch can be flipped from any thread.
 */
public final class FaultInjectingFs implements StorageFs {

    private static final Predicate<FsOperation> NONE = op -> false;

    private final StorageFs delegate;
    private volatile Predicate<FsOperation> failing = NONE;
    private final AtomicLong injected = new AtomicLong();

    public FaultInjectingFs(StorageFs delegate) {
        this.delegate = Objects.requireNonNull(delegate, "delegate");
    }

    /** Every call that changes the file system (create, write, fsync, rename, delete) fails until {@link #heal()}. */
    public void failWrites() {
        failWhen(FsOperation::isWrite);
    }

    /** Every call that matches {@code which} fails until {@link #heal()} or the next {@code failWhen}. */
    public void failWhen(Predicate<FsOperation> which) {
        failing = Objects.requireNonNull(which, "which");
    }

    /** Stops injecting faults. */
    public void heal() {
        failing = NONE;
    }

    /** How many calls failed because of this wrapper. */
    public long injectedFaults() {
        return injected.get();
    }

    private void check(Kind kind, Path path, Path target) throws IOException {
        FsOperation op = new FsOperation(kind, path, target);
        if (failing.test(op)) {
            injected.incrementAndGet();
            throw new IOException("injected storage fault: " + op);
        }
    }

    @Override
    public void createDirectory(Path dir) throws IOException {
        check(Kind.CREATE_DIRECTORY, dir, null);
        delegate.createDirectory(dir);
    }

    @Override
    public List<String> list(Path dir) throws IOException {
        check(Kind.LIST, dir, null);
        return delegate.list(dir);
    }

    @Override
    public boolean exists(Path path) throws IOException {
        check(Kind.EXISTS, path, null);
        return delegate.exists(path);
    }

    @Override
    public boolean isDirectory(Path path) throws IOException {
        check(Kind.IS_DIRECTORY, path, null);
        return delegate.isDirectory(path);
    }

    @Override
    public long size(Path file) throws IOException {
        check(Kind.SIZE, file, null);
        return delegate.size(file);
    }

    @Override
    public InputStream newInputStream(Path file) throws IOException {
        check(Kind.OPEN_READ, file, null);
        return delegate.newInputStream(file);
    }

    @Override
    public OutputStream createNew(Path file) throws IOException {
        check(Kind.CREATE_NEW, file, null);
        return new FaultyStream(delegate.createNew(file), file);
    }

    @Override
    public OutputStream overwrite(Path file) throws IOException {
        check(Kind.OVERWRITE, file, null);
        return new FaultyStream(delegate.overwrite(file), file);
    }

    @Override
    public OutputStream append(Path file) throws IOException {
        check(Kind.APPEND, file, null);
        return new FaultyStream(delegate.append(file), file);
    }

    @Override
    public void fsync(Path file) throws IOException {
        check(Kind.FSYNC, file, null);
        delegate.fsync(file);
    }

    @Override
    public void atomicRename(Path source, Path target) throws IOException {
        check(Kind.RENAME, source, target);
        delegate.atomicRename(source, target);
    }

    @Override
    public void fsyncDirectory(Path dir) throws IOException {
        check(Kind.FSYNC_DIRECTORY, dir, null);
        delegate.fsyncDirectory(dir);
    }

    @Override
    public boolean delete(Path path) throws IOException {
        check(Kind.DELETE, path, null);
        return delegate.delete(path);
    }

    @Override
    public void setOwnerOnly(Path path) throws IOException {
        check(Kind.SET_OWNER_ONLY, path, null);
        delegate.setOwnerOnly(path);
    }

    private final class FaultyStream extends FilterOutputStream {
        private final Path path;

        FaultyStream(OutputStream out, Path path) {
            super(out);
            this.path = path;
        }

        @Override
        public void write(int b) throws IOException {
            check(Kind.WRITE, path, null);
            out.write(b);
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            check(Kind.WRITE, path, null);
            out.write(b, off, len);
        }
    }

    @Override
    public String toString() {
        return "FaultInjectingFs(" + delegate + ")";
    }
}

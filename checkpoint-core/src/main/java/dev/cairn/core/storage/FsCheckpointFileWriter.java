package dev.cairn.core.storage;

import dev.cairn.core.CairnException;
import dev.cairn.core.manifest.FileRef;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Path;
import java.util.Objects;
import java.util.zip.CRC32C;

/**
 * {@link CheckpointFileWriter} over a {@link StorageFs} stream. The size and CRC32C are computed
 * from the bytes as they pass, so the reference is known without reading the file back. Any
 * failure is a STORAGE {@link CairnException} naming the file; after one, the writer is dead and
 * the partial file is removed (best effort: if the storage keeps failing, retention removes it
 * later, and it is never referenced because {@link #finish()} never returned).
 */
final class FsCheckpointFileWriter extends CheckpointFileWriter {

    private enum State { OPEN, FINISHED, FAILED, ABORTED }

    private final LocalCheckpointStorage storage;
    private final Path file;
    private final String relativePath;
    private final OutputStream out;
    private final CRC32C crc = new CRC32C();
    private long written;
    private State state = State.OPEN;
    private FileRef ref;

    FsCheckpointFileWriter(LocalCheckpointStorage storage, Path file, String relativePath, OutputStream raw) {
        this.storage = storage;
        this.file = file;
        this.relativePath = relativePath;
        this.out = new BufferedOutputStream(raw, 64 * 1024);
    }

    @Override
    public synchronized void write(int b) {
        requireOpen();
        try {
            out.write(b);
        } catch (IOException e) {
            throw fail("cannot write", e);
        }
        crc.update(b);
        written++;
    }

    @Override
    public synchronized void write(byte[] b, int off, int len) {
        Objects.checkFromIndexSize(off, len, b.length);
        requireOpen();
        try {
            out.write(b, off, len);
        } catch (IOException e) {
            throw fail("cannot write", e);
        }
        crc.update(b, off, len);
        written += len;
    }

    /** Does nothing once finished or aborted, so that a wrapping stream may be closed after {@link #finish()}. */
    @Override
    public synchronized void flush() {
        if (state == State.FINISHED || state == State.ABORTED) {
            return;
        }
        requireOpen();
        try {
            out.flush();
        } catch (IOException e) {
            throw fail("cannot write", e);
        }
    }

    @Override
    public synchronized FileRef finish() {
        if (state == State.FINISHED) {
            return ref;
        }
        requireOpen();
        try {
            out.close();
            storage.makeFileDurable(file);
        } catch (IOException e) {
            throw fail("cannot make durable", e);
        }
        state = State.FINISHED;
        ref = new FileRef(relativePath, written, crc.getValue());
        return ref;
    }

    @Override
    public synchronized void abort() {
        if (state == State.OPEN) {
            state = State.ABORTED;
            discard(null);
        } else if (state == State.FAILED) {
            state = State.ABORTED;
        }
    }

    /** Without {@link #finish()} first, closing aborts: a file nobody finished is never left behind. */
    @Override
    public synchronized void close() {
        abort();
    }

    @Override
    public synchronized long bytesWritten() {
        return written;
    }

    private void requireOpen() {
        if (state != State.OPEN) {
            throw new IllegalStateException("checkpoint file " + file + " is " + state.name().toLowerCase(java.util.Locale.ROOT));
        }
    }

    private CairnException fail(String what, IOException cause) {
        state = State.FAILED;
        discard(cause);
        return new CairnException(CairnException.Reason.STORAGE, "job '" + storage.jobId() + "': " + what
                + " checkpoint file " + file + " after " + written + " bytes: " + cause.getMessage()
                + "; the file is discarded and the checkpoint cannot use it", cause);
    }

    private void discard(IOException primary) {
        try {
            out.close();
        } catch (IOException | RuntimeException e) {
            if (primary != null) {
                primary.addSuppressed(e);
            }
        }
        storage.deleteQuietly(file, primary);
    }

    @Override
    public String toString() {
        return "CheckpointFileWriter(" + file + ", " + state + ", " + written + " bytes)";
    }
}

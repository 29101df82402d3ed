package dev.cairn.core.storage;

import dev.cairn.core.manifest.FileRef;

import java.io.IOException;
import java.io.OutputStream;

/**
 * A file being written into checkpoint storage. Computes size and CRC32C as bytes pass. {@link
 * #finish()} makes it durable and returns its reference; {@link #abort()} removes it. Closing a
 * writer that was not finished aborts it, so a try-with-resources block never leaves a partial file
 * behind; closing after {@code finish()} does nothing. A write that fails throws a STORAGE {@link
 * dev.cairn.core.CairnException} naming the file (unchecked, despite the {@code IOException} of the
 * signatures) and the writer is dead: a partial file is never referenced, as only {@code finish()}
 * yields a reference.
 */
public abstract class CheckpointFileWriter extends OutputStream {
    /**
     * Flushes, closes, fsyncs the file and the directories above it that are not durable yet, and
     * returns the reference. A second call returns the same reference.
     */
    public abstract FileRef finish() throws IOException;

    /** Closes and deletes the partial file; never throws. */
    public abstract void abort();

    /** Bytes written so far. */
    public abstract long bytesWritten();
}

package dev.cairn.core.storage;

import dev.cairn.core.manifest.FileRef;

import java.io.IOException;
import java.io.OutputStream;

/**
 * A file being written into checkpoint storage. Computes size and CRC32C as bytes pass. {@link
 * #finish()} makes it durable and returns its reference; {@link #abort()} removes it.
 */
public abstract class CheckpointFileWriter extends OutputStream {
    /** Flushes, fsyncs the file and its new directories, closes, and returns the reference. */
    public abstract FileRef finish() throws IOException;

    /** Closes and deletes the partial file; never throws. */
    public abstract void abort();

    /** Bytes written so far. */
    public abstract long bytesWritten();
}

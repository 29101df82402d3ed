package dev.cairn.core.storage;

import dev.cairn.core.CorruptCheckpointException;
import dev.cairn.core.manifest.FileRef;

import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Path;
import java.util.zip.CRC32C;

/**
 * Reads a referenced file and checks, as the bytes pass, that it has the recorded size and CRC32C:
 * a reader that consumes the whole file gets the deep verification for free, and learns of damage
 * at the end of the stream instead of restoring from it silently.
 */
final class VerifyingInputStream extends FilterInputStream {
    private final FileRef ref;
    private final Path path;
    private final String jobId;
    private final CRC32C crc = new CRC32C();
    private long read;
    private boolean verified;

    VerifyingInputStream(InputStream in, FileRef ref, Path path, String jobId) {
        super(in);
        this.ref = ref;
        this.path = path;
        this.jobId = jobId;
    }

    @Override
    public int read() throws IOException {
        int b = in.read();
        if (b < 0) {
            atEnd();
        } else {
            crc.update(b);
            counted(1);
        }
        return b;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
        int n = in.read(b, off, len);
        if (n < 0) {
            atEnd();
        } else {
            crc.update(b, off, n);
            counted(n);
        }
        return n;
    }

    @Override
    public long skip(long n) throws IOException {
        // Skipped bytes must still pass through the checksum.
        byte[] buffer = new byte[(int) Math.min(8192, Math.max(0, n))];
        long skipped = 0;
        while (skipped < n) {
            int r = read(buffer, 0, (int) Math.min(buffer.length, n - skipped));
            if (r < 0) {
                break;
            }
            skipped += r;
        }
        return skipped;
    }

    @Override
    public boolean markSupported() {
        return false;
    }

    @Override
    public synchronized void mark(int readlimit) {
        // not supported: a reset would count bytes twice
    }

    @Override
    public synchronized void reset() throws IOException {
        throw new IOException("mark/reset not supported");
    }

    private void counted(int n) {
        read += n;
        if (read > ref.size()) {
            throw new CorruptCheckpointException(path, "job '" + jobId + "': checkpoint file " + path
                    + " is longer than the " + ref.size() + " bytes recorded");
        }
    }

    private void atEnd() {
        if (verified) {
            return;
        }
        verified = true;
        if (read != ref.size()) {
            throw new CorruptCheckpointException(path, "job '" + jobId + "': checkpoint file " + path + " ended after "
                    + read + " bytes, " + ref.size() + " were recorded");
        }
        if (crc.getValue() != ref.crc32c()) {
            throw new CorruptCheckpointException(path, "job '" + jobId + "': checkpoint file " + path
                    + " checksum mismatch (expected " + ref.crc32cHex() + ", found "
                    + ChecksummedJson.hex(crc.getValue()) + ")");
        }
    }
}

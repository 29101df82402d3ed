package dev.cairn.core.recovery;

import dev.cairn.core.CairnException;
import dev.cairn.core.topology.ChannelId;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;

/**
 * The format of a copy-mode channel-state file: the in-flight records of one channel for one
 * checkpoint, in channel order. Written by the receiving operator while it records, read back at
 * restore. Layout: magic {@code CCS1}, the channel id (UTF), then per record: offset (long),
 * timestamp (long), key length (int, -1 for null) and bytes, value length (int, -1 for null) and
 * bytes; then a trailer: -1 (long) and the record count (long), so a truncated file is detected.
 */
public final class ChannelStateFile {
    private static final int MAGIC = 0x43435331; // "CCS1"

    private ChannelStateFile() {
    }

    /** One in-flight record. */
    public record Entry(long offset, long timestamp, byte[] key, byte[] value) {
    }

    /** Appends records to a channel-state file. Not thread-safe. */
    public static final class Writer implements AutoCloseable {
        private final DataOutputStream out;
        private long records;
        private long bytes;
        private boolean finished;

        public Writer(OutputStream target, ChannelId channel) throws IOException {
            this.out = new DataOutputStream(new BufferedOutputStream(target, 64 * 1024));
            out.writeInt(MAGIC);
            out.writeUTF(channel.toString());
        }

        public void append(long offset, long timestamp, byte[] key, byte[] value) throws IOException {
            out.writeLong(offset);
            out.writeLong(timestamp);
            writeBytes(key);
            writeBytes(value);
            records++;
            bytes += (key == null ? 0 : key.length) + (value == null ? 0 : value.length);
        }

        private void writeBytes(byte[] b) throws IOException {
            if (b == null) {
                out.writeInt(-1);
            } else {
                out.writeInt(b.length);
                out.write(b);
            }
        }

        public long records() {
            return records;
        }

        /** Key and value bytes appended so far (what the copy cap counts). */
        public long payloadBytes() {
            return bytes;
        }

        /** Writes the trailer and flushes into the target stream (which the caller finishes). */
        public void finish() throws IOException {
            if (!finished) {
                finished = true;
                out.writeLong(-1);
                out.writeLong(records);
                out.flush();
            }
        }

        @Override
        public void close() throws IOException {
            finish();
        }
    }

    /** Reads a channel-state file; {@code what} names it in errors. */
    public interface Visitor {
        void accept(Entry entry) throws IOException;
    }

    public static long read(InputStream source, ChannelId expected, String what, Visitor visitor) {
        try (DataInputStream in = new DataInputStream(new BufferedInputStream(source, 64 * 1024))) {
            if (in.readInt() != MAGIC) {
                throw corrupt(what, "is not a channel-state file (bad magic)", null);
            }
            String channel = in.readUTF();
            if (!channel.equals(expected.toString())) {
                throw corrupt(what, "holds channel " + channel + ", expected " + expected, null);
            }
            long count = 0;
            while (true) {
                long offset = in.readLong();
                if (offset == -1) {
                    long recorded = in.readLong();
                    if (recorded != count) {
                        throw corrupt(what, "trailer says " + recorded + " records, found " + count, null);
                    }
                    return count;
                }
                long ts = in.readLong();
                byte[] key = readBytes(in);
                byte[] value = readBytes(in);
                visitor.accept(new Entry(offset, ts, key, value));
                count++;
            }
        } catch (EOFException e) {
            throw corrupt(what, "is truncated", e);
        } catch (IOException e) {
            throw corrupt(what, "cannot be read: " + e.getMessage(), e);
        }
    }

    private static byte[] readBytes(DataInputStream in) throws IOException {
        int len = in.readInt();
        if (len < -1) {
            throw new IOException("negative length " + len);
        }
        if (len == -1) {
            return null;
        }
        byte[] b = new byte[len];
        in.readFully(b);
        return b;
    }

    private static CairnException corrupt(String what, String fault, Throwable cause) {
        return new CairnException(CairnException.Reason.CORRUPT_CHECKPOINT, "channel-state file " + what + " " + fault, cause);
    }
}

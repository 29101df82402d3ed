package dev.cairn.kafka.internal;

import dev.cairn.core.CairnException;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.header.internals.RecordHeader;
import org.apache.kafka.common.header.internals.RecordHeaders;

import java.nio.ByteBuffer;

/**
 * The wire format of records on channel topics (documented in docs/WIRE-FORMAT.md; stable). Every
 * record and marker carries its writer's epoch in header {@code cairn.epoch} (4 bytes, big-endian
 * signed int, >= 1). A marker carries header {@code cairn.marker} (8 bytes, big-endian checkpoint id,
 * >= 1) and no key or value. An end-of-input record carries header {@code cairn.end} (1 byte, value 1).
 * Headers outside the {@code cairn.} namespace are ignored; an unknown {@code cairn.} header is an
 * error (a newer writer or a foreign one: its meaning cannot be guessed).
 *
 * <p>Classifying a record costs header lookups, not a parse of the value.
 */
public final class WireFormat {
    public static final String EPOCH = "cairn.epoch";
    public static final String MARKER = "cairn.marker";
    public static final String END = "cairn.end";
    private static final String NAMESPACE = "cairn.";

    /** What a channel record is. */
    public enum Kind { DATA, MARKER, END }

    private WireFormat() {
    }

    public static Headers dataHeaders(int epoch) {
        RecordHeaders h = new RecordHeaders();
        h.add(new RecordHeader(EPOCH, epochBytes(epoch)));
        return h;
    }

    public static Headers markerHeaders(int epoch, long checkpointId) {
        RecordHeaders h = new RecordHeaders();
        h.add(new RecordHeader(EPOCH, epochBytes(epoch)));
        h.add(new RecordHeader(MARKER, ByteBuffer.allocate(Long.BYTES).putLong(checkpointId).array()));
        return h;
    }

    public static Headers endHeaders(int epoch) {
        RecordHeaders h = new RecordHeaders();
        h.add(new RecordHeader(EPOCH, epochBytes(epoch)));
        h.add(new RecordHeader(END, new byte[]{1}));
        return h;
    }

    public static byte[] epochBytes(int epoch) {
        return ByteBuffer.allocate(Integer.BYTES).putInt(epoch).array();
    }

    /**
     * Reads and checks the cairn headers of a channel record.
     *
     * @param where names the record in errors, e.g. {@code topic-0@42}
     * @throws CairnException MALFORMED_INPUT naming the record and the header
     */
    public static Parsed parse(Headers headers, String where) {
        int epoch = -1;
        long marker = 0;
        boolean end = false;
        for (Header h : headers) {
            String key = h.key();
            if (!key.startsWith(NAMESPACE)) {
                continue;
            }
            byte[] v = h.value();
            switch (key) {
                case EPOCH -> {
                    if (v == null || v.length != Integer.BYTES) {
                        throw malformed(where, "header '" + EPOCH + "' has " + length(v) + ", expected 4 (a big-endian epoch)");
                    }
                    epoch = ByteBuffer.wrap(v).getInt();
                    if (epoch < 1) {
                        throw malformed(where, "header '" + EPOCH + "' holds epoch " + epoch + ", expected >= 1");
                    }
                }
                case MARKER -> {
                    if (v == null || v.length != Long.BYTES) {
                        throw malformed(where, "header '" + MARKER + "' has " + length(v) + ", expected 8 (a big-endian checkpoint id)");
                    }
                    marker = ByteBuffer.wrap(v).getLong();
                    if (marker < 1) {
                        throw malformed(where, "header '" + MARKER + "' holds checkpoint id " + marker + ", expected >= 1");
                    }
                }
                case END -> {
                    if (v == null || v.length != 1 || v[0] != 1) {
                        throw malformed(where, "header '" + END + "' must hold the single byte 1");
                    }
                    end = true;
                }
                default -> throw malformed(where, "unknown header '" + key + "' in the cairn namespace (written by a"
                        + " newer cairn or by something else than cairn)");
            }
        }
        if (epoch < 0) {
            throw malformed(where, "header '" + EPOCH + "' is missing: every record on a channel carries its epoch;"
                    + " was it written by something else than cairn?");
        }
        if (marker != 0 && end) {
            throw malformed(where, "carries both '" + MARKER + "' and '" + END + "'");
        }
        return new Parsed(epoch, marker != 0 ? Kind.MARKER : end ? Kind.END : Kind.DATA, marker);
    }

    private static String length(byte[] v) {
        return v == null ? "no value" : v.length + " bytes";
    }

    private static CairnException malformed(String where, String what) {
        return new CairnException(CairnException.Reason.MALFORMED_INPUT, "record " + where + ": " + what);
    }

    /** A classified channel record. */
    public record Parsed(int epoch, Kind kind, long checkpointId) {
    }
}

package dev.cairn.core;

/**
 * One data record handed to {@link Operator#process}. Keys and values are the bytes that travel on
 * the channel; use a {@link Serde} to turn them into objects. Instances may be reused by the
 * runtime after {@code process} returns: copy what you keep.
 *
 * @param from      id of the upstream operator, or the name of the external input for a source
 * @param key       the key bytes, possibly {@code null}
 * @param value     the value bytes, possibly {@code null}
 * @param timestamp the record's timestamp in epoch milliseconds as carried by the channel
 */
public record Record(String from, byte[] key, byte[] value, long timestamp) {
    public Record {
        if (from == null) {
            throw new IllegalArgumentException("record source name must not be null");
        }
    }
}

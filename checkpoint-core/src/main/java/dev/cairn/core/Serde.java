package dev.cairn.core;

/**
 * Turns values into bytes and back, for state and records. Implementations must be
 * deterministic; for keys of keyed state, the byte order of serialized keys is the order of range
 * scans (unsigned lexicographic).
 */
public interface Serde<T> {
    byte[] serialize(T value);

    T deserialize(byte[] bytes);
}

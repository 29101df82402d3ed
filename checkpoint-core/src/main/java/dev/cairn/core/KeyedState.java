package dev.cairn.core;

/**
 * A checkpointed map. Operator thread only. Scans iterate in unsigned byte order of the serialized
 * keys and see the state as it was when the scan started; close every iterator.
 */
public interface KeyedState<K, V> {
    /** The value for {@code key}, or {@code null}. */
    V get(K key);

    void put(K key, V value);

    void delete(K key);

    /** Entries with {@code from <= key < to} (by serialized bytes); {@code null} bounds are open. */
    KeyValueIterator<K, V> range(K from, K to);

    /** Every entry, in key order. */
    default KeyValueIterator<K, V> all() {
        return range(null, null);
    }

    /** Entries whose serialized key starts with {@code prefix}. */
    KeyValueIterator<K, V> prefixScan(byte[] prefix);
}

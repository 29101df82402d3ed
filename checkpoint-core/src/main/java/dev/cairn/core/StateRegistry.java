package dev.cairn.core;

/**
 * Registers an operator's named states. Each name is one state (a column family in the RocksDB
 * store); registering the same name again returns the same state if the kind matches and fails
 * otherwise. Register in {@link Operator#open}; the set of names is part of the checkpoint's
 * state layout, and a restore into a different layout is refused unless mapped explicitly.
 */
public interface StateRegistry {
    /** A map from keys to values, scanned in the byte order of the serialized keys. */
    <K, V> KeyedState<K, V> keyed(String name, Serde<K> keySerde, Serde<V> valueSerde);

    /** A single value, {@code null} until set. */
    <V> ValueState<V> value(String name, Serde<V> serde);
}

package dev.cairn.state.internal;

import dev.cairn.core.KeyValueIterator;
import dev.cairn.core.KeyedState;
import dev.cairn.core.Serde;
import org.rocksdb.ColumnFamilyHandle;

import java.util.Objects;

/** A {@link KeyedState} over one column family. Operator thread only. */
final class RocksKeyedState<K, V> implements KeyedState<K, V> {
    private final RocksDbOperatorStore store;
    private final String name;
    private final ColumnFamilyHandle cf;
    private final Serde<K> keys;
    private final Serde<V> values;

    RocksKeyedState(RocksDbOperatorStore store, String name, ColumnFamilyHandle cf, Serde<K> keys, Serde<V> values) {
        this.store = store;
        this.name = name;
        this.cf = cf;
        this.keys = Objects.requireNonNull(keys, "keySerde");
        this.values = Objects.requireNonNull(values, "valueSerde");
    }

    @Override
    public V get(K key) {
        byte[] v = store.get(name, cf, serializeKey(key));
        return v == null ? null : values.deserialize(v);
    }

    /** Puts {@code value}; a {@code null} value deletes the key. */
    @Override
    public void put(K key, V value) {
        if (value == null) {
            delete(key);
            return;
        }
        store.put(name, cf, serializeKey(key), values.serialize(value));
    }

    @Override
    public void delete(K key) {
        store.delete(name, cf, serializeKey(key));
    }

    @Override
    public KeyValueIterator<K, V> range(K from, K to) {
        return store.iterate(name, cf, from == null ? null : serializeKey(from), to == null ? null : serializeKey(to),
                null, keys, values);
    }

    @Override
    public KeyValueIterator<K, V> prefixScan(byte[] prefix) {
        Objects.requireNonNull(prefix, "prefix");
        return store.iterate(name, cf, prefix, successor(prefix), prefix, keys, values);
    }

    private byte[] serializeKey(K key) {
        Objects.requireNonNull(key, () -> "key of state '" + name + "'");
        return keys.serialize(key);
    }

    /** The smallest key greater than every key starting with {@code prefix}, or null if none exists. */
    static byte[] successor(byte[] prefix) {
        for (int i = prefix.length - 1; i >= 0; i--) {
            if (prefix[i] != (byte) 0xFF) {
                byte[] next = java.util.Arrays.copyOf(prefix, i + 1);
                next[i]++;
                return next;
            }
        }
        return null;
    }
}

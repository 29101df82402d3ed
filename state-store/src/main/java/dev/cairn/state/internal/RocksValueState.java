package dev.cairn.state.internal;

import dev.cairn.core.Serde;
import dev.cairn.core.ValueState;
import org.rocksdb.ColumnFamilyHandle;

import java.util.Objects;

/** A {@link ValueState}: the single key (empty bytes) of its own column family. Operator thread only. */
final class RocksValueState<V> implements ValueState<V> {
    private static final byte[] KEY = new byte[0];

    private final RocksDbOperatorStore store;
    private final String name;
    private final ColumnFamilyHandle cf;
    private final Serde<V> serde;

    RocksValueState(RocksDbOperatorStore store, String name, ColumnFamilyHandle cf, Serde<V> serde) {
        this.store = store;
        this.name = name;
        this.cf = cf;
        this.serde = Objects.requireNonNull(serde, "serde");
    }

    @Override
    public V get() {
        byte[] v = store.get(name, cf, KEY);
        return v == null ? null : serde.deserialize(v);
    }

    /** Sets the value; {@code null} clears it. */
    @Override
    public void set(V value) {
        if (value == null) {
            clear();
            return;
        }
        store.put(name, cf, KEY, serde.serialize(value));
    }

    @Override
    public void clear() {
        store.delete(name, cf, KEY);
    }
}

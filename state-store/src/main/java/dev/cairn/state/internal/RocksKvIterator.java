package dev.cairn.state.internal;

import dev.cairn.core.KeyValue;
import dev.cairn.core.KeyValueIterator;
import dev.cairn.core.Serde;
import org.rocksdb.ReadOptions;
import org.rocksdb.RocksDBException;
import org.rocksdb.RocksIterator;
import org.rocksdb.Slice;

import java.util.Arrays;
import java.util.NoSuchElementException;
import java.util.function.Consumer;

/**
 * An iterator over one column family, bounded above by RocksDB's {@code iterate_upper_bound} and,
 * for prefix scans, checked against the prefix. A RocksDB iterator reads the implicit snapshot
 * taken when it was created, so it sees the state as it was when the scan started. Holds native
 * resources until closed; the store closes the ones left open when it closes.
 */
final class RocksKvIterator<K, V> implements KeyValueIterator<K, V> {
    private final RocksIterator it;
    private final ReadOptions options;
    private final Slice upper;
    private final byte[] prefix;
    private final Serde<K> keys;
    private final Serde<V> values;
    private final Consumer<RocksKvIterator<?, ?>> onClose;
    private final String stateName;
    private boolean closed;

    RocksKvIterator(RocksIterator it, ReadOptions options, Slice upper, byte[] from, byte[] prefix, Serde<K> keys,
                    Serde<V> values, Consumer<RocksKvIterator<?, ?>> onClose, String stateName) {
        this.it = it;
        this.options = options;
        this.upper = upper;
        this.prefix = prefix;
        this.keys = keys;
        this.values = values;
        this.onClose = onClose;
        this.stateName = stateName;
        if (from == null) {
            it.seekToFirst();
        } else {
            it.seek(from);
        }
    }

    @Override
    public boolean hasNext() {
        if (closed) {
            return false;
        }
        if (!it.isValid()) {
            try {
                it.status();
            } catch (RocksDBException e) {
                throw RocksDbOperatorStore.localFailure("scan of state '" + stateName + "'", e);
            }
            return false;
        }
        if (prefix != null) {
            byte[] k = it.key();
            return k.length >= prefix.length && Arrays.equals(k, 0, prefix.length, prefix, 0, prefix.length);
        }
        return true;
    }

    @Override
    public KeyValue<K, V> next() {
        if (!hasNext()) {
            throw new NoSuchElementException(closed ? "iterator of state '" + stateName + "' is closed"
                    : "no more entries in state '" + stateName + "'");
        }
        KeyValue<K, V> kv = new KeyValue<>(keys.deserialize(it.key()), values.deserialize(it.value()));
        it.next();
        return kv;
    }

    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        it.close();
        options.close();
        if (upper != null) {
            upper.close();
        }
        onClose.accept(this);
    }
}

package dev.cairn.core.state;

import dev.cairn.core.CairnException;
import dev.cairn.core.KeyValue;
import dev.cairn.core.KeyValueIterator;
import dev.cairn.core.KeyedState;
import dev.cairn.core.Serde;
import dev.cairn.core.ValueState;
import dev.cairn.core.manifest.FileRef;
import dev.cairn.core.manifest.StateHandle;
import dev.cairn.core.storage.CheckpointFileWriter;
import dev.cairn.core.storage.CheckpointStorage;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.Arrays;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * State held in memory and snapshotted as one private file per checkpoint: for tests, the
 * simulation and small state. The synchronous part copies the maps; the asynchronous part writes
 * the copy.
 */
public final class MemoryStateBackend implements StateBackend {
    public static final String NAME = "memory";
    private static final int MAGIC = 0x43534d31; // "CSM1"

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public OperatorStateStore open(String operatorId, Optional<StateHandle> restoreFrom, CheckpointStorage storage) {
        Store store = new Store(operatorId, storage);
        restoreFrom.ifPresent(store::restore);
        return store;
    }

    private static final byte KIND_KEYED = 1;
    private static final byte KIND_VALUE = 2;

    /** Keys compared as unsigned bytes, the order of range scans. */
    private record Bytes(byte[] b) implements Comparable<Bytes> {
        @Override
        public int compareTo(Bytes o) {
            return Arrays.compareUnsigned(b, o.b);
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Bytes other && Arrays.equals(b, other.b);
        }

        @Override
        public int hashCode() {
            return Arrays.hashCode(b);
        }
    }

    private static final class Named {
        final byte kind;
        final TreeMap<Bytes, byte[]> map;

        Named(byte kind, TreeMap<Bytes, byte[]> map) {
            this.kind = kind;
            this.map = map;
        }
    }

    private static final class Store implements OperatorStateStore {
        private final String operatorId;
        private final CheckpointStorage storage;
        private final Map<String, Named> states = new LinkedHashMap<>();
        private final Map<String, Object> views = new LinkedHashMap<>();
        private boolean closed;

        Store(String operatorId, CheckpointStorage storage) {
            this.operatorId = operatorId;
            this.storage = storage;
        }

        private Named named(String name, byte kind) {
            if (name == null || name.isEmpty() || name.contains(",")) {
                throw new IllegalArgumentException("state name must be non-empty and contain no ',': '" + name + "'");
            }
            Named n = states.computeIfAbsent(name, k -> new Named(kind, new TreeMap<>()));
            if (n.kind != kind) {
                throw new IllegalArgumentException("state '" + name + "' of operator '" + operatorId
                        + "' is registered as " + (n.kind == KIND_KEYED ? "keyed" : "value") + " state");
            }
            return n;
        }

        @Override
        @SuppressWarnings("unchecked")
        public <K, V> KeyedState<K, V> keyed(String name, Serde<K> keySerde, Serde<V> valueSerde) {
            Named n = named(name, KIND_KEYED);
            return (KeyedState<K, V>) views.computeIfAbsent(name, k -> new Keyed<>(n.map, keySerde, valueSerde));
        }

        @Override
        @SuppressWarnings("unchecked")
        public <V> ValueState<V> value(String name, Serde<V> serde) {
            Named n = named(name, KIND_VALUE);
            return (ValueState<V>) views.computeIfAbsent(name, k -> new Value<>(n.map, serde));
        }

        @Override
        public Set<String> stateNames() {
            return new TreeSet<>(states.keySet());
        }

        @Override
        public StateSnapshot snapshot(long checkpointId) {
            Map<String, Named> copy = new LinkedHashMap<>();
            for (Map.Entry<String, Named> e : states.entrySet()) {
                copy.put(e.getKey(), new Named(e.getValue().kind, new TreeMap<>(e.getValue().map)));
            }
            return new StateSnapshot() {
                @Override
                public StateHandle persist() {
                    CheckpointFileWriter w = storage.createPrivateFile(checkpointId, operatorId, "state.mem");
                    try {
                        DataOutputStream out = new DataOutputStream(new BufferedOutputStream(w));
                        out.writeInt(MAGIC);
                        out.writeInt(copy.size());
                        for (Map.Entry<String, Named> e : copy.entrySet()) {
                            out.writeUTF(e.getKey());
                            out.writeByte(e.getValue().kind);
                            out.writeInt(e.getValue().map.size());
                            for (Map.Entry<Bytes, byte[]> kv : e.getValue().map.entrySet()) {
                                out.writeInt(kv.getKey().b.length);
                                out.write(kv.getKey().b);
                                out.writeInt(kv.getValue().length);
                                out.write(kv.getValue());
                            }
                        }
                        out.flush();
                        FileRef ref = w.finish();
                        return new StateHandle(NAME, List.of(ref),
                                Map.of(StateHandle.LAYOUT_KEY, String.join(",", new TreeSet<>(copy.keySet()))));
                    } catch (IOException e) {
                        w.abort();
                        throw new CairnException(CairnException.Reason.STORAGE, "operator '" + operatorId
                                + "': cannot write the state of checkpoint " + checkpointId + ": " + e.getMessage(), e);
                    } catch (RuntimeException e) {
                        w.abort();
                        throw e;
                    }
                }

                @Override
                public void discard() {
                    copy.clear();
                }
            };
        }

        void restore(StateHandle handle) {
            if (!NAME.equals(handle.backend())) {
                throw new CairnException(CairnException.Reason.INCOMPATIBLE_RESTORE, "operator '" + operatorId
                        + "': state was written by backend '" + handle.backend() + "', not '" + NAME + "'");
            }
            for (FileRef f : handle.files()) {
                storage.verifyFile(f, true);
                try (InputStream raw = storage.openFile(f);
                     DataInputStream in = new DataInputStream(new BufferedInputStream(raw))) {
                    if (in.readInt() != MAGIC) {
                        throw new CairnException(CairnException.Reason.CORRUPT_CHECKPOINT, "operator '" + operatorId
                                + "': " + f.path() + " is not a memory state snapshot");
                    }
                    int count = in.readInt();
                    for (int i = 0; i < count; i++) {
                        String name = in.readUTF();
                        byte kind = in.readByte();
                        int entries = in.readInt();
                        TreeMap<Bytes, byte[]> map = new TreeMap<>();
                        for (int j = 0; j < entries; j++) {
                            byte[] k = new byte[in.readInt()];
                            in.readFully(k);
                            byte[] v = new byte[in.readInt()];
                            in.readFully(v);
                            map.put(new Bytes(k), v);
                        }
                        states.put(name, new Named(kind, map));
                    }
                } catch (IOException e) {
                    throw new CairnException(CairnException.Reason.CORRUPT_CHECKPOINT, "operator '" + operatorId
                            + "': cannot read state file " + f.path() + ": " + e.getMessage(), e);
                }
            }
        }

        @Override
        public void close() {
            if (!closed) {
                closed = true;
                states.clear();
                views.clear();
            }
        }
    }

    private static final class Keyed<K, V> implements KeyedState<K, V> {
        private final TreeMap<Bytes, byte[]> map;
        private final Serde<K> keys;
        private final Serde<V> values;

        Keyed(TreeMap<Bytes, byte[]> map, Serde<K> keys, Serde<V> values) {
            this.map = map;
            this.keys = keys;
            this.values = values;
        }

        @Override
        public V get(K key) {
            byte[] v = map.get(new Bytes(keys.serialize(key)));
            return v == null ? null : values.deserialize(v);
        }

        @Override
        public void put(K key, V value) {
            map.put(new Bytes(keys.serialize(key)), values.serialize(value));
        }

        @Override
        public void delete(K key) {
            map.remove(new Bytes(keys.serialize(key)));
        }

        @Override
        public KeyValueIterator<K, V> range(K from, K to) {
            NavigableMap<Bytes, byte[]> view = map;
            if (from != null) {
                view = view.tailMap(new Bytes(keys.serialize(from)), true);
            }
            if (to != null) {
                view = view.headMap(new Bytes(keys.serialize(to)), false);
            }
            return iterate(new TreeMap<>(view));
        }

        @Override
        public KeyValueIterator<K, V> prefixScan(byte[] prefix) {
            TreeMap<Bytes, byte[]> result = new TreeMap<>();
            for (Map.Entry<Bytes, byte[]> e : map.tailMap(new Bytes(prefix), true).entrySet()) {
                byte[] k = e.getKey().b;
                if (k.length < prefix.length || Arrays.compare(k, 0, prefix.length, prefix, 0, prefix.length) != 0) {
                    break;
                }
                result.put(e.getKey(), e.getValue());
            }
            return iterate(result);
        }

        private KeyValueIterator<K, V> iterate(TreeMap<Bytes, byte[]> snapshot) {
            Iterator<Map.Entry<Bytes, byte[]>> it = snapshot.entrySet().iterator();
            return new KeyValueIterator<>() {
                @Override
                public boolean hasNext() {
                    return it.hasNext();
                }

                @Override
                public KeyValue<K, V> next() {
                    Map.Entry<Bytes, byte[]> e = it.next();
                    return new KeyValue<>(keys.deserialize(e.getKey().b), values.deserialize(e.getValue()));
                }

                @Override
                public void close() {
                }
            };
        }
    }

    private static final class Value<V> implements ValueState<V> {
        private static final Bytes KEY = new Bytes(new byte[0]);
        private final TreeMap<Bytes, byte[]> map;
        private final Serde<V> serde;

        Value(TreeMap<Bytes, byte[]> map, Serde<V> serde) {
            this.map = map;
            this.serde = serde;
        }

        @Override
        public V get() {
            byte[] v = map.get(KEY);
            return v == null ? null : serde.deserialize(v);
        }

        @Override
        public void set(V value) {
            map.put(KEY, serde.serialize(value));
        }

        @Override
        public void clear() {
            map.remove(KEY);
        }
    }
}

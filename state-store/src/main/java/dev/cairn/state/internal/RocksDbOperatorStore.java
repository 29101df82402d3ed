package dev.cairn.state.internal;

import dev.cairn.core.CairnException;
import dev.cairn.core.CairnException.Reason;
import dev.cairn.core.KeyValueIterator;
import dev.cairn.core.KeyedState;
import dev.cairn.core.Serde;
import dev.cairn.core.ValueState;
import dev.cairn.core.manifest.StateHandle;
import dev.cairn.core.state.OperatorStateStore;
import dev.cairn.core.state.StateSnapshot;
import dev.cairn.core.storage.CheckpointStorage;
import dev.cairn.state.RocksDbStateBackend;
import org.rocksdb.ColumnFamilyDescriptor;
import org.rocksdb.ColumnFamilyHandle;
import org.rocksdb.CompactRangeOptions;
import org.rocksdb.LiveFileMetaData;
import org.rocksdb.LogFile;
import org.rocksdb.WalFileType;
import org.rocksdb.MutableColumnFamilyOptions;
import org.rocksdb.ReadOptions;
import org.rocksdb.RocksDB;
import org.rocksdb.RocksDBException;
import org.rocksdb.Slice;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.UUID;
import java.util.stream.Stream;

/**
 * The state of one operator in one RocksDB database, in a working directory of its own:
 *
 * <pre>
 *   &lt;local root&gt;/&lt;operator&gt;-&lt;unique&gt;/
 *     db/                  the database: column family "default" holds the kind of each state,
 *                          column family "state:&lt;name&gt;" holds state &lt;name&gt;
 *     snapshots/chk-&lt;id&gt;/  hard links taken by the synchronous part, removed after persist/discard
 * </pre>
 *
 * Operator thread only, except {@link RocksDbSnapshot#persist()}, which touches only its snapshot
 * directory and checkpoint storage, never the database. Internal: users see {@link
 * dev.cairn.core.StateRegistry}; tests and benchmarks use the few extra methods here.
 */
public final class RocksDbOperatorStore implements OperatorStateStore {
    static final String CF_PREFIX = "state:";
    static final String KIND_KEYED = "keyed";
    static final String KIND_VALUE = "value";
    private static final byte[] KIND_KEY_PREFIX = "kind:".getBytes(StandardCharsets.UTF_8);

    private final RocksDbSettings settings;
    private final String operatorId;
    private final CheckpointStorage storage;
    private final Path workDir;
    private final Path dbDir;
    private final Path snapshotsDir;
    private final SharedFileRegistry shared = new SharedFileRegistry();
    private RocksDbResources resources;
    private RocksDB db;
    private ColumnFamilyHandle defaultCf;
    /** Registered or restored states by name, sorted (the layout). */
    private final Map<String, Registered> states = new TreeMap<>();
    private final Map<String, Object> views = new HashMap<>();
    private final Set<RocksKvIterator<?, ?>> openIterators = Collections.newSetFromMap(new IdentityHashMap<>());
    private final Set<RocksDbSnapshot> liveSnapshots = Collections.synchronizedSet(
            Collections.newSetFromMap(new IdentityHashMap<>()));
    private volatile boolean closed;
    private long lastSyncNanos;

    private record Registered(String kind, ColumnFamilyHandle cf) {
    }

    private RocksDbOperatorStore(RocksDbSettings settings, String operatorId, CheckpointStorage storage, Path workDir) {
        this.settings = settings;
        this.operatorId = operatorId;
        this.storage = storage;
        this.workDir = workDir;
        this.dbDir = workDir.resolve("db");
        this.snapshotsDir = workDir.resolve("snapshots");
    }

    /** Opens a new store in a new working directory, restored from {@code restoreFrom} if present. */
    public static RocksDbOperatorStore open(RocksDbSettings settings, String operatorId, Optional<StateHandle> restoreFrom,
                                            CheckpointStorage storage) {
        restoreFrom.ifPresent(h -> checkBackend(operatorId, h));
        Path workDir = settings.localRoot().resolve(safeDirName(operatorId) + "-" + UUID.randomUUID());
        RocksDbOperatorStore store = new RocksDbOperatorStore(settings, operatorId, storage, workDir);
        try {
            Files.createDirectories(store.snapshotsDir);
            Files.createDirectories(store.dbDir);
            if (restoreFrom.isPresent()) {
                store.shared.restored(Restorer.download(operatorId, restoreFrom.get(), storage, store.dbDir));
            }
            store.openDatabase(restoreFrom.isPresent());
            return store;
        } catch (IOException e) {
            CairnException error = new CairnException(Reason.STORAGE, "operator '" + operatorId
                    + "': cannot create the local state directory " + workDir + ": " + e, e);
            store.closeAfterFailedOpen(error);
            throw error;
        } catch (RuntimeException | Error e) {
            store.closeAfterFailedOpen(e);
            throw e;
        }
    }

    private static void checkBackend(String operatorId, StateHandle h) {
        if (!RocksDbStateBackend.NAME.equals(h.backend())) {
            throw new CairnException(Reason.INCOMPATIBLE_RESTORE, "operator '" + operatorId
                    + "': state was written by backend '" + h.backend() + "', not '" + RocksDbStateBackend.NAME + "'");
        }
    }

    private void openDatabase(boolean restored) {
        resources = new RocksDbResources(settings);
        try {
            List<byte[]> cfNames = restored
                    ? RocksDB.listColumnFamilies(resources.listOptions, dbDir.toString())
                    : List.of(RocksDB.DEFAULT_COLUMN_FAMILY);
            List<ColumnFamilyDescriptor> descriptors = new ArrayList<>();
            for (byte[] n : cfNames) {
                descriptors.add(new ColumnFamilyDescriptor(n, resources.cfOptions));
            }
            List<ColumnFamilyHandle> handles = new ArrayList<>();
            db = RocksDB.open(resources.dbOptions, dbDir.toString(), descriptors, handles);
            Map<String, ColumnFamilyHandle> byName = new HashMap<>();
            for (int i = 0; i < cfNames.size(); i++) {
                String n = new String(cfNames.get(i), StandardCharsets.UTF_8);
                if (n.equals(new String(RocksDB.DEFAULT_COLUMN_FAMILY, StandardCharsets.UTF_8))) {
                    defaultCf = handles.get(i);
                } else {
                    byName.put(n, handles.get(i));
                }
            }
            for (Map.Entry<String, ColumnFamilyHandle> e : byName.entrySet()) {
                if (!e.getKey().startsWith(CF_PREFIX)) {
                    throw new CairnException(Reason.CORRUPT_CHECKPOINT, "operator '" + operatorId
                            + "': restored state holds an unknown column family '" + e.getKey() + "'");
                }
                String name = e.getKey().substring(CF_PREFIX.length());
                byte[] kind = db.get(defaultCf, kindKey(name));
                if (kind == null) {
                    throw new CairnException(Reason.CORRUPT_CHECKPOINT, "operator '" + operatorId
                            + "': restored state '" + name + "' has no recorded kind");
                }
                states.put(name, new Registered(new String(kind, StandardCharsets.UTF_8), e.getValue()));
            }
        } catch (RocksDBException e) {
            if (restored) {
                throw new CairnException(Reason.CORRUPT_CHECKPOINT, "operator '" + operatorId
                        + "': cannot open the restored state in " + dbDir + ": " + e.getMessage(), e);
            }
            throw new CairnException(Reason.STORAGE, "operator '" + operatorId + "': cannot open RocksDB in " + dbDir
                    + ": " + e.getMessage(), e);
        }
    }

    private static byte[] kindKey(String name) {
        byte[] n = name.getBytes(StandardCharsets.UTF_8);
        byte[] k = new byte[KIND_KEY_PREFIX.length + n.length];
        System.arraycopy(KIND_KEY_PREFIX, 0, k, 0, KIND_KEY_PREFIX.length);
        System.arraycopy(n, 0, k, KIND_KEY_PREFIX.length, n.length);
        return k;
    }

    static String safeDirName(String operatorId) {
        StringBuilder sb = new StringBuilder();
        for (char c : operatorId.toCharArray()) {
            sb.append(Character.isLetterOrDigit(c) || c == '-' || c == '_' || c == '.' ? c : '_');
            if (sb.length() >= 60) {
                break;
            }
        }
        return sb.toString();
    }

    // ------------------------------------------------------------------------------ registration

    private ColumnFamilyHandle register(String name, String kind) {
        ensureOpen();
        if (name == null || name.isEmpty() || name.contains(",")) {
            throw new IllegalArgumentException("state name must be non-empty and contain no ',': '" + name + "'");
        }
        Registered r = states.get(name);
        if (r != null) {
            if (!r.kind.equals(kind)) {
                throw new IllegalArgumentException("state '" + name + "' of operator '" + operatorId
                        + "' is registered as " + r.kind + " state, not " + kind + " state");
            }
            return r.cf;
        }
        try {
            ColumnFamilyHandle cf = db.createColumnFamily(new ColumnFamilyDescriptor(
                    (CF_PREFIX + name).getBytes(StandardCharsets.UTF_8), resources.cfOptions));
            db.put(defaultCf, resources.writeOptions, kindKey(name), kind.getBytes(StandardCharsets.UTF_8));
            states.put(name, new Registered(kind, cf));
            return cf;
        } catch (RocksDBException e) {
            throw localFailure("registering state '" + name + "'", e);
        }
    }

    @Override
    @SuppressWarnings("unchecked")
    public <K, V> KeyedState<K, V> keyed(String name, Serde<K> keySerde, Serde<V> valueSerde) {
        ColumnFamilyHandle cf = register(name, KIND_KEYED);
        return (KeyedState<K, V>) views.computeIfAbsent(name,
                n -> new RocksKeyedState<>(this, name, cf, keySerde, valueSerde));
    }

    @Override
    @SuppressWarnings("unchecked")
    public <V> ValueState<V> value(String name, Serde<V> serde) {
        ColumnFamilyHandle cf = register(name, KIND_VALUE);
        return (ValueState<V>) views.computeIfAbsent(name, n -> new RocksValueState<>(this, name, cf, serde));
    }

    @Override
    public Set<String> stateNames() {
        return new TreeSet<>(states.keySet());
    }

    // ------------------------------------------------------------------------------ data access

    byte[] get(String state, ColumnFamilyHandle cf, byte[] key) {
        ensureOpen();
        try {
            return db.get(cf, resources.readOptions, key);
        } catch (RocksDBException e) {
            throw localFailure("get from state '" + state + "'", e);
        }
    }

    void put(String state, ColumnFamilyHandle cf, byte[] key, byte[] value) {
        ensureOpen();
        try {
            db.put(cf, resources.writeOptions, key, value);
        } catch (RocksDBException e) {
            throw localFailure("put into state '" + state + "'", e);
        }
    }

    void delete(String state, ColumnFamilyHandle cf, byte[] key) {
        ensureOpen();
        try {
            db.delete(cf, resources.writeOptions, key);
        } catch (RocksDBException e) {
            throw localFailure("delete from state '" + state + "'", e);
        }
    }

    <K, V> KeyValueIterator<K, V> iterate(String state, ColumnFamilyHandle cf, byte[] from, byte[] to, byte[] prefix,
                                          Serde<K> keys, Serde<V> values) {
        ensureOpen();
        ReadOptions ro = new ReadOptions();
        Slice upper = null;
        if (to != null) {
            upper = new Slice(to);
            ro.setIterateUpperBound(upper);
        }
        RocksKvIterator<K, V> it = new RocksKvIterator<>(db.newIterator(cf, ro), ro, upper, from, prefix, keys, values,
                openIterators::remove, state);
        openIterators.add(it);
        return it;
    }

    static CairnException localFailure(String what, RocksDBException e) {
        return new CairnException(Reason.STORAGE, "RocksDB " + what + " failed: " + e.getMessage(), e);
    }

    // ------------------------------------------------------------------------------ snapshots

    /**
     * {@inheritDoc}
     *
     * <p>Flushes every memtable (the write-ahead log is off, so the memtables are in no file), then,
     * with file deletions held off for a moment, lists the live files and hard-links them into
     * {@code snapshots/chk-<id>-<unique>}: what RocksDB's own checkpoint does, minus its fsyncs,
     * which buy nothing here (the local copy only has to outlive the upload, not a crash). The
     * MANIFEST and the log are append-only: the link is taken now, and the upload reads only the
     * length they had now. The pause is the flush of what was written since the last flush (bounded
     * by the write buffer size) plus one link per live file.
     */
    @Override
    public StateSnapshot snapshot(long checkpointId) {
        ensureOpen();
        long start = System.nanoTime();
        Path dir = snapshotsDir.resolve("chk-" + checkpointId + "-" + UUID.randomUUID().toString().substring(0, 8));
        Map<String, Long> lengths = new HashMap<>();
        try {
            db.flush(resources.flushOptions, allHandles());
            db.disableFileDeletions();
            try {
                RocksDB.LiveFiles live = db.getLiveFiles(false);
                List<LogFile> logs = db.getSortedWalFiles();
                Files.createDirectory(dir);
                String manifest = null;
                for (String f : live.files) {
                    String name = f.substring(f.lastIndexOf('/') + 1);
                    if (name.equals("CURRENT")) {
                        continue; // written below, naming the MANIFEST listed here
                    }
                    if (name.startsWith("MANIFEST-")) {
                        manifest = name;
                        lengths.put(name, live.manifestFileSize);
                    }
                    Files.createLink(dir.resolve(name), dbDir.resolve(name));
                }
                for (LogFile log : logs) {
                    if (log.type() == WalFileType.kAliveLogFile) {
                        String name = log.pathName().substring(log.pathName().lastIndexOf('/') + 1);
                        Files.createLink(dir.resolve(name), dbDir.resolve(name));
                        lengths.put(name, log.sizeFileBytes());
                    }
                }
                if (manifest == null) {
                    throw new IOException("RocksDB listed no MANIFEST among its live files " + live.files);
                }
                Files.writeString(dir.resolve("CURRENT"), manifest + "\n", StandardCharsets.UTF_8);
            } finally {
                db.enableFileDeletions();
            }
        } catch (RocksDBException | IOException e) {
            RocksDbSnapshot.deleteTree(dir);
            throw new CairnException(Reason.STORAGE, "operator '" + operatorId + "': cannot take the local snapshot of"
                    + " checkpoint " + checkpointId + " in " + dir + ": " + e, e);
        }
        RocksDbSnapshot s = new RocksDbSnapshot(this, checkpointId, dir, HandleMetadata.layout(states.keySet()), lengths);
        liveSnapshots.add(s);
        lastSyncNanos = System.nanoTime() - start;
        return s;
    }

    @Override
    public void checkpointsCompleted(long upTo) {
        shared.completed(upTo);
    }

    @Override
    public void checkpointAborted(long checkpointId) {
        shared.aborted(checkpointId);
    }

    String operatorId() {
        return operatorId;
    }

    CheckpointStorage storage() {
        return storage;
    }

    SharedFileRegistry shared() {
        return shared;
    }

    /** A snapshot finished (persisted or discarded): if the store closed meanwhile, the last one cleans up. */
    void snapshotDone(RocksDbSnapshot s) {
        liveSnapshots.remove(s);
        if (closed && liveSnapshots.isEmpty()) {
            RocksDbSnapshot.deleteTree(workDir);
        }
    }

    // ------------------------------------------------------------------------------ for tests and benchmarks

    /** The working directory of this store (deleted at close). */
    public Path workDirectory() {
        return workDir;
    }

    /** How long the synchronous part of the last snapshot took, in nanoseconds. */
    public long lastSyncNanos() {
        return lastSyncNanos;
    }

    /** Compacts every state into its bottom level (tests of incremental checkpoints, benchmarks). */
    public void compactFully() {
        ensureOpen();
        try (CompactRangeOptions o = new CompactRangeOptions()
                .setBottommostLevelCompaction(CompactRangeOptions.BottommostLevelCompaction.kForce)) {
            db.flush(resources.flushOptions, allHandles());
            for (ColumnFamilyHandle cf : allHandles()) {
                db.compactRange(cf, null, null, o);
            }
        } catch (RocksDBException e) {
            throw localFailure("full compaction", e);
        }
    }

    /** Turns automatic compaction on or off for every state, present and future (tests). */
    public void setAutoCompaction(boolean on) {
        ensureOpen();
        try {
            for (ColumnFamilyHandle cf : allHandles()) {
                db.setOptions(cf, MutableColumnFamilyOptions.builder().setDisableAutoCompactions(!on).build());
            }
            resources.cfOptions.setDisableAutoCompactions(!on);
        } catch (RocksDBException e) {
            throw localFailure("setting auto compaction", e);
        }
    }

    /** How many local SST files a completed (or the restored) checkpoint already holds in storage. */
    public int reusableFileCount() {
        return shared.confirmedCount();
    }

    /** A RocksDB property summed over all states, e.g. {@code rocksdb.total-sst-files-size}. */
    public long longProperty(String property) {
        ensureOpen();
        long sum = 0;
        try {
            for (ColumnFamilyHandle cf : allHandles()) {
                sum += db.getLongProperty(cf, property);
            }
        } catch (RocksDBException e) {
            throw localFailure("reading property " + property, e);
        }
        return sum;
    }

    /** The level of each live SST file, by local name (benchmarks: flush output is level 0). */
    public Map<String, Integer> liveSstLevels() {
        ensureOpen();
        Map<String, Integer> levels = new HashMap<>();
        for (LiveFileMetaData f : db.getLiveFilesMetaData()) {
            String name = f.fileName();
            levels.put(name.substring(name.lastIndexOf('/') + 1), f.level());
        }
        return levels;
    }

    private List<ColumnFamilyHandle> allHandles() {
        List<ColumnFamilyHandle> all = new ArrayList<>();
        all.add(defaultCf);
        for (Registered r : states.values()) {
            all.add(r.cf);
        }
        return all;
    }

    // ------------------------------------------------------------------------------ lifecycle

    private void ensureOpen() {
        if (closed) {
            throw new IllegalStateException("state store of operator '" + operatorId + "' is closed");
        }
    }

    /**
     * Closes open iterators, discards snapshots whose upload has not started, closes the database
     * and deletes the working directory. A snapshot being persisted right now keeps its directory
     * until it finishes. A second call does nothing.
     */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        RuntimeException failure = null;
        for (RocksKvIterator<?, ?> it : new ArrayList<>(openIterators)) {
            try {
                it.close();
            } catch (RuntimeException e) {
                failure = addTo(failure, e);
            }
        }
        openIterators.clear();
        views.clear();
        List<RocksDbSnapshot> snaps;
        synchronized (liveSnapshots) {
            snaps = new ArrayList<>(liveSnapshots);
        }
        for (RocksDbSnapshot s : snaps) {
            s.discard();
        }
        try {
            closeDatabase();
        } catch (RuntimeException e) {
            failure = addTo(failure, e);
        }
        RocksDbSnapshot.deleteTree(dbDir);
        if (liveSnapshots.isEmpty()) {
            RocksDbSnapshot.deleteTree(workDir);
        }
        if (failure != null) {
            throw failure;
        }
    }

    private void closeDatabase() {
        for (Registered r : states.values()) {
            r.cf.close();
        }
        states.clear();
        if (defaultCf != null) {
            defaultCf.close();
            defaultCf = null;
        }
        if (db != null) {
            db.close();
            db = null;
        }
        if (resources != null) {
            resources.close();
            resources = null;
        }
    }

    private void closeAfterFailedOpen(Throwable cause) {
        closed = true;
        try {
            closeDatabase();
        } catch (RuntimeException e) {
            cause.addSuppressed(e);
        }
        RocksDbSnapshot.deleteTree(workDir);
    }

    private static RuntimeException addTo(RuntimeException first, RuntimeException next) {
        if (first == null) {
            return next;
        }
        first.addSuppressed(next);
        return first;
    }

    /** Lists a directory's regular files by name. */
    static List<String> fileNames(Path dir) throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return s.filter(Files::isRegularFile).map(p -> p.getFileName().toString()).sorted().toList();
        } catch (NoSuchFileException e) {
            throw new NoSuchFileException(dir + " (the local snapshot directory was removed)");
        }
    }

    @Override
    public String toString() {
        return "RocksDbOperatorStore[" + operatorId + " in " + workDir + "]";
    }
}

package dev.cairn.state;

import dev.cairn.core.CairnException;
import dev.cairn.core.manifest.StateHandle;
import dev.cairn.core.state.OperatorStateStore;
import dev.cairn.core.state.StateBackend;
import dev.cairn.core.storage.CheckpointStorage;
import dev.cairn.state.internal.RocksDbOperatorStore;
import dev.cairn.state.internal.RocksDbSettings;

import java.nio.file.Path;
import java.util.Objects;
import java.util.Optional;

/**
 * Operator state in RocksDB: one database per operator (or chain), one column family per
 * registered state name, incremental snapshots into {@link CheckpointStorage}.
 *
 * <p>A snapshot has two parts. The synchronous part, on the operator thread between two records,
 * flushes the memtables and hard-links the database's files into a local snapshot directory: its
 * cost is bounded by {@link Builder#writeBufferSize}, not by the size of the state. The asynchronous
 * part ({@link dev.cairn.core.state.StateSnapshot#persist()}) uploads SST files that no completed
 * checkpoint holds yet into the job's {@code shared/<operator>/} area, and the small remaining files
 * (MANIFEST, CURRENT, OPTIONS) as private files of the checkpoint. A restore downloads every file of
 * the handle into a new local directory, verifying size and CRC32C, and opens it there; the old
 * local directory is never needed.
 *
 * <p>Immutable and thread-safe; one instance serves any number of operators.
 */
public final class RocksDbStateBackend implements StateBackend {
    /** The backend name written into state handles. */
    public static final String NAME = "rocksdb";

    /** Default write buffer (memtable) size per state: keeps the flush at a marker to a few ms. */
    public static final long DEFAULT_WRITE_BUFFER_SIZE = 4L << 20;
    /** Default block cache size, shared by every state of one operator. */
    public static final long DEFAULT_BLOCK_CACHE_SIZE = 64L << 20;

    /** Compression of SST files (what is stored locally and uploaded). */
    public enum Compression {
        /** No compression: the least CPU, the most bytes uploaded. */
        NONE,
        /** LZ4: fast, a moderate ratio; the default. */
        LZ4,
        /** ZSTD: the best ratio, more CPU in flushes and compactions. */
        ZSTD
    }

    private final RocksDbSettings settings;

    private RocksDbStateBackend(RocksDbSettings settings) {
        this.settings = settings;
    }

    /** A backend with the defaults: local directory under {@code java.io.tmpdir}, 4 MB write buffer, 64 MB cache, LZ4. */
    public static RocksDbStateBackend create() {
        return builder().build();
    }

    public static Builder builder() {
        return new Builder();
    }

    @Override
    public String name() {
        return NAME;
    }

    /**
     * {@inheritDoc}
     *
     * <p>The database lives in a new directory under the local root, unique to this call, and is
     * deleted by {@link OperatorStateStore#close()}.
     *
     * @throws CairnException CORRUPT_CHECKPOINT (a {@link dev.cairn.core.CorruptCheckpointException}
     *                        naming the file) if a file of {@code restoreFrom} is missing or damaged;
     *                        INCOMPATIBLE_RESTORE if the handle was written by another backend;
     *                        STORAGE if the local directory or the database cannot be created
     */
    @Override
    public OperatorStateStore open(String operatorId, Optional<StateHandle> restoreFrom, CheckpointStorage storage) {
        Objects.requireNonNull(operatorId, "operatorId");
        Objects.requireNonNull(restoreFrom, "restoreFrom");
        Objects.requireNonNull(storage, "storage");
        return RocksDbOperatorStore.open(settings, operatorId, restoreFrom, storage);
    }

    /** The local directory root under which each opened store makes its own directory. */
    public Path localDirectory() {
        return settings.localRoot();
    }

    @Override
    public String toString() {
        return "RocksDbStateBackend" + settings;
    }

    /** Settings of a {@link RocksDbStateBackend}; each setter rejects a bad value at once. */
    public static final class Builder {
        private Path localDirectory = Path.of(System.getProperty("java.io.tmpdir"), "cairn-rocksdb");
        private long writeBufferSize = DEFAULT_WRITE_BUFFER_SIZE;
        private long blockCacheSize = DEFAULT_BLOCK_CACHE_SIZE;
        private Compression compression = Compression.LZ4;

        private Builder() {
        }

        /**
         * Root of the local working directories (default {@code <java.io.tmpdir>/cairn-rocksdb}).
         * Each store creates a unique directory below it and deletes it at close. Use a local disk:
         * hard links from the database into snapshot directories need one file system.
         */
        public Builder localDirectory(Path root) {
            this.localDirectory = Objects.requireNonNull(root, "localDirectory");
            return this;
        }

        /**
         * Memtable size per state (column family), 64 KB to 1 GB, default 4 MB. The synchronous part
         * of a snapshot flushes what the memtables hold, so this bounds the pause at a marker
         * (roughly 1-3 ms per MB here); a larger buffer means fewer, larger L0 files and less
         * compaction, a smaller one a shorter worst-case pause.
         */
        public Builder writeBufferSize(long bytes) {
            if (bytes < (64L << 10) || bytes > (1L << 30)) {
                throw new CairnException(CairnException.Reason.CONFIGURATION,
                        "writeBufferSize must be between 64 KB and 1 GB, was " + bytes);
            }
            this.writeBufferSize = bytes;
            return this;
        }

        /**
         * LRU block cache shared by the states of one store, 0 (none) to 64 GB, default 64 MB. It
         * holds data, index and filter blocks; reads that miss it go to the OS page cache.
         */
        public Builder blockCacheSize(long bytes) {
            if (bytes < 0 || bytes > (64L << 30)) {
                throw new CairnException(CairnException.Reason.CONFIGURATION,
                        "blockCacheSize must be between 0 and 64 GB, was " + bytes);
            }
            this.blockCacheSize = bytes;
            return this;
        }

        /** Compression of SST files, default {@link Compression#LZ4}. */
        public Builder compression(Compression compression) {
            this.compression = Objects.requireNonNull(compression, "compression");
            return this;
        }

        public RocksDbStateBackend build() {
            return new RocksDbStateBackend(new RocksDbSettings(localDirectory.toAbsolutePath().normalize(),
                    writeBufferSize, blockCacheSize, compression));
        }
    }
}

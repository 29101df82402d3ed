package dev.cairn.state.internal;

import dev.cairn.state.RocksDbStateBackend.Compression;
import org.rocksdb.BlockBasedTableConfig;
import org.rocksdb.BloomFilter;
import org.rocksdb.BuiltinComparator;
import org.rocksdb.Cache;
import org.rocksdb.ColumnFamilyOptions;
import org.rocksdb.CompactionStyle;
import org.rocksdb.CompressionType;
import org.rocksdb.DBOptions;
import org.rocksdb.FlushOptions;
import org.rocksdb.InfoLogLevel;
import org.rocksdb.LRUCache;
import org.rocksdb.Options;
import org.rocksdb.ReadOptions;
import org.rocksdb.RocksDB;
import org.rocksdb.RocksObject;
import org.rocksdb.WriteOptions;

import java.util.ArrayList;
import java.util.List;

/**
 * The native option objects of one store, built from {@link RocksDbSettings}, and closed with it.
 * Every choice below is made for a state store whose durability is the checkpoint, not the local
 * database: the local directory is thrown away at every restart and rebuilt from checkpoint
 * storage.
 */
final class RocksDbResources implements AutoCloseable {
    static {
        RocksDB.loadLibrary();
    }

    /** Target size of SST files: small enough that an incremental checkpoint re-uploads little. */
    static final long TARGET_FILE_SIZE = 8L << 20;

    final DBOptions dbOptions;
    final ColumnFamilyOptions cfOptions;
    /** For {@link RocksDB#listColumnFamilies}, which takes the combined form. */
    final Options listOptions;
    final WriteOptions writeOptions;
    final ReadOptions readOptions;
    final FlushOptions flushOptions;
    private final Cache cache;
    private final BloomFilter filter;
    private final List<RocksObject> all = new ArrayList<>();

    RocksDbResources(RocksDbSettings s) {
        dbOptions = track(new DBOptions())
                .setCreateIfMissing(true)
                .setCreateMissingColumnFamilies(true)
                // The local database is never reopened after a crash (a restart restores from a
                // checkpoint into a new directory), so skipping the flush at close loses nothing.
                .setAvoidFlushDuringShutdown(true)
                // Two cores per machine is our planning size: one flush and one compaction at a time.
                .setMaxBackgroundJobs(2)
                .setInfoLogLevel(InfoLogLevel.WARN_LEVEL)
                .setKeepLogFileNum(2);
        cache = s.blockCacheSize() > 0 ? track(new LRUCache(s.blockCacheSize())) : null;
        filter = track(new BloomFilter(10));
        BlockBasedTableConfig table = new BlockBasedTableConfig()
                // Point lookups (get) dominate per-record work: a bloom filter skips SSTs without the key.
                .setFilterPolicy(filter)
                // Index and filter blocks count against the cache, so its size bounds the memory.
                .setCacheIndexAndFilterBlocks(true)
                .setPinL0FilterAndIndexBlocksInCache(true)
                .setBlockSize(16 << 10);
        if (cache != null) {
            table.setBlockCache(cache);
        } else {
            table.setNoBlockCache(true);
        }
        cfOptions = track(new ColumnFamilyOptions())
                // Unsigned byte-wise order of serialized keys: the order KeyedState promises for scans.
                .setComparator(BuiltinComparator.BYTEWISE_COMPARATOR)
                // The memtable is what the synchronous part flushes: its size bounds the pause.
                .setWriteBufferSize(s.writeBufferSize())
                .setMaxWriteBufferNumber(2)
                .setCompactionStyle(CompactionStyle.LEVEL)
                .setLevelCompactionDynamicLevelBytes(true)
                .setTargetFileSizeBase(TARGET_FILE_SIZE)
                .setMaxBytesForLevelBase(Math.max(4 * TARGET_FILE_SIZE, 4 * s.writeBufferSize()))
                .setCompressionType(compression(s.compression()))
                .setTableFormatConfig(table);
        listOptions = track(new Options(dbOptions, cfOptions));
        // The checkpoint is the durability: no write-ahead log, so each put costs no log write. The
        // synchronous part of a snapshot must then flush the memtables (they are in no file).
        writeOptions = track(new WriteOptions()).setDisableWAL(true);
        readOptions = track(new ReadOptions());
        flushOptions = track(new FlushOptions()).setWaitForFlush(true).setAllowWriteStall(true);
    }

    static CompressionType compression(Compression c) {
        return switch (c) {
            case NONE -> CompressionType.NO_COMPRESSION;
            case LZ4 -> CompressionType.LZ4_COMPRESSION;
            case ZSTD -> CompressionType.ZSTD_COMPRESSION;
        };
    }

    private <T extends RocksObject> T track(T o) {
        all.add(o);
        return o;
    }

    @Override
    public void close() {
        for (int i = all.size() - 1; i >= 0; i--) {
            all.get(i).close();
        }
        all.clear();
    }
}

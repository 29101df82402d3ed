package dev.cairn.state.internal;

import dev.cairn.state.RocksDbStateBackend.Compression;

import java.nio.file.Path;

/**
 * The validated settings of a {@link dev.cairn.state.RocksDbStateBackend}. Internal: built by the
 * backend's builder, turned into RocksDB options by {@link RocksDbResources}.
 *
 * @param localRoot       directory under which each store makes its own working directory
 * @param writeBufferSize memtable size per column family, bytes
 * @param blockCacheSize  LRU block cache per store, bytes (0 = none)
 * @param compression     SST compression
 */
public record RocksDbSettings(Path localRoot, long writeBufferSize, long blockCacheSize, Compression compression) {
    @Override
    public String toString() {
        return "[localRoot=" + localRoot + ", writeBufferSize=" + writeBufferSize + ", blockCacheSize="
                + blockCacheSize + ", compression=" + compression + "]";
    }
}

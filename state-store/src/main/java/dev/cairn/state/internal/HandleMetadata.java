package dev.cairn.state.internal;

import dev.cairn.core.manifest.StateHandle;

import java.util.Collection;
import java.util.TreeSet;

/**
 * How a RocksDB state handle describes itself in {@link StateHandle#metadata()}:
 *
 * <pre>
 *   rocksdb.format      = 1
 *   layout              = comma-separated sorted state names (StateHandle.LAYOUT_KEY)
 *   file:&lt;stored path&gt;  = the file's name in the database directory (000012.sst, MANIFEST-000005, ...)
 * </pre>
 *
 * Every file of the handle has a {@code file:} entry; the stored name of a shared file differs from
 * its local name (the storage adds the checkpoint id and a unique part).
 */
final class HandleMetadata {
    static final String FORMAT_KEY = "rocksdb.format";
    static final String FORMAT = "1";
    static final String FILE_PREFIX = "file:";

    private HandleMetadata() {
    }

    static String fileKey(String storedPath) {
        return FILE_PREFIX + storedPath;
    }

    static String layout(Collection<String> names) {
        return String.join(",", new TreeSet<>(names));
    }

    /** A local name must be a plain file name: it is resolved inside the new database directory. */
    static boolean isSafeLocalName(String name) {
        return name != null && !name.isEmpty() && !name.equals(".") && !name.equals("..")
                && name.indexOf('/') < 0 && name.indexOf('\\') < 0 && name.indexOf('\0') < 0;
    }

    static boolean isShared(String localName) {
        return localName.endsWith(".sst") || localName.endsWith(".blob");
    }
}

package dev.cairn.state.internal;

import dev.cairn.core.CairnException;
import dev.cairn.core.CairnException.Reason;
import dev.cairn.core.CorruptCheckpointException;
import dev.cairn.core.manifest.FileRef;
import dev.cairn.core.manifest.StateHandle;
import dev.cairn.core.storage.CheckpointStorage;
import dev.cairn.state.internal.SharedFileRegistry.LocalSst;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;

/**
 * Downloads the files of a state handle into an empty database directory under their local names.
 * Every file is read to its end through {@link CheckpointStorage#openFile}, which checks its size
 * and CRC32C there: a damaged file fails the restore, naming it, before RocksDB sees it.
 */
final class Restorer {
    private Restorer() {
    }

    /** Downloads {@code handle} into {@code dbDir}; returns its SST files, which count as completed. */
    static Map<LocalSst, FileRef> download(String operatorId, StateHandle handle, CheckpointStorage storage, Path dbDir) {
        String format = handle.metadata().get(HandleMetadata.FORMAT_KEY);
        if (!handle.files().isEmpty() && !HandleMetadata.FORMAT.equals(format)) {
            throw new CairnException(Reason.INCOMPATIBLE_RESTORE, "operator '" + operatorId
                    + "': RocksDB state handle has format '" + format + "', this version reads '" + HandleMetadata.FORMAT + "'");
        }
        Map<LocalSst, FileRef> sst = new HashMap<>();
        Set<String> localNames = new HashSet<>();
        for (FileRef ref : handle.files()) {
            String local = handle.metadata().get(HandleMetadata.fileKey(ref.path()));
            if (!HandleMetadata.isSafeLocalName(local) || !localNames.add(local)) {
                throw new CairnException(Reason.CORRUPT_CHECKPOINT, "operator '" + operatorId + "': state handle lists "
                        + ref.path() + " with " + (local == null ? "no" : "an invalid or duplicate") + " local name"
                        + (local == null ? "" : " '" + local + "'"));
            }
            Path target = dbDir.resolve(local);
            try (InputStream in = storage.openFile(ref);
                 OutputStream out = Files.newOutputStream(target, StandardOpenOption.CREATE_NEW)) {
                in.transferTo(out);
            } catch (CorruptCheckpointException e) {
                throw new CorruptCheckpointException(e.path(), "operator '" + operatorId + "': cannot restore state from "
                        + ref.path() + " (local name " + local + "): " + e.getMessage(), e);
            } catch (IOException e) {
                throw new CairnException(Reason.STORAGE, "operator '" + operatorId + "': cannot download " + ref.path()
                        + " to " + target + ": " + e, e);
            } catch (CairnException e) {
                throw new CairnException(e.reason(), "operator '" + operatorId + "': cannot restore state from "
                        + ref.path() + ": " + e.getMessage(), e);
            }
            if (HandleMetadata.isShared(local)) {
                sst.put(new LocalSst(local, ref.size()), ref);
            }
        }
        return sst;
    }
}

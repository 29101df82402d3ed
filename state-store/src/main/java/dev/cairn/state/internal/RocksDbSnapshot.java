package dev.cairn.state.internal;

import dev.cairn.core.CairnException;
import dev.cairn.core.CairnException.Reason;
import dev.cairn.core.manifest.FileRef;
import dev.cairn.core.manifest.StateHandle;
import dev.cairn.core.state.StateSnapshot;
import dev.cairn.core.storage.CheckpointFileWriter;
import dev.cairn.core.storage.CheckpointStorage;
import dev.cairn.state.RocksDbStateBackend;
import dev.cairn.state.internal.SharedFileRegistry.LocalSst;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;

/**
 * One local snapshot (a RocksDB checkpoint of hard links in its own directory) and its upload. The
 * upload reads only that directory, so it runs on any thread while the operator keeps writing to
 * the database, and while later snapshots are taken.
 */
final class RocksDbSnapshot implements StateSnapshot {
    private static final int NEW = 0;
    private static final int PERSISTING = 1;
    private static final int DONE = 2;

    private final RocksDbOperatorStore store;
    private final long checkpointId;
    private final Path dir;
    private final String layout;
    /** Files that are append-only in the database (MANIFEST, log): the length they had at the snapshot. */
    private final Map<String, Long> lengths;
    private final AtomicInteger state = new AtomicInteger(NEW);

    RocksDbSnapshot(RocksDbOperatorStore store, long checkpointId, Path dir, String layout, Map<String, Long> lengths) {
        this.lengths = Map.copyOf(lengths);
        this.store = store;
        this.checkpointId = checkpointId;
        this.dir = dir;
        this.layout = layout;
    }

    /**
     * {@inheritDoc}
     *
     * <p>SST files that the newest completed checkpoint (or the restored one) holds are referenced
     * again; the others are uploaded to {@code shared/<operator>/} under names the storage makes
     * unique. MANIFEST, CURRENT, OPTIONS and the (empty) log are private files of the checkpoint.
     * The local snapshot directory is deleted whatever happens.
     */
    @Override
    public StateHandle persist() {
        if (!state.compareAndSet(NEW, PERSISTING)) {
            throw new IllegalStateException("snapshot of checkpoint " + checkpointId + " of operator '"
                    + store.operatorId() + "' was already persisted or discarded");
        }
        boolean ok = false;
        try {
            StateHandle h = upload(store.shared().beginPersist(checkpointId));
            ok = true;
            return h;
        } finally {
            if (!ok) {
                store.shared().failed(checkpointId);
            }
            state.set(DONE);
            deleteTree(dir);
            store.snapshotDone(this);
        }
    }

    private StateHandle upload(Map<LocalSst, FileRef> reusable) {
        CheckpointStorage storage = store.storage();
        String op = store.operatorId();
        List<String> names;
        try {
            names = RocksDbOperatorStore.fileNames(dir);
        } catch (IOException e) {
            throw failure("cannot list the local snapshot " + dir, e);
        }
        List<FileRef> files = new ArrayList<>();
        Map<String, String> metadata = new HashMap<>();
        Map<LocalSst, FileRef> sstFiles = new HashMap<>();
        for (String name : names) {
            Path local = dir.resolve(name);
            FileRef ref;
            if (HandleMetadata.isShared(name)) {
                LocalSst sst;
                try {
                    sst = new LocalSst(name, Files.size(local));
                } catch (IOException e) {
                    throw failure("cannot read " + local, e);
                }
                ref = reusable.get(sst);
                if (ref == null) {
                    ref = copy(local, () -> storage.createSharedFile(op, checkpointId, name));
                }
                sstFiles.put(sst, ref);
            } else {
                ref = copy(local, () -> storage.createPrivateFile(checkpointId, op, name));
            }
            files.add(ref);
            metadata.put(HandleMetadata.fileKey(ref.path()), name);
        }
        metadata.put(HandleMetadata.FORMAT_KEY, HandleMetadata.FORMAT);
        metadata.put(StateHandle.LAYOUT_KEY, layout);
        store.shared().persisted(checkpointId, sstFiles);
        return new StateHandle(RocksDbStateBackend.NAME, files, metadata);
    }

    private FileRef copy(Path local, Supplier<CheckpointFileWriter> create) {
        CheckpointFileWriter writer;
        try {
            writer = create.get();
        } catch (CairnException e) {
            throw new CairnException(Reason.STORAGE, prefix() + "cannot store " + local.getFileName() + ": "
                    + e.getMessage(), e);
        }
        try (writer; InputStream in = Files.newInputStream(local)) {
            Long length = lengths.get(local.getFileName().toString());
            if (length == null) {
                in.transferTo(writer);
            } else {
                copyPrefix(in, writer, length, local);
            }
            return writer.finish();
        } catch (IOException e) {
            writer.abort();
            throw failure("cannot upload " + local, e);
        } catch (CairnException e) {
            writer.abort();
            throw new CairnException(Reason.STORAGE, prefix() + "cannot upload " + local.getFileName()
                    + ": " + e.getMessage(), e);
        }
    }

    private static void copyPrefix(InputStream in, CheckpointFileWriter out, long length, Path local) throws IOException {
        byte[] buf = new byte[64 << 10];
        long left = length;
        while (left > 0) {
            int n = in.read(buf, 0, (int) Math.min(buf.length, left));
            if (n < 0) {
                throw new IOException(local + " is shorter (" + (length - left) + " bytes) than at the snapshot ("
                        + length + " bytes)");
            }
            out.write(buf, 0, n);
            left -= n;
        }
    }

    private String prefix() {
        return "operator '" + store.operatorId() + "', checkpoint " + checkpointId + ": ";
    }

    private CairnException failure(String what, IOException e) {
        String detail = e instanceof NoSuchFileException ? "missing: " + e.getMessage() : e.toString();
        return new CairnException(Reason.STORAGE, prefix() + what + ": " + detail, e);
    }

    @Override
    public void discard() {
        if (state.compareAndSet(NEW, DONE)) {
            deleteTree(dir);
            store.snapshotDone(this);
        }
    }

    /** Deletes a directory tree, best effort (a leftover local file harms nothing but disk space). */
    static void deleteTree(Path root) {
        if (!Files.exists(root)) {
            return;
        }
        try {
            Files.walkFileTree(root, new SimpleFileVisitor<>() {
                @Override
                public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
                    Files.deleteIfExists(file);
                    return FileVisitResult.CONTINUE;
                }

                @Override
                public FileVisitResult visitFileFailed(Path file, IOException exc) {
                    return FileVisitResult.CONTINUE;
                }

                @Override
                public FileVisitResult postVisitDirectory(Path d, IOException exc) throws IOException {
                    Files.deleteIfExists(d);
                    return FileVisitResult.CONTINUE;
                }
            });
        } catch (IOException ignored) {
            // best effort
        }
    }
}

package dev.cairn.core.storage;

import dev.cairn.core.storage.FsOperation.Kind;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.NoSuchFileException;
import java.nio.file.NotDirectoryException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.TreeMap;
import java.util.function.Predicate;

/**
 * An in-memory file system for the deterministic simulation and for crash tests, which loses
 * everything that was not made durable when a crash is simulated — exactly what the {@link
 * StorageFs} durability contract allows a real machine to lose, and no less:
 *
 * <ul>
 *   <li>a file's content becomes durable only at {@link #fsync} of that file;</li>
 *   <li>a directory's entries (files and directories created, renamed, deleted) become durable
 *       only at {@link #fsyncDirectory} of that directory;</li>
 *   <li>{@link #crash()} reverts everything to that durable state: a file created and fsynced
 *       whose directory was never fsynced disappears; a file whose entry is durable but whose
 *       content was never fsynced comes back empty (the classic "rename without fsync" loss).</li>
 * </ul>
 *
 * <p>Crash points are hit on purpose, not by luck: {@link #crashAtOperation} makes the k-th call
 * from now throw a {@link SimulatedCrash} before it takes effect, {@link #crashWhen} the first call
 * that matches a predicate (for instance {@code op -> op.isRenameTo("MANIFEST")}). After that the
 * file system is down — every call throws {@code SimulatedCrash}, so no cleanup code of the dead
 * process can still change it — until {@link #crash()} restarts it from its durable state.
 * Stream writes count as calls. Streams opened before a crash fail afterwards.
 *
 * <p>Deterministic: no clock, no randomness; listings are sorted. Paths must be absolute; the root
 * always exists. Permissions are not modelled. Thread-safe (one lock).
 */
public final class CrashSimulatingFs implements StorageFs {

    private static final class Node {
        final boolean directory;
        // directories
        TreeMap<String, Node> entries;
        TreeMap<String, Node> durableEntries;
        // files
        ByteArrayOutputStream content;
        byte[] durableContent;

        private Node(boolean directory) {
            this.directory = directory;
            if (directory) {
                entries = new TreeMap<>();
                durableEntries = new TreeMap<>();
            } else {
                content = new ByteArrayOutputStream();
                durableContent = new byte[0];
            }
        }
    }

    private final Node root = new Node(true);
    private long operations;
    private long crashAtOperation = -1;
    private Predicate<FsOperation> crashWhen;
    private boolean down;
    private long generation;

    /** An empty file system with only the root directory. */
    public CrashSimulatingFs() {
    }

    // ------------------------------------------------------------------ crash control

    /**
     * Makes the {@code k}-th call from now ({@code k >= 1}) throw a {@link SimulatedCrash} before it
     * takes effect; replaces any earlier crash point.
     */
    public synchronized void crashAtOperation(long k) {
        if (k < 1) {
            throw new IllegalArgumentException("crash point must be >= 1, was " + k);
        }
        crashAtOperation = operations + k;
    }

    /** Makes the first call that matches {@code which} throw a {@link SimulatedCrash} before it takes effect. */
    public synchronized void crashWhen(Predicate<FsOperation> which) {
        crashWhen = Objects.requireNonNull(which, "which");
    }

    /** Removes the crash points set by {@link #crashAtOperation} and {@link #crashWhen}. */
    public synchronized void disarm() {
        crashAtOperation = -1;
        crashWhen = null;
    }

    /** True between a triggered crash point and the next {@link #crash()}. */
    public synchronized boolean isDown() {
        return down;
    }

    /** Calls made since this file system was created (failed ones included). */
    public synchronized long operationCount() {
        return operations;
    }

    /**
     * Crashes and restarts the simulated machine: every file and directory reverts to its durable
     * state, open streams become invalid, crash points are removed and the file system is up again.
     * Can be called at any time, not only after a crash point.
     */
    public synchronized void crash() {
        revert(root);
        down = false;
        generation++;
        disarm();
    }

    private static void revert(Node dir) {
        dir.entries = new TreeMap<>(dir.durableEntries);
        for (Node child : dir.entries.values()) {
            if (child.directory) {
                revert(child);
            } else {
                child.content = new ByteArrayOutputStream();
                child.content.writeBytes(child.durableContent);
            }
        }
    }

    private void call(Kind kind, Path path, Path target) {
        FsOperation op = new FsOperation(kind, path, target);
        if (down) {
            throw new SimulatedCrash("the simulated machine crashed; call crash() to restart it (at " + op + ")", op);
        }
        operations++;
        if (operations == crashAtOperation || (crashWhen != null && crashWhen.test(op))) {
            down = true;
            disarm();
            throw new SimulatedCrash("simulated crash before operation #" + operations + ": " + op, op);
        }
    }

    // ------------------------------------------------------------------ StorageFs

    @Override
    public synchronized void createDirectory(Path dir) throws IOException {
        call(Kind.CREATE_DIRECTORY, dir, null);
        Node parent = parentDirectory(dir);
        String name = name(dir);
        if (parent.entries.containsKey(name)) {
            throw new FileAlreadyExistsException(dir.toString());
        }
        parent.entries.put(name, new Node(true));
    }

    @Override
    public synchronized List<String> list(Path dir) throws IOException {
        call(Kind.LIST, dir, null);
        return new ArrayList<>(directory(dir).entries.keySet());
    }

    @Override
    public synchronized boolean exists(Path path) {
        call(Kind.EXISTS, path, null);
        return find(path) != null;
    }

    @Override
    public synchronized boolean isDirectory(Path path) {
        call(Kind.IS_DIRECTORY, path, null);
        Node n = find(path);
        return n != null && n.directory;
    }

    @Override
    public synchronized long size(Path file) throws IOException {
        call(Kind.SIZE, file, null);
        return file(file).content.size();
    }

    @Override
    public synchronized InputStream newInputStream(Path file) throws IOException {
        call(Kind.OPEN_READ, file, null);
        return new ByteArrayInputStream(file(file).content.toByteArray());
    }

    @Override
    public synchronized OutputStream createNew(Path file) throws IOException {
        call(Kind.CREATE_NEW, file, null);
        Node parent = parentDirectory(file);
        String name = name(file);
        if (parent.entries.containsKey(name)) {
            throw new FileAlreadyExistsException(file.toString());
        }
        Node node = new Node(false);
        parent.entries.put(name, node);
        return new SimOutputStream(file, node, generation);
    }

    @Override
    public synchronized OutputStream overwrite(Path file) throws IOException {
        call(Kind.OVERWRITE, file, null);
        Node parent = parentDirectory(file);
        String name = name(file);
        Node node = parent.entries.get(name);
        if (node == null) {
            node = new Node(false);
            parent.entries.put(name, node);
        } else if (node.directory) {
            throw new FileSystemException(file.toString(), null, "is a directory");
        } else {
            node.content.reset();
        }
        return new SimOutputStream(file, node, generation);
    }

    @Override
    public synchronized OutputStream append(Path file) throws IOException {
        call(Kind.APPEND, file, null);
        Node parent = parentDirectory(file);
        String name = name(file);
        Node node = parent.entries.get(name);
        if (node == null) {
            node = new Node(false);
            parent.entries.put(name, node);
        } else if (node.directory) {
            throw new FileSystemException(file.toString(), null, "is a directory");
        }
        return new SimOutputStream(file, node, generation);
    }

    @Override
    public synchronized void fsync(Path file) throws IOException {
        call(Kind.FSYNC, file, null);
        Node node = file(file);
        node.durableContent = node.content.toByteArray();
    }

    @Override
    public synchronized void atomicRename(Path source, Path target) throws IOException {
        call(Kind.RENAME, source, target);
        Node from = parentDirectory(source);
        Node node = from.entries.get(name(source));
        if (node == null) {
            throw new NoSuchFileException(source.toString());
        }
        if (node.directory) {
            throw new FileSystemException(source.toString(), target.toString(), "CrashSimulatingFs renames files only");
        }
        Node to = parentDirectory(target);
        Node existing = to.entries.get(name(target));
        if (existing != null && existing.directory) {
            throw new FileSystemException(source.toString(), target.toString(), "target is a directory");
        }
        from.entries.remove(name(source));
        to.entries.put(name(target), node);
    }

    @Override
    public synchronized void fsyncDirectory(Path dir) throws IOException {
        call(Kind.FSYNC_DIRECTORY, dir, null);
        Node node = directory(dir);
        node.durableEntries = new TreeMap<>(node.entries);
    }

    @Override
    public synchronized boolean delete(Path path) throws IOException {
        call(Kind.DELETE, path, null);
        Node parent = find(path.getParent());
        if (parent == null || !parent.directory) {
            return false;
        }
        Node node = parent.entries.get(name(path));
        if (node == null) {
            return false;
        }
        if (node.directory && !node.entries.isEmpty()) {
            throw new DirectoryNotEmptyException(path.toString());
        }
        parent.entries.remove(name(path));
        return true;
    }

    @Override
    public synchronized void setOwnerOnly(Path path) throws IOException {
        call(Kind.SET_OWNER_ONLY, path, null);
        if (find(path) == null) {
            throw new NoSuchFileException(path.toString());
        }
    }

    // ------------------------------------------------------------------ tree walking

    private Node find(Path path) {
        if (path == null) {
            return null;
        }
        requireAbsolute(path);
        Node node = root;
        for (Path part : path.normalize()) {
            if (!node.directory) {
                return null;
            }
            node = node.entries.get(part.toString());
            if (node == null) {
                return null;
            }
        }
        return node;
    }

    private Node directory(Path dir) throws IOException {
        Node node = find(dir);
        if (node == null) {
            throw new NoSuchFileException(dir.toString());
        }
        if (!node.directory) {
            throw new NotDirectoryException(dir.toString());
        }
        return node;
    }

    private Node parentDirectory(Path path) throws IOException {
        requireAbsolute(path);
        Path parent = path.normalize().getParent();
        if (parent == null) {
            throw new FileSystemException(path.toString(), null, "the root cannot be created, replaced or removed");
        }
        Node node = find(parent);
        if (node == null) {
            throw new NoSuchFileException(path.toString(), null, "parent directory does not exist");
        }
        if (!node.directory) {
            throw new NotDirectoryException(parent.toString());
        }
        return node;
    }

    private Node file(Path file) throws IOException {
        Node node = find(file);
        if (node == null) {
            throw new NoSuchFileException(file.toString());
        }
        if (node.directory) {
            throw new FileSystemException(file.toString(), null, "is a directory");
        }
        return node;
    }

    private static String name(Path path) {
        return path.normalize().getFileName().toString();
    }

    private static void requireAbsolute(Path path) {
        if (!path.isAbsolute()) {
            throw new IllegalArgumentException("CrashSimulatingFs needs absolute paths, got " + path);
        }
    }

    private final class SimOutputStream extends OutputStream {
        private final Path path;
        private final Node node;
        private final long openedIn;
        private boolean closed;

        SimOutputStream(Path path, Node node, long openedIn) {
            this.path = path;
            this.node = node;
            this.openedIn = openedIn;
        }

        @Override
        public void write(int b) throws IOException {
            write(new byte[] {(byte) b}, 0, 1);
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            Objects.checkFromIndexSize(off, len, b.length);
            synchronized (CrashSimulatingFs.this) {
                call(Kind.WRITE, path, null);
                if (closed) {
                    throw new IOException("stream closed: " + path);
                }
                if (openedIn != generation) {
                    throw new IOException("stream of " + path + " was opened before a simulated crash");
                }
                node.content.write(b, off, len);
            }
        }

        @Override
        public void close() {
            closed = true;
        }
    }

    @Override
    public synchronized String toString() {
        return "CrashSimulatingFs(" + operations + " operations" + (down ? ", down" : "") + ")";
    }
}

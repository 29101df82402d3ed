package dev.cairn.core.storage;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Path;
import java.util.List;

/**
 * The few file-system calls checkpoint storage needs. It exists so that the same storage code runs
 * on the real file system ({@link NioStorageFs}), on an in-memory one that loses what was not made
 * durable when a crash is simulated ({@link CrashSimulatingFs}), and under injected faults ({@link
 * FaultInjectingFs}).
 *
 * <p><b>Durability.</b> This is all a crash is promised to keep: the content of a file as of the
 * last {@link #fsync} of that file, and the entries of a directory (files and directories created
 * in it, renamed into or out of it, deleted from it) as of the last {@link #fsyncDirectory} of
 * that directory. Code that needs a change to survive a crash must make it durable explicitly.
 *
 * <p><b>Permissions.</b> Directories and files it creates are owner-only (0700 / 0600) from the
 * moment they exist, where the file system has POSIX permissions.
 *
 * <p><b>Errors.</b> Paths are absolute. A missing path is a {@link
 * java.nio.file.NoSuchFileException}; creating one that exists is a {@link
 * java.nio.file.FileAlreadyExistsException}; every other failure is an {@link IOException} naming
 * the path. Implementations are safe for use from several threads.
 */
public interface StorageFs {

    /** Creates one directory (its parent must exist), owner-only. */
    void createDirectory(Path dir) throws IOException;

    /** The names of the entries of {@code dir}, sorted. */
    List<String> list(Path dir) throws IOException;

    boolean exists(Path path) throws IOException;

    boolean isDirectory(Path path) throws IOException;

    /** The size of a file in bytes. */
    long size(Path file) throws IOException;

    InputStream newInputStream(Path file) throws IOException;

    /** Creates a file that must not exist yet (owner-only) and opens it for writing. */
    OutputStream createNew(Path file) throws IOException;

    /** Creates or truncates a file (owner-only) and opens it for writing. */
    OutputStream overwrite(Path file) throws IOException;

    /**
     * Opens a file for appending, creating it (owner-only) if missing. Appended bytes are durable
     * only once the file is fsynced.
     */
    OutputStream append(Path file) throws IOException;

    /** Makes the content of a (closed) file durable. */
    void fsync(Path file) throws IOException;

    /**
     * Renames a file atomically, replacing {@code target} if it exists. Durable only once the
     * directories involved are fsynced.
     */
    void atomicRename(Path source, Path target) throws IOException;

    /** Makes the entries of {@code dir} durable: creations, renames and deletions in it. */
    void fsyncDirectory(Path dir) throws IOException;

    /**
     * Deletes a file or an empty directory.
     *
     * @return false if it did not exist
     */
    boolean delete(Path path) throws IOException;

    /** Restricts an existing file (0600) or directory (0700) to its owner; a no-op without POSIX permissions. */
    void setOwnerOnly(Path path) throws IOException;
}

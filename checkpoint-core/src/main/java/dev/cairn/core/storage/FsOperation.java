package dev.cairn.core.storage;

import java.nio.file.Path;
import java.util.Objects;

/**
 * One call into a {@link StorageFs}, as {@link CrashSimulatingFs} and {@link FaultInjectingFs} see
 * it: tests select crash points and faults by predicates over these ("before the rename of a
 * MANIFEST", "every write").
 *
 * @param kind   what the call does
 * @param path   the path it acts on (the source of a rename)
 * @param target the target of a rename, else {@code null}
 */
public record FsOperation(Kind kind, Path path, Path target) {

    /** The kinds of calls a {@link StorageFs} takes. */
    public enum Kind {
        CREATE_DIRECTORY(true),
        LIST(false),
        EXISTS(false),
        IS_DIRECTORY(false),
        SIZE(false),
        OPEN_READ(false),
        CREATE_NEW(true),
        OVERWRITE(true),
        APPEND(true),
        /** One {@code write} call on a stream returned by {@code createNew} or {@code overwrite}. */
        WRITE(true),
        FSYNC(true),
        RENAME(true),
        FSYNC_DIRECTORY(true),
        DELETE(true),
        SET_OWNER_ONLY(true);

        private final boolean write;

        Kind(boolean write) {
            this.write = write;
        }

        /** True for calls that change the file system or its durability. */
        public boolean isWrite() {
            return write;
        }
    }

    public FsOperation {
        Objects.requireNonNull(kind, "kind");
        Objects.requireNonNull(path, "path");
    }

    /** True for calls that change the file system or its durability (create, write, fsync, rename, delete). */
    public boolean isWrite() {
        return kind.isWrite();
    }

    /** True if this is a rename onto a file named {@code fileName}, e.g. {@code "MANIFEST"}. */
    public boolean isRenameTo(String fileName) {
        return kind == Kind.RENAME && target != null && target.getFileName() != null
                && target.getFileName().toString().equals(fileName);
    }

    /** True if the path acted on (or the rename target) has the file name {@code fileName}. */
    public boolean touches(String fileName) {
        return nameIs(path, fileName) || nameIs(target, fileName);
    }

    private static boolean nameIs(Path p, String fileName) {
        return p != null && p.getFileName() != null && p.getFileName().toString().equals(fileName);
    }

    @Override
    public String toString() {
        return target == null ? kind + " " + path : kind + " " + path + " -> " + target;
    }
}

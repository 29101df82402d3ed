package dev.cairn.core;

import java.nio.file.Path;

/** A checkpoint's file is missing, truncated, of the wrong size or fails its checksum. */
public class CorruptCheckpointException extends CairnException {
    private static final long serialVersionUID = 1L;

    private final transient Path path;

    public CorruptCheckpointException(Path path, String message) {
        super(Reason.CORRUPT_CHECKPOINT, message);
        this.path = path;
    }

    public CorruptCheckpointException(Path path, String message, Throwable cause) {
        super(Reason.CORRUPT_CHECKPOINT, message, cause);
        this.path = path;
    }

    /** The file at fault, if known. */
    public Path path() {
        return path;
    }
}

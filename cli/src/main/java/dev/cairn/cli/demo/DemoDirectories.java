package dev.cairn.cli.demo;

import dev.cairn.cli.CliException;
import dev.cairn.cli.ExitCode;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;

/**
 * The demos' data directory: created when missing — owner-only, like the checkpoint storage, since
 * it holds the broker's data and the job's state — and checked writable before anything starts.
 */
final class DemoDirectories {
    private DemoDirectories() {
    }

    /** {@code dataDir/name}, created if needed; a clear error if it cannot be created or written. */
    static Path prepare(Path dataDir, String name) {
        Path dir = dataDir.resolve(name);
        try {
            if (dir.getFileSystem().supportedFileAttributeViews().contains("posix")) {
                Files.createDirectories(dir, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
            } else {
                Files.createDirectories(dir);
            }
        } catch (IOException e) {
            throw new CliException(ExitCode.NOT_FOUND, "cannot create " + dir + " (" + e + "); choose a writable"
                    + " --data-dir", e);
        }
        if (!Files.isWritable(dir)) {
            throw new CliException(ExitCode.NOT_FOUND, dir + " is not writable; choose a writable --data-dir");
        }
        return dir;
    }
}

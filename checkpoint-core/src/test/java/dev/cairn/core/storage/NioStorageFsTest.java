package dev.cairn.core.storage;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

class NioStorageFsTest {
    private final NioStorageFs fs = new NioStorageFs();

    @TempDir
    Path tmp;

    @Test
    void createsOwnerOnlyDirectoriesAndFiles() throws IOException {
        assumeTrue(tmp.getFileSystem().supportedFileAttributeViews().contains("posix"));
        Path dir = tmp.resolve("d");
        fs.createDirectory(dir);
        try (OutputStream out = fs.createNew(dir.resolve("a"))) {
            out.write(1);
        }
        Path b = dir.resolve("b");
        Files.writeString(b, "x");
        Files.setPosixFilePermissions(b, PosixFilePermissions.fromString("rw-r--r--"));
        fs.overwrite(b).close();

        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(dir))).isEqualTo("rwx------");
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(dir.resolve("a")))).isEqualTo("rw-------");
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(b))).isEqualTo("rw-------");
    }

    @Test
    void renamesAtomicallyOverAnExistingFileAndSyncs() throws IOException {
        Path a = tmp.resolve("a");
        Path b = tmp.resolve("b");
        Files.writeString(a, "new");
        Files.writeString(b, "old");
        fs.fsync(a);
        fs.atomicRename(a, b);
        fs.fsyncDirectory(tmp);

        assertThat(Files.readString(b)).isEqualTo("new");
        assertThat(fs.list(tmp)).containsExactly("b");
        assertThat(fs.delete(a)).isFalse();
    }

    @Test
    void createNewRefusesAnExistingFile() throws IOException {
        Path a = tmp.resolve("a");
        Files.writeString(a, "x");
        assertThatThrownBy(() -> fs.createNew(a)).isInstanceOf(FileAlreadyExistsException.class);
    }
}

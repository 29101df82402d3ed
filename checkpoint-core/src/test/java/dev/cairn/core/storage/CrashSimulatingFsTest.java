package dev.cairn.core.storage;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

import static dev.cairn.core.storage.Fixtures.read;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class CrashSimulatingFsTest {
    private final CrashSimulatingFs fs = new CrashSimulatingFs();
    private final Path dir = Path.of("/d");
    private final Path file = dir.resolve("f");

    private void durableDir() throws IOException {
        fs.createDirectory(dir);
        fs.fsyncDirectory(Path.of("/"));
    }

    private void writeFile(Path p, String content) throws IOException {
        try (OutputStream out = fs.createNew(p)) {
            out.write(content.getBytes(StandardCharsets.UTF_8));
        }
    }

    @Test
    void keepsWhatWasMadeDurable() throws IOException {
        durableDir();
        writeFile(file, "hello");
        fs.fsync(file);
        fs.fsyncDirectory(dir);

        fs.crash();

        assertThat(read(fs, file)).asString().isEqualTo("hello");
    }

    @Test
    void losesAFileWhoseDirectoryWasNotFsynced() throws IOException {
        durableDir();
        writeFile(file, "hello");
        fs.fsync(file);

        fs.crash();

        assertThat(fs.exists(file)).isFalse();
    }

    @Test
    void aFileWhoseEntryIsDurableButNotItsContentComesBackEmpty() throws IOException {
        durableDir();
        writeFile(file, "hello");
        fs.fsyncDirectory(dir);

        fs.crash();

        assertThat(fs.exists(file)).isTrue();
        assertThat(fs.size(file)).isZero();
    }

    @Test
    void losesADirectoryWhoseParentWasNotFsynced() throws IOException {
        fs.createDirectory(dir);
        writeFile(file, "x");
        fs.fsync(file);
        fs.fsyncDirectory(dir);

        fs.crash();

        assertThat(fs.exists(dir)).isFalse();
    }

    @Test
    void revertsRenamesAndDeletesThatWereNotMadeDurable() throws IOException {
        durableDir();
        Path other = dir.resolve("g");
        writeFile(file, "a");
        writeFile(other, "b");
        fs.fsync(file);
        fs.fsync(other);
        fs.fsyncDirectory(dir);
        fs.atomicRename(file, dir.resolve("renamed"));
        fs.delete(other);
        assertThat(fs.list(dir)).containsExactly("renamed");

        fs.crash();

        assertThat(fs.list(dir)).containsExactly("f", "g");
    }

    @Test
    void crashPointStopsTheCallAndEveryLaterOneUntilRestart() throws IOException {
        durableDir();
        fs.crashAtOperation(2);
        OutputStream out = fs.createNew(file); // call 1

        assertThatThrownBy(() -> out.write(1)).isInstanceOf(SimulatedCrash.class).hasMessageContaining("#4: WRITE /d/f");
        assertThat(fs.isDown()).isTrue();
        assertThatThrownBy(() -> fs.exists(file)).isInstanceOf(SimulatedCrash.class);
        fs.crash();
        assertThat(fs.isDown()).isFalse();
        assertThat(fs.exists(file)).isFalse();
    }

    @Test
    void crashPointMatchingAPredicateHitsBeforeTheRenameTakesEffect() throws IOException {
        durableDir();
        writeFile(file, "m");
        fs.fsync(file);
        fs.fsyncDirectory(dir);
        fs.crashWhen(op -> op.isRenameTo("MANIFEST"));

        assertThatThrownBy(() -> fs.atomicRename(file, dir.resolve("MANIFEST")))
                .isInstanceOf(SimulatedCrash.class)
                .hasMessageContaining("RENAME /d/f -> /d/MANIFEST");
        fs.crash();
        assertThat(fs.list(dir)).containsExactly("f");
    }

    @Test
    void streamsOpenedBeforeACrashFailAfterIt() throws IOException {
        durableDir();
        OutputStream out = fs.createNew(file);
        fs.fsyncDirectory(dir);
        fs.crash();

        assertThatThrownBy(() -> out.write(1)).isInstanceOf(IOException.class).hasMessageContaining("before a simulated crash");
    }

    @Test
    void countsCallsDeterministically() throws IOException {
        CrashSimulatingFs other = new CrashSimulatingFs();
        durableDir();
        other.createDirectory(dir);
        other.fsyncDirectory(Path.of("/"));
        assertThat(fs.operationCount()).isEqualTo(other.operationCount()).isEqualTo(2);
    }
}

package dev.cairn.core.storage;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class FaultInjectingFsTest {
    private final CrashSimulatingFs inner = new CrashSimulatingFs();
    private final FaultInjectingFs fs = new FaultInjectingFs(inner);

    @Test
    void failsWritesWhileSwitchedOnWithoutTouchingTheFileSystemAndHeals() throws IOException {
        fs.createDirectory(Path.of("/d"));
        OutputStream out = fs.createNew(Path.of("/d/f"));
        out.write(1);

        fs.failWrites();
        assertThatThrownBy(() -> out.write(2)).isInstanceOf(IOException.class).hasMessageContaining("WRITE /d/f");
        assertThatThrownBy(() -> fs.createNew(Path.of("/d/g"))).isInstanceOf(IOException.class);
        assertThat(fs.list(Path.of("/d"))).containsExactly("f"); // reads still work
        assertThat(inner.exists(Path.of("/d/g"))).isFalse();

        fs.heal();
        out.write(3);
        assertThat(fs.size(Path.of("/d/f"))).isEqualTo(2);
        assertThat(fs.injectedFaults()).isEqualTo(2);
    }

    @Test
    void failsOnlyTheChosenKindOfCall() throws IOException {
        fs.createDirectory(Path.of("/d"));
        fs.failWhen(op -> op.kind() == FsOperation.Kind.LIST);

        assertThatThrownBy(() -> fs.list(Path.of("/d"))).isInstanceOf(IOException.class).hasMessageContaining("LIST /d");
        fs.createDirectory(Path.of("/d/e"));
    }
}

package dev.cairn.core.storage;

import dev.cairn.core.manifest.Manifest;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.lang.reflect.RecordComponent;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

/** Keeps docs/MANIFEST-FORMAT.md true: its example is what the code reads and writes, its tables name every field. */
class ManifestFormatDocTest {

    private static String doc() throws IOException {
        for (Path dir = Path.of("").toAbsolutePath(); dir != null; dir = dir.getParent()) {
            Path doc = dir.resolve("docs/MANIFEST-FORMAT.md");
            if (Files.isRegularFile(doc)) {
                return Files.readString(doc, StandardCharsets.UTF_8);
            }
        }
        throw new IllegalStateException("docs/MANIFEST-FORMAT.md not found above " + Path.of("").toAbsolutePath());
    }

    private static byte[] example(String doc) {
        int section = doc.indexOf("## Complete example");
        int start = doc.indexOf("```json\n", section) + "```json\n".length();
        int end = doc.indexOf("\n```", start) + 1;
        assertThat(section).as("example section").isPositive();
        return doc.substring(start, end).getBytes(StandardCharsets.UTF_8);
    }

    @Test
    void exampleManifestVerifiesAndIsExactlyWhatTheCodeWrites() throws Exception {
        byte[] example = example(doc());

        Manifest manifest = StorageCodec.decodeManifest(example);

        assertThat(manifest.checkpointId()).isEqualTo(3);
        assertThat(manifest.operators()).containsOnlyKeys("account", "source");
        assertThat(new String(StorageCodec.encodeManifest(manifest), StandardCharsets.UTF_8))
                .isEqualTo(new String(example, StandardCharsets.UTF_8));
    }

    @Test
    void everyFieldTheCodeWritesIsDocumented() throws IOException {
        String doc = doc();
        for (Class<?> type : StorageCodec.class.getDeclaredClasses()) {
            if (!type.isRecord()) {
                continue;
            }
            for (RecordComponent c : type.getRecordComponents()) {
                assertThat(doc).as("field %s of %s", c.getName(), type.getSimpleName()).contains("`" + c.getName() + "`");
            }
        }
        assertThat(doc).contains("`checksum`");
    }
}

package dev.cairn.core.storage;

import dev.cairn.core.manifest.Manifest;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.charset.StandardCharsets;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class StorageCodecTest {
    private Manifest manifest;
    private byte[] bytes;

    @BeforeEach
    void writeOne() {
        CrashSimulatingFs fs = new CrashSimulatingFs();
        try (LocalCheckpointStorage storage = Fixtures.open(fs)) {
            manifest = Fixtures.checkpoint(storage, 3, 2);
            bytes = Fixtures.read(fs, Fixtures.manifestPath(3));
        }
    }

    private String text() {
        return new String(bytes, StandardCharsets.UTF_8);
    }

    @Test
    void roundTripsAManifestAndItsLayout() throws Exception {
        if (Boolean.getBoolean("cairn.printManifest")) {
            System.out.println(text());
        }
        assertThat(StorageCodec.decodeManifest(bytes)).isEqualTo(manifest);
        assertThat(text()).startsWith("{\n  \"formatVersion\" : 1,\n  \"kind\" : \"manifest\",\n")
                .matches("(?s).*,\n  \"checksum\" : \"[0-9a-f]{8}\"\n}\n");
        assertThat(StorageCodec.encodeManifest(manifest)).isEqualTo(bytes);
    }

    @Test
    void rejectsAnUpperCaseChecksum() {
        String t = text();
        int at = t.lastIndexOf("\"checksum\" : \"") + 14;
        String upper = t.substring(0, at) + t.substring(at, at + 8).toUpperCase() + t.substring(at + 8);
        if (upper.equals(t)) { // all digits: force a letter case flip elsewhere in the tail
            upper = t.replace("\"checksum\"", "\"CHECKSUM\"");
        }
        String damaged = upper;
        assertThatThrownBy(() -> StorageCodec.decodeManifest(damaged.getBytes(StandardCharsets.UTF_8)))
                .isInstanceOf(RecordFormatException.class)
                .hasMessageContaining("truncated or damaged");
    }

    @Test
    void rejectsAnythingAfterTheClosingBrace() {
        byte[] extra = (text() + "\n").getBytes(StandardCharsets.UTF_8);
        assertThatThrownBy(() -> StorageCodec.decodeManifest(extra)).hasMessageContaining("does not end with its checksum field");
    }

    @Test
    void reportsANewerFormatAsSuchNotAsGarbage() {
        byte[] v2 = Fixtures.reseal(bytes, s -> s.replace("\"formatVersion\" : 1,", "\"formatVersion\" : 2,")
                .replace("\"epoch\" : 2,", "\"epochs\" : [ 2 ],"));
        assertThatThrownBy(() -> StorageCodec.decodeManifest(v2))
                .isInstanceOfSatisfying(RecordFormatException.class,
                        e -> assertThat(e.fault()).isEqualTo(RecordFormatException.Fault.NEWER_FORMAT))
                .hasMessageContaining("written by a newer cairn (format 2)")
                .hasMessageContaining("this build reads up to format 1");
    }

    @Test
    void toleratesUnknownFieldsOfTheSameVersion() throws Exception {
        byte[] extended = Fixtures.reseal(bytes, s -> s.replace("\"kind\" : \"manifest\",",
                "\"kind\" : \"manifest\",\n  \"writtenBy\" : \"cairn 1.1\",\n  \"hints\" : { \"a\" : [ 1 ] },"));
        assertThat(StorageCodec.decodeManifest(extended)).isEqualTo(manifest);
    }

    @Test
    void rejectsDuplicateMissingNullAndCoercedFields() {
        List<byte[]> bad = List.of(
                Fixtures.reseal(bytes, s -> s.replace("\"epoch\" : 2,", "\"epoch\" : 2,\n  \"epoch\" : 1,")),
                Fixtures.reseal(bytes, s -> s.replace("\"createdAtMillis\" : 1767225600003,", "")),
                Fixtures.reseal(bytes, s -> s.replace("\"jobId\" : \"bank\",", "\"jobId\" : null,")),
                Fixtures.reseal(bytes, s -> s.replace("\"epoch\" : 2,", "\"epoch\" : \"2\",")),
                Fixtures.reseal(bytes, s -> s.replace("\"epoch\" : 2,", "\"epoch\" : 2.5,")),
                Fixtures.reseal(bytes, s -> s.replace("\"COPY\"", "\"copy\"")),
                Fixtures.reseal(bytes, s -> s.replace("\"kind\" : \"manifest\"", "\"kind\" : \"epoch\"")));
        for (byte[] b : bad) {
            assertThatThrownBy(() -> StorageCodec.decodeManifest(b))
                    .isInstanceOfSatisfying(RecordFormatException.class,
                            e -> assertThat(e.fault()).isEqualTo(RecordFormatException.Fault.MALFORMED));
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"/etc/passwd", "../other-job/chk-1/x", "chk-3/../../x", "chk-3\\\\x", "C:x/y", "chk-3//x",
            "EPOCH", "chk-3/./x", "chk-03/x", "other/x"})
    void rejectsAReferencedPathThatLeavesTheCheckpointArea(String path) {
        String target = manifest.files().get(0).path();
        byte[] escaped = Fixtures.reseal(bytes, s -> s.replace("\"path\" : \"" + target + "\"", "\"path\" : \"" + path + "\""));
        assertThatThrownBy(() -> StorageCodec.decodeManifest(escaped))
                .isInstanceOf(RecordFormatException.class)
                .hasMessageContaining("references '" + path.replace("\\\\", "\\") + "'");
    }

    @Test
    void refusesToWriteAReferenceThatWouldBeRejectedOnRead() {
        Manifest bad = new Manifest(1, "bank", 4, 1, 0, manifest.inFlightMode(), manifest.topology(),
                java.util.Map.of("source", new dev.cairn.core.manifest.LocalSnapshot("source", 4, 1,
                        manifest.inFlightMode(), new dev.cairn.core.manifest.StateHandle("memory",
                        List.of(new dev.cairn.core.manifest.FileRef("../x", 1, 0)), java.util.Map.of()),
                        null, null, null, null)), null, null);
        assertThatThrownBy(() -> StorageCodec.encodeManifest(bad))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("'../x'");
    }
}

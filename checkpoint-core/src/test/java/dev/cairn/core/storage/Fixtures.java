package dev.cairn.core.storage;

import dev.cairn.core.InFlightMode;
import dev.cairn.core.manifest.FileRef;
import dev.cairn.core.manifest.InputSnapshot;
import dev.cairn.core.manifest.LocalSnapshot;
import dev.cairn.core.manifest.Manifest;
import dev.cairn.core.manifest.StateHandle;
import dev.cairn.core.manifest.TopologyDescriptor;
import dev.cairn.core.topology.ChannelId;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.function.UnaryOperator;

/** A small real checkpoint (two operators, private, shared and channel-state files) and byte helpers. */
final class Fixtures {
    static final Path ROOT = Path.of("/cairn");
    static final String JOB = "bank";
    static final Clock CLOCK = Clock.fixed(Instant.parse("2026-01-01T00:00:00Z"), ZoneOffset.UTC);

    private Fixtures() {
    }

    static LocalCheckpointStorage open(StorageFs fs) {
        return LocalCheckpointStorage.open(ROOT, JOB, fs, CLOCK, new Random(42));
    }

    static TopologyDescriptor topology() {
        return new TopologyDescriptor(List.of("source", "account"), Map.of("source", List.of("payments")), Map.of(),
                List.of("source->account"), Map.of("account", List.of("balances")));
    }

    /** Writes the files and local snapshots of checkpoint {@code id} and commits its manifest. */
    static Manifest checkpoint(CheckpointStorage storage, long id, int epoch) {
        return storage(storage, id, epoch, true, List.of());
    }

    /** Like {@link #checkpoint}, with the account's state also referencing {@code reused} (e.g. an older shared file). */
    static Manifest checkpointReusing(CheckpointStorage storage, long id, int epoch, FileRef reused) {
        return storage(storage, id, epoch, true, List.of(reused));
    }

    /** The shared file a fixture checkpoint created. */
    static FileRef sharedFile(Manifest m) {
        return m.files().stream().filter(f -> f.path().startsWith("shared/") && f.path().contains("/" + m.checkpointId() + "-"))
                .findFirst().orElseThrow();
    }

    /** Writes the files and local snapshots of checkpoint {@code id}, but no manifest. */
    static Manifest uncommitted(CheckpointStorage storage, long id, int epoch) {
        return storage(storage, id, epoch, false, List.of());
    }

    private static Manifest storage(CheckpointStorage storage, long id, int epoch, boolean commit, List<FileRef> reused) {
        FileRef sourceState = write(storage.createPrivateFile(id, "source", "offsets"), "offsets of " + id);
        FileRef sst = write(storage.createSharedFile("account", id, "000012.sst"), "sst of " + id + " ".repeat(40));
        FileRef accountState = write(storage.createPrivateFile(id, "account", "state/CURRENT"), "current " + id);
        FileRef inFlight = write(storage.createChannelStateFile(id, ChannelId.of("source", "account")),
                "two records in flight at " + id);
        LocalSnapshot source = new LocalSnapshot("source", id, epoch, InFlightMode.COPY,
                new StateHandle("memory", List.of(sourceState), Map.of()), Map.of(), Map.of("source->account", 17L * id),
                Map.of("payments-0", 42L * id), Map.of());
        LocalSnapshot account = new LocalSnapshot("account", id, epoch, InFlightMode.COPY,
                new StateHandle("rocksdb", concat(List.of(accountState, sst), reused), Map.of("000012.sst", sst.path())),
                Map.of("source->account", new InputSnapshot(10L * id, -1, inFlight, 2, 58)), Map.of(), Map.of(),
                Map.of("note", "fixture"));
        storage.readLocalSnapshot(storage.writeLocalSnapshot(source));
        storage.readLocalSnapshot(storage.writeLocalSnapshot(account));
        Manifest m = new Manifest(Manifest.CURRENT_FORMAT_VERSION, JOB, id, epoch, 1_767_225_600_000L + id,
                InFlightMode.COPY, topology(), Map.of("source", source, "account", account),
                Map.of("source->account", "Xq3m9vQpRdmTb5n1Y2kW0A"), Map.of("durationMillis", "12"));
        if (commit) {
            storage.commitManifest(m);
        }
        return m;
    }

    private static List<FileRef> concat(List<FileRef> a, List<FileRef> b) {
        List<FileRef> all = new java.util.ArrayList<>(a);
        all.addAll(b);
        return all;
    }

    static FileRef write(CheckpointFileWriter writer, String content) {
        try (writer) {
            writer.write(content.getBytes(StandardCharsets.UTF_8));
            return writer.finish();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static byte[] read(StorageFs fs, Path path) {
        try (InputStream in = fs.newInputStream(path)) {
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static void replace(StorageFs fs, Path path, byte[] bytes) {
        try (OutputStream out = fs.overwrite(path)) {
            out.write(bytes);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static Path manifestPath(long id) {
        return ROOT.resolve(JOB).resolve("chk-" + id).resolve("MANIFEST");
    }

    /**
     * Edits the JSON of a checksummed file and seals it again: recomputes the checksum over the edited
     * bytes exactly as docs/MANIFEST-FORMAT.md describes (written here independently of the codec).
     */
    static byte[] reseal(byte[] file, UnaryOperator<String> edit) {
        String text = new String(file, StandardCharsets.UTF_8);
        int key = text.lastIndexOf("\"checksum\" : \"");
        String covered = edit.apply(text.substring(0, key));
        byte[] bytes = covered.getBytes(StandardCharsets.UTF_8);
        java.util.zip.CRC32C crc = new java.util.zip.CRC32C();
        crc.update(bytes);
        return (covered + "\"checksum\" : \"" + String.format("%08x", crc.getValue()) + "\"\n}\n")
                .getBytes(StandardCharsets.UTF_8);
    }
}

package dev.cairn.core.storage;

import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import com.fasterxml.jackson.annotation.JsonSetter;
import com.fasterxml.jackson.annotation.Nulls;
import dev.cairn.core.InFlightMode;
import dev.cairn.core.manifest.FileRef;
import dev.cairn.core.manifest.InputSnapshot;
import dev.cairn.core.manifest.LocalSnapshot;
import dev.cairn.core.manifest.Manifest;
import dev.cairn.core.manifest.StateHandle;
import dev.cairn.core.manifest.TopologyDescriptor;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * The on-disk documents of checkpoint storage and their conversion from and to the model records.
 * The documents are private records, not the model records themselves, so that renaming a
 * component of {@link Manifest} or {@link LocalSnapshot} cannot silently change the file format:
 * it breaks the conversion here instead, where the format is decided. The format is documented in
 * docs/MANIFEST-FORMAT.md; {@code ManifestFormatDocTest} keeps that document true.
 */
final class StorageCodec {

    static final String MANIFEST_KIND = "manifest";
    static final String LOCAL_KIND = "local-snapshot";
    static final String EPOCH_KIND = "epoch";
    static final String RESTORES_KIND = "restore-history";
    static final String IDS_KIND = "checkpoint-ids";

    private static final Pattern HEX8 = Pattern.compile("[0-9a-f]{8}");

    private StorageCodec() {
    }

    // ------------------------------------------------------------------ documents

    @JsonPropertyOrder({"formatVersion", "kind", "jobId", "checkpointId", "epoch", "createdAtMillis", "inFlightMode",
            "topology", "operators", "channelTopicIds", "properties"})
    record ManifestDoc(int formatVersion, String kind, String jobId, long checkpointId, int epoch,
                       long createdAtMillis, InFlightMode inFlightMode, TopologyDoc topology,
                       Map<String, SnapshotDoc> operators, Map<String, String> channelTopicIds,
                       Map<String, String> properties) {
    }

    @JsonPropertyOrder({"operators", "sources", "sinks", "channels", "stateLayout"})
    record TopologyDoc(List<String> operators, Map<String, List<String>> sources, Map<String, List<String>> sinks,
                       List<String> channels, Map<String, List<String>> stateLayout) {
    }

    @JsonPropertyOrder({"operatorId", "checkpointId", "epoch", "inFlightMode", "state", "inputs", "outputs",
            "sourceOffsets", "attributes", "auxiliaryFiles"})
    record SnapshotDoc(String operatorId, long checkpointId, int epoch, InFlightMode inFlightMode, StateDoc state,
                       Map<String, InputDoc> inputs, Map<String, Long> outputs, Map<String, Long> sourceOffsets,
                       Map<String, String> attributes, Map<String, FileDoc> auxiliaryFiles) {
    }

    @JsonPropertyOrder({"backend", "files", "metadata"})
    record StateDoc(String backend, List<FileDoc> files, Map<String, String> metadata) {
    }

    @JsonPropertyOrder({"position", "closedAt", "channelState", "inFlightRecords", "inFlightBytes"})
    record InputDoc(long position, long closedAt, @JsonSetter(nulls = Nulls.SET) FileDoc channelState,
                    long inFlightRecords, long inFlightBytes) {
    }

    @JsonPropertyOrder({"path", "size", "crc32c"})
    record FileDoc(String path, long size, String crc32c) {
    }

    @JsonPropertyOrder({"formatVersion", "kind", "jobId", "snapshot"})
    record LocalDoc(int formatVersion, String kind, String jobId, SnapshotDoc snapshot) {
    }

    @JsonPropertyOrder({"formatVersion", "kind", "jobId", "epoch", "restoredCheckpointId", "roster",
            "createdAtMillis"})
    record EpochDoc(int formatVersion, String kind, String jobId, int epoch, long restoredCheckpointId,
                    Map<String, String> roster, long createdAtMillis) {
    }

    @JsonPropertyOrder({"formatVersion", "kind", "jobId", "entries"})
    record RestoresDoc(int formatVersion, String kind, String jobId, List<EntryDoc> entries) {
    }

    @JsonPropertyOrder({"epoch", "checkpointId"})
    record EntryDoc(int epoch, long checkpointId) {
    }

    @JsonPropertyOrder({"formatVersion", "kind", "jobId", "lastAllocated"})
    record IdsDoc(int formatVersion, String kind, String jobId, long lastAllocated) {
    }

    // ------------------------------------------------------------------ manifest

    static byte[] encodeManifest(Manifest m) {
        if (m.formatVersion() != ChecksummedJson.CURRENT_VERSION) {
            throw new IllegalArgumentException("this build writes manifest format " + ChecksummedJson.CURRENT_VERSION
                    + ", not " + m.formatVersion());
        }
        Map<String, SnapshotDoc> ops = new LinkedHashMap<>();
        m.operators().forEach((id, s) -> ops.put(id, toDoc(s)));
        TopologyDescriptor t = m.topology();
        return ChecksummedJson.encode(new ManifestDoc(ChecksummedJson.CURRENT_VERSION, MANIFEST_KIND, m.jobId(),
                m.checkpointId(), m.epoch(), m.createdAtMillis(), m.inFlightMode(),
                new TopologyDoc(t.operators(), t.sources(), t.sinks(), t.channels(), t.stateLayout()), ops,
                m.channelTopicIds(), m.properties()));
    }

    static Manifest decodeManifest(byte[] bytes) throws RecordFormatException {
        ManifestDoc d = ChecksummedJson.decode(bytes, ManifestDoc.class, MANIFEST_KIND);
        try {
            Map<String, LocalSnapshot> ops = new LinkedHashMap<>();
            for (Map.Entry<String, SnapshotDoc> e : d.operators().entrySet()) {
                LocalSnapshot s = fromDoc(e.getValue());
                if (!s.operatorId().equals(e.getKey())) {
                    throw malformed("the local snapshot under operator '" + e.getKey() + "' is of operator '"
                            + s.operatorId() + "'");
                }
                if (s.checkpointId() != d.checkpointId()) {
                    throw malformed("the local snapshot of operator '" + e.getKey() + "' is of checkpoint "
                            + s.checkpointId() + ", not " + d.checkpointId());
                }
                ops.put(e.getKey(), s);
            }
            TopologyDoc t = d.topology();
            return new Manifest(d.formatVersion(), d.jobId(), d.checkpointId(), d.epoch(), d.createdAtMillis(),
                    d.inFlightMode(),
                    new TopologyDescriptor(t.operators(), t.sources(), t.sinks(), t.channels(), t.stateLayout()),
                    ops, d.channelTopicIds(), d.properties());
        } catch (IllegalArgumentException | NullPointerException e) {
            throw invalid(MANIFEST_KIND, e);
        }
    }

    // ------------------------------------------------------------------ local snapshot

    static byte[] encodeLocal(String jobId, LocalSnapshot s) {
        return ChecksummedJson.encode(new LocalDoc(ChecksummedJson.CURRENT_VERSION, LOCAL_KIND, jobId, toDoc(s)));
    }

    static LocalDoc decodeLocal(byte[] bytes) throws RecordFormatException {
        return ChecksummedJson.decode(bytes, LocalDoc.class, LOCAL_KIND);
    }

    static LocalSnapshot snapshot(LocalDoc d) throws RecordFormatException {
        try {
            return fromDoc(d.snapshot());
        } catch (IllegalArgumentException | NullPointerException e) {
            throw invalid(LOCAL_KIND, e);
        }
    }

    private static SnapshotDoc toDoc(LocalSnapshot s) {
        Map<String, InputDoc> inputs = new LinkedHashMap<>();
        s.inputs().forEach((ch, in) -> inputs.put(ch, new InputDoc(in.position(), in.closedAt(),
                in.channelState() == null ? null : toDoc(in.channelState()), in.inFlightRecords(), in.inFlightBytes())));
        List<FileDoc> files = new ArrayList<>();
        for (FileRef f : s.state().files()) {
            files.add(toDoc(f));
        }
        Map<String, FileDoc> aux = new LinkedHashMap<>();
        s.auxiliaryFiles().forEach((name, f) -> aux.put(name, toDoc(f)));
        return new SnapshotDoc(s.operatorId(), s.checkpointId(), s.epoch(), s.inFlightMode(),
                new StateDoc(s.state().backend(), files, s.state().metadata()), inputs, s.outputs(),
                s.sourceOffsets(), s.attributes(), aux);
    }

    private static LocalSnapshot fromDoc(SnapshotDoc d) throws RecordFormatException {
        List<FileRef> files = new ArrayList<>();
        for (FileDoc f : d.state().files()) {
            files.add(fromDoc(f));
        }
        Map<String, InputSnapshot> inputs = new LinkedHashMap<>();
        for (Map.Entry<String, InputDoc> e : d.inputs().entrySet()) {
            InputDoc in = e.getValue();
            inputs.put(e.getKey(), new InputSnapshot(in.position(), in.closedAt(),
                    in.channelState() == null ? null : fromDoc(in.channelState()), in.inFlightRecords(),
                    in.inFlightBytes()));
        }
        Map<String, FileRef> aux = new LinkedHashMap<>();
        for (Map.Entry<String, FileDoc> e : d.auxiliaryFiles().entrySet()) {
            aux.put(e.getKey(), fromDoc(e.getValue()));
        }
        return new LocalSnapshot(d.operatorId(), d.checkpointId(), d.epoch(), d.inFlightMode(),
                new StateHandle(d.state().backend(), files, d.state().metadata()), inputs, d.outputs(),
                d.sourceOffsets(), d.attributes(), aux);
    }

    private static FileDoc toDoc(FileRef f) {
        String problem = PathSegments.problem(f.path());
        if (problem != null) {
            throw new IllegalArgumentException("refusing to record a file reference to " + problem);
        }
        return new FileDoc(f.path(), f.size(), f.crc32cHex());
    }

    private static FileRef fromDoc(FileDoc f) throws RecordFormatException {
        String problem = PathSegments.problem(f.path());
        if (problem != null) {
            throw malformed("it references " + problem);
        }
        if (!HEX8.matcher(f.crc32c()).matches()) {
            throw malformed("the crc32c of '" + f.path() + "' is not 8 lower-case hex digits: '" + f.crc32c() + "'");
        }
        return new FileRef(f.path(), f.size(), Long.parseLong(f.crc32c(), 16));
    }

    // ------------------------------------------------------------------ EPOCH, RESTORES, IDS

    static byte[] encodeEpoch(String jobId, EpochRecord r) {
        return ChecksummedJson.encode(new EpochDoc(ChecksummedJson.CURRENT_VERSION, EPOCH_KIND, jobId, r.epoch(),
                r.restoredCheckpointId(), r.roster(), r.createdAtMillis()));
    }

    static EpochRecord decodeEpoch(byte[] bytes, String jobId) throws RecordFormatException {
        EpochDoc d = ChecksummedJson.decode(bytes, EpochDoc.class, EPOCH_KIND);
        checkJob(EPOCH_KIND, d.jobId(), jobId);
        try {
            return new EpochRecord(d.epoch(), d.restoredCheckpointId(), d.roster(), d.createdAtMillis());
        } catch (IllegalArgumentException e) {
            throw invalid(EPOCH_KIND, e);
        }
    }

    static byte[] encodeRestores(String jobId, List<RestoreEntry> entries) {
        List<EntryDoc> docs = new ArrayList<>();
        for (RestoreEntry e : entries) {
            docs.add(new EntryDoc(e.epoch(), e.checkpointId()));
        }
        return ChecksummedJson.encode(new RestoresDoc(ChecksummedJson.CURRENT_VERSION, RESTORES_KIND, jobId, docs));
    }

    static List<RestoreEntry> decodeRestores(byte[] bytes, String jobId) throws RecordFormatException {
        RestoresDoc d = ChecksummedJson.decode(bytes, RestoresDoc.class, RESTORES_KIND);
        checkJob(RESTORES_KIND, d.jobId(), jobId);
        List<RestoreEntry> out = new ArrayList<>();
        try {
            for (EntryDoc e : d.entries()) {
                out.add(new RestoreEntry(e.epoch(), e.checkpointId()));
            }
        } catch (IllegalArgumentException e) {
            throw invalid(RESTORES_KIND, e);
        }
        return List.copyOf(out);
    }

    static byte[] encodeIds(String jobId, long lastAllocated) {
        return ChecksummedJson.encode(new IdsDoc(ChecksummedJson.CURRENT_VERSION, IDS_KIND, jobId, lastAllocated));
    }

    static long decodeIds(byte[] bytes, String jobId) throws RecordFormatException {
        IdsDoc d = ChecksummedJson.decode(bytes, IdsDoc.class, IDS_KIND);
        checkJob(IDS_KIND, d.jobId(), jobId);
        if (d.lastAllocated() < 0) {
            throw malformed("lastAllocated is negative: " + d.lastAllocated());
        }
        return d.lastAllocated();
    }

    static void checkJob(String kind, String found, String expected) throws RecordFormatException {
        if (!expected.equals(found)) {
            throw new RecordFormatException(RecordFormatException.Fault.MALFORMED, "belongs to another job",
                    "it names job '" + found + "', expected '" + expected + "'");
        }
    }

    private static RecordFormatException malformed(String detail) {
        return new RecordFormatException(RecordFormatException.Fault.MALFORMED, "is invalid", detail);
    }

    private static RecordFormatException invalid(String kind, RuntimeException e) {
        return new RecordFormatException(RecordFormatException.Fault.MALFORMED, "is not a valid " + kind + " file",
                String.valueOf(e.getMessage()), e);
    }
}

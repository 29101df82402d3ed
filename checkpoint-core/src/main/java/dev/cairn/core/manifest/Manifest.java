package dev.cairn.core.manifest;

import dev.cairn.core.InFlightMode;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The commit point of a checkpoint: written last, atomically. A checkpoint without a valid
 * manifest does not exist. The on-disk format (versioned, checksummed) is in
 * docs/MANIFEST-FORMAT.md.
 *
 * @param formatVersion  the format version this manifest was written with
 * @param jobId          the job
 * @param checkpointId   the checkpoint id
 * @param epoch          the epoch the checkpoint was taken in
 * @param createdAtMillis wall-clock time the manifest was written (informational only)
 * @param inFlightMode   how in-flight records were kept
 * @param topology       the topology it was taken from
 * @param operators      every operator's local snapshot, by operator id
 * @param channelTopicIds per channel ({@code from->to}), the id of the topic backing it when it was
 *                       taken (empty where the transport has no topic ids)
 * @param properties     informational pairs (durations, sizes); never secrets
 */
public record Manifest(int formatVersion, String jobId, long checkpointId, int epoch, long createdAtMillis,
                       InFlightMode inFlightMode, TopologyDescriptor topology, Map<String, LocalSnapshot> operators,
                       Map<String, String> channelTopicIds, Map<String, String> properties) {

    /** The version this code writes. */
    public static final int CURRENT_FORMAT_VERSION = 1;

    public Manifest {
        if (formatVersion < 1) {
            throw new IllegalArgumentException("format version must be >= 1, was " + formatVersion);
        }
        if (checkpointId < 1) {
            throw new IllegalArgumentException("checkpoint id must be >= 1, was " + checkpointId);
        }
        if (epoch < 1) {
            throw new IllegalArgumentException("epoch must be >= 1, was " + epoch);
        }
        operators = Collections.unmodifiableMap(new TreeMap<>(operators));
        channelTopicIds = Collections.unmodifiableMap(new TreeMap<>(channelTopicIds == null ? Map.of() : channelTopicIds));
        properties = Collections.unmodifiableMap(new TreeMap<>(properties == null ? Map.of() : properties));
    }

    /** Every file this checkpoint references (state, channel-state and auxiliary files), each once. */
    public List<FileRef> files() {
        Map<String, FileRef> byPath = new LinkedHashMap<>();
        for (LocalSnapshot s : operators.values()) {
            for (FileRef f : s.state().files()) {
                byPath.putIfAbsent(f.path(), f);
            }
            for (InputSnapshot in : s.inputs().values()) {
                if (in.channelState() != null) {
                    byPath.putIfAbsent(in.channelState().path(), in.channelState());
                }
            }
            for (FileRef f : s.auxiliaryFiles().values()) {
                byPath.putIfAbsent(f.path(), f);
            }
        }
        return new ArrayList<>(byPath.values());
    }

    /** Total bytes of the referenced files. */
    public long totalBytes() {
        long sum = 0;
        for (FileRef f : files()) {
            sum += f.size();
        }
        return sum;
    }
}

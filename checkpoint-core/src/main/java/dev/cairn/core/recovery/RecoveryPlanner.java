package dev.cairn.core.recovery;

import dev.cairn.core.CairnException;
import dev.cairn.core.InFlightMode;
import dev.cairn.core.manifest.FileRef;
import dev.cairn.core.manifest.InputSnapshot;
import dev.cairn.core.manifest.LocalSnapshot;
import dev.cairn.core.manifest.Manifest;
import dev.cairn.core.manifest.TopologyDescriptor;
import dev.cairn.core.storage.CheckpointListing;
import dev.cairn.core.storage.CheckpointStatus;
import dev.cairn.core.storage.CheckpointStorage;
import dev.cairn.core.storage.EpochRecord;
import dev.cairn.core.storage.LatestResult;
import dev.cairn.core.topology.ChannelId;
import dev.cairn.core.topology.OperatorNode;
import dev.cairn.core.topology.Topology;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;

/**
 * Decides how a job starts: from which checkpoint, in which new epoch, and what each operator
 * replays. The restore rules live here once; the Kafka runtime and the simulation both use it.
 *
 * <p>Rules (DESIGN.md, "Restore"): restore the latest valid checkpoint (or a chosen one) in a new
 * epoch; a fresh start also takes a new epoch and is written to the restore history; storage that
 * shows the job existed but holds no valid checkpoint refuses to start fresh unless forced; a
 * checkpoint of a different topology is refused with the differences listed unless mapped.
 */
public final class RecoveryPlanner {
    private static final Logger LOG = LoggerFactory.getLogger(RecoveryPlanner.class);

    private RecoveryPlanner() {
    }

    /**
     * Chooses the checkpoint, allocates the new epoch (writing the restore history first) and
     * plans every operator.
     *
     * @param roster operator id to the incarnation that runs it in the new epoch
     * @throws CairnException NO_VALID_CHECKPOINT, INCOMPATIBLE_RESTORE, CORRUPT_CHECKPOINT or STORAGE
     */
    public static RecoveryPlan plan(CheckpointStorage storage, Topology topology, RecoveryOptions options,
                                    Map<String, String> roster) {
        String job = storage.jobId();
        Manifest chosen = null;
        List<LatestResult.Skipped> skipped = List.of();
        if (options.forceFresh() && options.checkpointId().isPresent()) {
            throw new CairnException(CairnException.Reason.CONFIGURATION, "job '" + job + "': a forced fresh start"
                    + " and a chosen checkpoint (" + options.checkpointId().getAsLong() + ") exclude each other");
        }
        if (options.forceFresh()) {
            LOG.warn("job '{}': forced fresh start; every existing checkpoint is abandoned", job);
        } else if (options.checkpointId().isPresent()) {
            chosen = chosenCheckpoint(storage, options.checkpointId().getAsLong(), options.deepVerify());
        } else {
            LatestResult latest = storage.latest(options.deepVerify());
            skipped = latest.skipped();
            if (latest instanceof LatestResult.Found found) {
                chosen = found.manifest();
                for (LatestResult.Skipped s : latest.skipped()) {
                    if (s.status() == CheckpointStatus.NEWER_FORMAT && s.checkpointId() > chosen.checkpointId()) {
                        // Falling back past it would silently rewind the job: output duplicated, and
                        // channel ranges the newer checkpoint let cairn truncate may be gone.
                        throw new CairnException(CairnException.Reason.INCOMPATIBLE_RESTORE, "job '" + job
                                + "': checkpoint " + s.checkpointId() + " was written by a newer cairn (" + s.reason()
                                + "); this build would restore the older checkpoint " + chosen.checkpointId()
                                + " instead. Run the newer cairn, or restore checkpoint " + chosen.checkpointId()
                                + " explicitly if that is intended");
                    }
                }
            } else {
                refuseFreshStartIfStateWouldBeLost(storage, latest);
            }
        }
        if (chosen == null) {
            EpochRecord epoch = storage.beginEpoch(0, roster);
            LOG.info("job '{}': fresh start in epoch {}", job, epoch.epoch());
            return new RecoveryPlan(epoch, Optional.empty(), freshPlan(topology), skipped);
        }
        checkCompatible(chosen, topology, options.mapping());
        EpochRecord epoch = storage.beginEpoch(chosen.checkpointId(), roster);
        LOG.info("job '{}': restoring checkpoint {} (taken in epoch {}) in epoch {}", job, chosen.checkpointId(),
                chosen.epoch(), epoch.epoch());
        return new RecoveryPlan(epoch, Optional.of(chosen), planOperators(chosen, topology, options.mapping()), skipped);
    }

    /**
     * A fresh start is refused when it would drop state a checkpoint protected: some checkpoint of
     * the current branch has a manifest but is not valid (corrupt, files missing), or the restore history says a
     * checkpoint was restored and it is gone. It is allowed when the job never completed a
     * checkpoint since its last fresh start (every checkpoint found is on an abandoned branch, or
     * none exists and the last history entry is a fresh start): restarting fresh then loses
     * nothing, and refusing would make a job that crashed before its first checkpoint unable to
     * restart without forcing (see docs/ARCHITECTURE.md, "Refusing a fresh start").
     */
    private static void refuseFreshStartIfStateWouldBeLost(CheckpointStorage storage, LatestResult latest) {
        String job = storage.jobId();
        if (latest instanceof LatestResult.NoneValid none) {
            List<LatestResult.Skipped> lost = new ArrayList<>();
            for (LatestResult.Skipped s : none.skipped()) {
                if (s.status() == CheckpointStatus.CORRUPT) {
                    lost.add(s);
                }
            }
            if (!lost.isEmpty()) {
                throw new CairnException(CairnException.Reason.NO_VALID_CHECKPOINT, "job '" + job
                        + "' has checkpoints but none is valid: " + describe(lost)
                        + "; refusing to start fresh (that would drop the job's state). Repair storage, restore a"
                        + " chosen checkpoint, or force a fresh start explicitly");
            }
        }
        List<dev.cairn.core.storage.RestoreEntry> history = storage.restoreHistory();
        Optional<EpochRecord> existing = storage.currentEpoch();
        long lastRestored = history.isEmpty() ? 0 : history.get(history.size() - 1).checkpointId();
        if (lastRestored > 0) {
            throw new CairnException(CairnException.Reason.NO_VALID_CHECKPOINT, "job '" + job + "' restored checkpoint "
                    + lastRestored + " in epoch " + history.get(history.size() - 1).epoch()
                    + " but storage now holds no valid checkpoint; refusing to start fresh (that would drop the job's"
                    + " state). Repair storage, or force a fresh start explicitly");
        }
        if (history.isEmpty() && existing.isPresent()) {
            throw new CairnException(CairnException.Reason.NO_VALID_CHECKPOINT, "job '" + job + "' existed (epoch "
                    + existing.get().epoch() + ") but storage holds no restore history and no valid checkpoint;"
                    + " refusing to start fresh. Force a fresh start explicitly if that is intended");
        }
    }

    private static Manifest chosenCheckpoint(CheckpointStorage storage, long id, boolean deep) {
        for (CheckpointListing l : storage.list(deep)) {
            if (l.checkpointId() == id) {
                if (l.status() != CheckpointStatus.COMPLETE) {
                    throw new CairnException(CairnException.Reason.NO_VALID_CHECKPOINT, "checkpoint " + id + " of job '"
                            + storage.jobId() + "' cannot be restored: it is " + l.status()
                            + (l.reason() == null ? "" : " (" + l.reason() + ")"));
                }
                return l.manifest();
            }
        }
        throw new CairnException(CairnException.Reason.NO_VALID_CHECKPOINT, "checkpoint " + id + " of job '"
                + storage.jobId() + "' does not exist");
    }

    private static String describe(List<LatestResult.Skipped> skipped) {
        List<String> parts = new ArrayList<>();
        for (LatestResult.Skipped s : skipped) {
            parts.add("checkpoint " + s.checkpointId() + " " + s.status() + " (" + s.reason() + ")");
        }
        return String.join("; ", parts);
    }

    /**
     * Refuses a checkpoint whose topology differs from the job's (after applying the mapping),
     * listing every difference.
     */
    public static void checkCompatible(Manifest manifest, Topology topology, RestoreMapping mapping) {
        TopologyDescriptor then = manifest.topology();
        TopologyDescriptor now = TopologyDescriptor.of(topology, Map.of());
        List<String> differences = new ArrayList<>();
        Set<String> mappedOps = new TreeSet<>();
        for (String op : then.operators()) {
            mappedOps.add(mapping.operator(op));
        }
        diff("operator", mappedOps, new TreeSet<>(now.operators()), differences);
        Set<String> mappedChannels = new TreeSet<>();
        for (String c : then.channels()) {
            ChannelId id = ChannelId.parse(c);
            mappedChannels.add(ChannelId.of(mapping.operator(id.from()), mapping.operator(id.to())).toString());
        }
        diff("channel", mappedChannels, new TreeSet<>(now.channels()), differences);
        for (Map.Entry<String, List<String>> e : then.sources().entrySet()) {
            List<String> current = now.sources().get(mapping.operator(e.getKey()));
            if (current != null && !new TreeSet<>(current).containsAll(e.getValue())) {
                differences.add("source '" + mapping.operator(e.getKey()) + "' read " + e.getValue() + ", now reads " + current);
            }
        }
        if (!differences.isEmpty()) {
            throw new CairnException(CairnException.Reason.INCOMPATIBLE_RESTORE, "checkpoint " + manifest.checkpointId()
                    + " of job '" + manifest.jobId() + "' was taken from a different topology: "
                    + String.join("; ", differences) + ". Give an explicit restore mapping, or start fresh");
        }
    }

    /**
     * Refuses to restore state whose layout differs from what the operator registered (after
     * applying the mapping), listing the differences. Called by the runtime once the operator
     * opened and registered its state.
     */
    public static void checkStateLayout(long checkpointId, String operatorId, List<String> restoredNames,
                                        Set<String> registeredNames, RestoreMapping mapping) {
        Set<String> mapped = new TreeSet<>();
        for (String name : restoredNames) {
            mapped.add(mapping.state(operatorId, name));
        }
        List<String> differences = new ArrayList<>();
        diff("state", mapped, new TreeSet<>(registeredNames), differences);
        if (!differences.isEmpty()) {
            throw new CairnException(CairnException.Reason.INCOMPATIBLE_RESTORE, "operator '" + operatorId
                    + "' cannot restore checkpoint " + checkpointId + ": its state layout differs: "
                    + String.join("; ", differences) + ". Give an explicit state mapping, or start fresh");
        }
    }

    private static void diff(String what, Set<String> then, Set<String> now, List<String> out) {
        Set<String> removed = new TreeSet<>(then);
        removed.removeAll(now);
        Set<String> added = new TreeSet<>(now);
        added.removeAll(then);
        for (String r : removed) {
            out.add(what + " '" + r + "' is in the checkpoint but not in the job");
        }
        for (String a : added) {
            out.add(what + " '" + a + "' is in the job but not in the checkpoint");
        }
    }

    /** Every operator of {@code topology} starting fresh: no state, channels read from their start. */
    public static Map<String, OperatorRestore> freshPlan(Topology topology) {
        Map<String, OperatorRestore> ops = new HashMap<>();
        for (OperatorNode n : topology.operators()) {
            Map<ChannelId, InputPlan> inputs = new HashMap<>();
            for (ChannelId c : topology.inputsOf(n.id())) {
                inputs.put(c, new InputPlan.Fresh());
            }
            ops.put(n.id(), new OperatorRestore(n.id(), 0, Optional.empty(), inputs, Map.of()));
        }
        return ops;
    }

    /**
     * What every operator does to restore {@code m} (null: a fresh start): the same plan the
     * coordinator's {@link #plan} made, computed again by a process that hosts operators and read
     * the manifest from shared storage. Pure: writes nothing.
     */
    public static Map<String, OperatorRestore> planFor(Manifest m, Topology topology, RestoreMapping mapping) {
        if (m == null) {
            return freshPlan(topology);
        }
        return planOperators(m, topology, mapping);
    }

    private static Map<String, OperatorRestore> planOperators(Manifest m, Topology topology, RestoreMapping mapping) {
        Map<String, LocalSnapshot> byNewId = new HashMap<>();
        for (LocalSnapshot s : m.operators().values()) {
            byNewId.put(mapping.operator(s.operatorId()), s);
        }
        Map<String, OperatorRestore> ops = new HashMap<>();
        for (OperatorNode n : topology.operators()) {
            LocalSnapshot s = byNewId.get(n.id());
            if (s == null) {
                throw new CairnException(CairnException.Reason.CORRUPT_CHECKPOINT, "checkpoint " + m.checkpointId()
                        + " has no local snapshot for operator '" + n.id() + "'");
            }
            Map<ChannelId, InputPlan> inputs = new HashMap<>();
            for (ChannelId c : topology.inputsOf(n.id())) {
                inputs.put(c, inputPlan(m, c, s, byNewId, mapping));
            }
            ops.put(n.id(), new OperatorRestore(n.id(), m.checkpointId(), Optional.of(s.state()), inputs,
                    s.sourceOffsets(), s.attributes(), s.auxiliaryFiles()));
        }
        return ops;
    }

    private static InputPlan inputPlan(Manifest m, ChannelId c, LocalSnapshot receiver,
                                       Map<String, LocalSnapshot> byNewId, RestoreMapping mapping) {
        String oldChannel = oldChannelName(receiver, c, mapping);
        InputSnapshot in = receiver.inputs().get(oldChannel);
        LocalSnapshot sender = byNewId.get(c.from());
        String senderChannel = oldChannel;
        Long marker = sender == null ? null : sender.outputs().get(senderChannel);
        if (in == null || marker == null) {
            throw new CairnException(CairnException.Reason.CORRUPT_CHECKPOINT, "checkpoint " + m.checkpointId()
                    + " does not describe channel " + c + " (receiver or sender side missing)");
        }
        if (m.inFlightMode() == InFlightMode.COPY) {
            FileRef file = in.channelState();
            return new InputPlan.Copied(file, Math.max(0, in.inFlightRecords()), marker);
        }
        return new InputPlan.Range(in.position(), marker, m.epoch());
    }

    private static String oldChannelName(LocalSnapshot receiver, ChannelId c, RestoreMapping mapping) {
        for (String name : receiver.inputs().keySet()) {
            ChannelId old = ChannelId.parse(name);
            if (mapping.operator(old.from()).equals(c.from()) && mapping.operator(old.to()).equals(c.to())) {
                return name;
            }
        }
        return c.toString();
    }
}

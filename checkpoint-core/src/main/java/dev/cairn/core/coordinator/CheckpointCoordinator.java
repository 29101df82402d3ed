package dev.cairn.core.coordinator;

import dev.cairn.core.CairnException;
import dev.cairn.core.CheckpointConfig;
import dev.cairn.core.InFlightMode;
import dev.cairn.core.manifest.FileRef;
import dev.cairn.core.manifest.InputSnapshot;
import dev.cairn.core.manifest.LocalSnapshot;
import dev.cairn.core.manifest.Manifest;
import dev.cairn.core.manifest.TopologyDescriptor;
import dev.cairn.core.storage.CheckpointHistoryEntry;
import dev.cairn.core.storage.CheckpointStorage;
import dev.cairn.core.storage.EpochRecord;
import dev.cairn.core.topology.ChannelId;
import dev.cairn.core.topology.Topology;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;

/**
 * Schedules checkpoints of one epoch, collects acks and declines, commits manifests and runs
 * retention. Transport-agnostic: the simulation and the Kafka control topic drive the same class.
 * Single-threaded: call every method from one thread (the coordinator's loop).
 *
 * <p>Rules (DESIGN.md, "Coordinator and control topic"): the id counter is durable before a
 * trigger; a checkpoint completes when every operator acked, after the files its local snapshots
 * reference were found, and its manifest is committed only while this coordinator's epoch is
 * still the current one; completing {@code n} aborts every pending checkpoint below {@code n};
 * acks and declines of another epoch are ignored; more than {@code tolerableFailures} consecutive
 * failures fail the job. A coordinator restart is a rollback: a new instance runs a new epoch.
 */
public final class CheckpointCoordinator implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(CheckpointCoordinator.class);

    private final String jobId;
    private final Topology topology;
    private final CheckpointConfig config;
    private final CheckpointStorage storage;
    private final CoordinatorTransport transport;
    private final CoordinatorListener listener;
    private final TimeSource time;
    private final int epoch;
    private final Set<String> operators;
    private final Set<String> triggered;
    private final Map<String, String> channelTopicIds;
    private final boolean checkChannels;

    private final TreeMap<Long, PendingCheckpoint> pending = new TreeMap<>();
    private long lastTriggerNanos;
    private long lastCompletionNanos;
    private boolean triggeredOnce;
    private boolean completedOnce;
    private long latestCompleted;
    private int consecutiveFailures;
    private boolean stopped;
    private CairnException failure;
    private long ignoredMessages;

    private final CoordinatorMetrics metrics;

    private CheckpointCoordinator(Builder b) {
        this.jobId = storage(b).jobId();
        this.topology = b.topology;
        this.config = b.config;
        this.storage = b.storage;
        this.transport = b.transport;
        this.listener = b.listener;
        this.time = b.time;
        this.epoch = b.epoch;
        this.operators = topology.operatorIds();
        this.triggered = topology.triggeredOperators(config.triggers());
        this.channelTopicIds = Map.copyOf(b.channelTopicIds);
        this.checkChannels = b.checkChannels;
        this.latestCompleted = b.restoredCheckpoint;
        this.metrics = b.metrics != null ? b.metrics : new CoordinatorMetrics(b.registry, jobId);
    }

    private static CheckpointStorage storage(Builder b) {
        if (b.storage == null || b.topology == null || b.transport == null || b.epoch < 1) {
            throw new IllegalArgumentException("coordinator needs storage, topology, transport and an epoch >= 1");
        }
        return b.storage;
    }

    public static Builder builder() {
        return new Builder();
    }

    public int epoch() {
        return epoch;
    }

    /** Ids of checkpoints triggered and neither completed nor aborted, ascending. */
    public Set<Long> pendingIds() {
        return new LinkedHashSet<>(pending.keySet());
    }

    /** The highest checkpoint completed in this epoch (or restored at its start). */
    public long latestCompleted() {
        return latestCompleted;
    }

    /** Acks and declines ignored because they belonged to another epoch or an unknown checkpoint. */
    public long ignoredMessages() {
        return ignoredMessages;
    }

    /** Why the job failed, if it did. */
    public Optional<CairnException> failure() {
        return Optional.ofNullable(failure);
    }

    public boolean isStopped() {
        return stopped;
    }

    /**
     * Advances time: aborts checkpoints past their timeout, and triggers the next one when the
     * interval and the minimum pause have passed and fewer than {@code maxConcurrent} are pending.
     */
    public void tick() {
        if (stopped) {
            return;
        }
        long now = time.nanoTime();
        long timeout = config.timeout().toNanos();
        for (PendingCheckpoint p : new ArrayList<>(pending.values())) {
            if (now - p.triggerNanos >= timeout) {
                fail(p.id, "timed out after " + config.timeout() + " waiting for " + p.missing());
                if (stopped) {
                    return;
                }
            }
        }
        if (pending.size() >= config.maxConcurrent() || !config.periodic()) {
            return;
        }
        if (triggeredOnce && now - lastTriggerNanos < config.interval().toNanos()) {
            return;
        }
        if (completedOnce && now - lastCompletionNanos < config.minPause().toNanos()) {
            return;
        }
        trigger();
    }

    /**
     * Triggers a checkpoint now, outside the schedule (a final checkpoint, a test), if fewer than
     * {@code maxConcurrent} are pending.
     *
     * @return the id, or -1 if none was triggered
     */
    public long trigger() {
        if (stopped || pending.size() >= config.maxConcurrent()) {
            return -1;
        }
        long id;
        try {
            id = storage.allocateCheckpointId(); // durable before any operator hears of it
        } catch (CairnException e) {
            lastTriggerNanos = time.nanoTime(); // retry at the next interval, not at every tick
            triggeredOnce = true;
            String reason = "no checkpoint id could be allocated: " + e.getMessage();
            listener.onFailed(0, reason);
            countFailure(reason);
            return -1;
        }
        long now = time.nanoTime();
        pending.put(id, new PendingCheckpoint(id, now, operators));
        triggeredOnce = true;
        lastTriggerNanos = now;
        transport.trigger(epoch, id, triggered);
        return id;
    }

    /** Operator {@code operatorId} acked checkpoint {@code checkpointId}; its descriptor is at {@code ref}. */
    public void onAck(int ackEpoch, String operatorId, long checkpointId, FileRef ref) {
        PendingCheckpoint p = relevant(ackEpoch, operatorId, checkpointId, "ack");
        if (p == null) {
            return;
        }
        LocalSnapshot snapshot;
        try {
            snapshot = storage.readLocalSnapshot(ref);
        } catch (RuntimeException e) {
            fail(checkpointId, "cannot read the local snapshot of '" + operatorId + "' at " + ref.path() + ": " + e.getMessage());
            return;
        }
        if (!snapshot.operatorId().equals(operatorId) || snapshot.checkpointId() != checkpointId
                || snapshot.epoch() != epoch) {
            fail(checkpointId, "local snapshot at " + ref.path() + " is of operator '" + snapshot.operatorId()
                    + "', checkpoint " + snapshot.checkpointId() + ", epoch " + snapshot.epoch() + "; expected '"
                    + operatorId + "', " + checkpointId + ", " + epoch);
            return;
        }
        p.acks.put(operatorId, snapshot);
        if (p.acks.size() == operators.size()) {
            complete(p);
        }
    }

    /** Operator {@code operatorId} declined checkpoint {@code checkpointId}. */
    public void onDecline(int declineEpoch, String operatorId, long checkpointId, String reason) {
        if (relevant(declineEpoch, operatorId, checkpointId, "decline") == null) {
            return;
        }
        fail(checkpointId, "declined by '" + operatorId + "': " + reason);
    }

    private PendingCheckpoint relevant(int msgEpoch, String operatorId, long checkpointId, String what) {
        if (stopped || msgEpoch != epoch || !operators.contains(operatorId)) {
            ignoredMessages++;
            if (msgEpoch != epoch) {
                LOG.debug("job '{}': ignoring {} of checkpoint {} from '{}' of epoch {} (current {})", jobId, what,
                        checkpointId, operatorId, msgEpoch, epoch);
            }
            return null;
        }
        PendingCheckpoint p = pending.get(checkpointId);
        if (p == null) {
            ignoredMessages++;
        }
        return p;
    }

    private void complete(PendingCheckpoint p) {
        Manifest manifest;
        try {
            manifest = buildManifest(p);
            for (FileRef f : manifest.files()) {
                storage.verifyFile(f, false);
            }
        } catch (RuntimeException e) {
            fail(p.id, e.getMessage());
            return;
        }
        if (!stillCurrent()) {
            return;
        }
        try {
            storage.commitManifest(manifest);
        } catch (RuntimeException e) {
            fail(p.id, "manifest could not be committed: " + e.getMessage());
            return;
        }
        long now = time.nanoTime();
        long duration = now - p.triggerNanos;
        pending.remove(p.id);
        latestCompleted = p.id;
        completedOnce = true;
        lastCompletionNanos = now;
        consecutiveFailures = 0;
        metrics.duration.record(duration, TimeUnit.NANOSECONDS);
        metrics.size.record(manifest.totalBytes());
        metrics.inFlightRecords.record(inFlightRecords(manifest));
        metrics.completed.increment();
        metrics.lastCompletedId.set(p.id);
        metrics.lastCompletedMillis.set(manifest.createdAtMillis());
        transport.notifyComplete(epoch, p.id);
        for (Long below : new ArrayList<>(pending.headMap(p.id).keySet())) {
            pending.remove(below);
            metrics.aborted.increment();
            transport.abort(epoch, below);
        }
        long inFlight = 0;
        for (LocalSnapshot s : manifest.operators().values()) {
            inFlight += s.inFlightRecords();
        }
        storage.appendHistory(new CheckpointHistoryEntry(p.id, epoch, CheckpointHistoryEntry.COMPLETED,
                manifest.createdAtMillis(), TimeUnit.NANOSECONDS.toMillis(duration), manifest.totalBytes(), inFlight, null));
        listener.onCompleted(manifest, duration);
        runRetention();
    }

    private Manifest buildManifest(PendingCheckpoint p) {
        if (!checkChannels) {
            return assemble(p);
        }
        InFlightMode mode = config.inFlight();
        for (ChannelId c : topology.channels()) {
            LocalSnapshot sender = p.acks.get(c.from());
            LocalSnapshot receiver = p.acks.get(c.to());
            Long markerOffset = sender.outputs().get(c.toString());
            InputSnapshot in = receiver.inputs().get(c.toString());
            if (markerOffset == null || in == null) {
                throw new CairnException(CairnException.Reason.CHECKPOINT_FAILED, "checkpoint " + p.id + ": channel " + c
                        + " is missing from the local snapshot of '" + (markerOffset == null ? c.from() : c.to()) + "'");
            }
            if (in.position() > markerOffset || (in.closedAt() >= 0 && in.closedAt() != markerOffset)) {
                throw new CairnException(CairnException.Reason.CHECKPOINT_FAILED, "checkpoint " + p.id + ": channel " + c
                        + " is inconsistent: receiver position " + in.position() + ", marker seen at " + in.closedAt()
                        + ", sender's marker at " + markerOffset);
            }
            if (mode == InFlightMode.COPY && in.closedAt() < 0) {
                throw new CairnException(CairnException.Reason.CHECKPOINT_FAILED, "checkpoint " + p.id + ": channel " + c
                        + " was not closed by its marker in copy mode");
            }
        }
        return assemble(p);
    }

    private Manifest assemble(PendingCheckpoint p) {
        Map<String, List<String>> layout = new TreeMap<>();
        for (LocalSnapshot s : p.acks.values()) {
            layout.put(s.operatorId(), s.state().layout());
        }
        InFlightMode mode = config.inFlight();
        Map<String, String> props = new TreeMap<>();
        props.put("durationMillis", Long.toString(TimeUnit.NANOSECONDS.toMillis(time.nanoTime() - p.triggerNanos)));
        return new Manifest(Manifest.CURRENT_FORMAT_VERSION, jobId, p.id, epoch, time.currentTimeMillis(), mode,
                TopologyDescriptor.of(topology, layout), p.acks, channelTopicIds, props);
    }

    private boolean stillCurrent() {
        Optional<EpochRecord> current;
        try {
            current = storage.currentEpoch();
        } catch (RuntimeException e) {
            LOG.warn("job '{}': cannot read the epoch record: {}", jobId, e.getMessage());
            return false;
        }
        if (current.isPresent() && current.get().epoch() != epoch) {
            fence(current.get().epoch());
            return false;
        }
        return true;
    }

    private void fence(int newer) {
        stopped = true;
        failure = new CairnException(CairnException.Reason.FENCED, "coordinator of job '" + jobId + "' in epoch " + epoch
                + " is fenced: epoch " + newer + " is current; it stops without committing or deleting anything");
        LOG.warn(failure.getMessage());
        listener.onJobFailed(failure);
    }

    private void runRetention() {
        try {
            storage.retain(config.retained(), pending.keySet(), epoch);
        } catch (CairnException e) {
            if (e.reason() == CairnException.Reason.FENCED) {
                stopped = true;
                failure = e;
                listener.onJobFailed(e);
            } else {
                LOG.warn("job '{}': retention failed, will retry after the next checkpoint: {}", jobId, e.getMessage());
            }
        }
    }

    private void fail(long checkpointId, String reason) {
        PendingCheckpoint p = pending.remove(checkpointId);
        if (p == null) {
            return;
        }
        transport.abort(epoch, checkpointId);
        storage.appendHistory(new CheckpointHistoryEntry(checkpointId, epoch, CheckpointHistoryEntry.FAILED,
                time.currentTimeMillis(), TimeUnit.NANOSECONDS.toMillis(time.nanoTime() - p.triggerNanos), 0, 0, reason));
        listener.onFailed(checkpointId, reason);
        countFailure("checkpoint " + checkpointId + " of job '" + jobId + "' failed: " + reason);
    }

    private void countFailure(String message) {
        metrics.failed.increment();
        consecutiveFailures++;
        LOG.warn(message);
        if (consecutiveFailures > config.tolerableFailures()) {
            stopped = true;
            failure = new CairnException(CairnException.Reason.CHECKPOINT_FAILED, message + "; " + consecutiveFailures
                    + " consecutive failures exceed tolerableFailures=" + config.tolerableFailures());
            abortAll();
            listener.onJobFailed(failure);
        }
    }

    private void abortAll() {
        for (Long id : new ArrayList<>(pending.keySet())) {
            pending.remove(id);
            metrics.aborted.increment();
            transport.abort(epoch, id);
        }
    }

    /** Stops scheduling and aborts what is pending; idempotent. */
    @Override
    public void close() {
        if (!stopped) {
            stopped = true;
        }
        abortAll();
    }

    private static final class PendingCheckpoint {
        final long id;
        final long triggerNanos;
        final Set<String> expected;
        final Map<String, LocalSnapshot> acks = new HashMap<>();

        PendingCheckpoint(long id, long triggerNanos, Set<String> expected) {
            this.id = id;
            this.triggerNanos = triggerNanos;
            this.expected = expected;
        }

        String missing() {
            List<String> missing = new ArrayList<>();
            for (String op : expected) {
                if (!acks.containsKey(op)) {
                    missing.add(op);
                }
            }
            java.util.Collections.sort(missing);
            return "acks from " + missing;
        }
    }

    /** Collects the coordinator's collaborators. */
    public static final class Builder {
        private Topology topology;
        private CheckpointConfig config = CheckpointConfig.defaults();
        private CheckpointStorage storage;
        private CoordinatorTransport transport;
        private CoordinatorListener listener = new CoordinatorListener() {
        };
        private TimeSource time = TimeSource.SYSTEM;
        private MeterRegistry registry = new SimpleMeterRegistry();
        private CoordinatorMetrics metrics;
        private int epoch;
        private long restoredCheckpoint;
        private Map<String, String> channelTopicIds = Map.of();
        private boolean checkChannels = true;

        private Builder() {
        }

        public Builder topology(Topology topology) {
            this.topology = topology;
            return this;
        }

        public Builder config(CheckpointConfig config) {
            this.config = config;
            return this;
        }

        public Builder storage(CheckpointStorage storage) {
            this.storage = storage;
            return this;
        }

        public Builder transport(CoordinatorTransport transport) {
            this.transport = transport;
            return this;
        }

        public Builder listener(CoordinatorListener listener) {
            this.listener = listener;
            return this;
        }

        public Builder time(TimeSource time) {
            this.time = time;
            return this;
        }

        public Builder registry(MeterRegistry registry) {
            this.registry = registry;
            return this;
        }

        /** Metrics shared with the coordinators of the job's other epochs (else registered anew). */
        public Builder metrics(CoordinatorMetrics metrics) {
            this.metrics = metrics;
            return this;
        }

        /** The epoch this coordinator runs (allocated by the recovery that started it). */
        public Builder epoch(int epoch) {
            this.epoch = epoch;
            return this;
        }

        /** The checkpoint the job restored at the start of this epoch, 0 if fresh. */
        public Builder restoredCheckpoint(long id) {
            this.restoredCheckpoint = id;
            return this;
        }

        public Builder channelTopicIds(Map<String, String> ids) {
            this.channelTopicIds = ids;
            return this;
        }

        /**
         * Test only: skip the check that every channel's two ends agree before a manifest is
         * committed, so the simulation can show that its oracle catches a broken protocol on its own.
         */
        public Builder skipChannelChecksForTesting() {
            this.checkChannels = false;
            return this;
        }

        public CheckpointCoordinator build() {
            return new CheckpointCoordinator(this);
        }
    }

    /**
     * The in-flight records {@code m} captured over all channels: copied records (copy mode), or the
     * offsets of the referenced ranges [receiver position, sender marker offset) (reference mode).
     */
    static long inFlightRecords(Manifest m) {
        long total = 0;
        for (LocalSnapshot receiver : m.operators().values()) {
            for (Map.Entry<String, InputSnapshot> e : receiver.inputs().entrySet()) {
                InputSnapshot in = e.getValue();
                if (m.inFlightMode() == InFlightMode.COPY) {
                    total += Math.max(0, in.inFlightRecords());
                } else if (e.getKey().contains("->")) {
                    LocalSnapshot sender = m.operators().get(ChannelId.parse(e.getKey()).from());
                    Long marker = sender == null ? null : sender.outputs().get(e.getKey());
                    if (marker != null && marker > in.position()) {
                        total += marker - in.position();
                    }
                }
            }
        }
        return total;
    }
}

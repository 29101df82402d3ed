package dev.cairn.kafka.internal;

import dev.cairn.core.CairnException;
import dev.cairn.core.InFlightMode;
import dev.cairn.core.coordinator.CheckpointCoordinator;
import dev.cairn.core.coordinator.CoordinatorListener;
import dev.cairn.core.coordinator.CoordinatorTransport;
import dev.cairn.core.manifest.InputSnapshot;
import dev.cairn.core.manifest.LocalSnapshot;
import dev.cairn.core.manifest.Manifest;
import dev.cairn.core.recovery.RecoveryOptions;
import dev.cairn.core.recovery.RecoveryPlan;
import dev.cairn.core.recovery.RecoveryPlanner;
import dev.cairn.core.storage.CheckpointListing;
import dev.cairn.core.storage.CheckpointStatus;
import dev.cairn.core.storage.CheckpointStorage;
import dev.cairn.core.topology.ChannelId;
import dev.cairn.kafka.Job;
import org.apache.kafka.common.TopicPartition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * The coordinator of a job, in its designated process: waits until every operator has a live
 * process, recovers (a new epoch, restore history first), announces the epoch with its roster,
 * runs the core {@link CheckpointCoordinator} over the control topic, truncates channels below the
 * oldest retained checkpoint, and rolls the whole job back when an operator fails, stops
 * heartbeating, or its process comes back — bounded by the restart policy.
 */
final class CoordinatorService implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(CoordinatorService.class);
    private static final Set<CairnException.Reason> FATAL = EnumSet.of(CairnException.Reason.MALFORMED_INPUT,
            CairnException.Reason.INCOMPATIBLE_RESTORE, CairnException.Reason.CONFIGURATION,
            CairnException.Reason.TOPOLOGY, CairnException.Reason.CORRUPT_CHECKPOINT);
    /** Failures while a new epoch begins that the restart policy retries. */
    private static final Set<CairnException.Reason> RETRIED = EnumSet.of(CairnException.Reason.STORAGE,
            CairnException.Reason.UNAVAILABLE);

    private final JobProcess process;
    private final PhysicalPlan plan;
    private final Job.Settings settings;
    private final CheckpointStorage storage;
    private final LinkedBlockingQueue<ControlMessage> inbox = new LinkedBlockingQueue<>();
    private final Map<String, Liveness> alive = new HashMap<>();
    private final Thread thread;
    private final dev.cairn.core.coordinator.CoordinatorMetrics metrics;
    private volatile boolean closed;
    private volatile long latestCompleted;
    private volatile long stopRequestedAt = -1;
    private final CountDownLatch stopped = new CountDownLatch(1);
    private volatile boolean stoppedWithCheckpoint;
    /** The newest epoch this coordinator wrote (0: none yet). */
    private volatile int epochBegun;

    private static final class Liveness {
        final long firstSeen;
        long lastSeen;
        List<String> nodes;

        Liveness(long now, List<String> nodes) {
            this.firstSeen = now;
            this.lastSeen = now;
            this.nodes = nodes;
        }
    }

    private enum Outcome { ROLLBACK, FINISHED, FAILED, CLOSED }

    CoordinatorService(JobProcess process) {
        this.process = process;
        this.plan = process.plan();
        this.settings = process.settings();
        this.storage = process.storage();
        this.metrics = new dev.cairn.core.coordinator.CoordinatorMetrics(settings.registry(), plan.jobId());
        this.thread = new Thread(this::run, "cairn-" + plan.jobId() + "-coordinator");
        this.thread.setDaemon(true);
    }

    void start() {
        thread.start();
    }

    void onControl(ControlMessage m) {
        switch (m.type()) {
            case HEARTBEAT, ACK, DECLINE, FAILED, FINISHED, COMMITTED -> inbox.add(m);
            default -> {
            }
        }
    }

    long latestCompleted() {
        return latestCompleted;
    }

    boolean stopWithCheckpoint(Duration timeout) {
        stopRequestedAt = System.nanoTime();
        try {
            stopped.await(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return stoppedWithCheckpoint;
    }

    // ------------------------------------------------------------------------------ the loop

    private void run() {
        RecoveryOptions options = settings.recovery();
        int attempts = 0;
        String lastReason = null;
        try {
            while (!closed) {
                Map<String, String> roster = awaitRoster();
                if (roster == null) {
                    return;
                }
                RecoveryPlan recovery;
                try {
                    recovery = recover(options, roster);
                } catch (CairnException e) {
                    if (!RETRIED.contains(e.reason())) {
                        throw e;
                    }
                    // Storage or the broker failing while the new epoch is written is a failed
                    // attempt like a rollback: retried under the restart policy, never fatal at once.
                    attempts++;
                    lastReason = e.getMessage();
                    if (attempts > settings.restartPolicy().maxAttempts()) {
                        failJob(knownEpoch(), "could not begin a new epoch: " + (attempts - 1) + " attempts in a row"
                                + " failed or rolled back (restart policy allows " + settings.restartPolicy().maxAttempts()
                                + "); last cause: " + lastReason, e);
                        return;
                    }
                    LOG.warn("job '{}': beginning a new epoch failed (attempt {} of {}), retrying in {}: {}", plan.jobId(),
                            attempts, settings.restartPolicy().maxAttempts(), settings.restartPolicy().delay(),
                            e.getMessage());
                    pause(settings.restartPolicy().delay());
                    continue;
                }
                options = RecoveryOptions.latest().withMapping(settings.recovery().mapping());
                int epoch = recovery.epoch().epoch();
                latestCompleted = recovery.restoredCheckpointId();
                LOG.info("job '{}': epoch {} starts from checkpoint {} with roster {}", plan.jobId(), epoch,
                        recovery.restoredCheckpointId(), roster);
                process.sendControl(ControlMessage.start(epoch, recovery.restoredCheckpointId(), roster));
                settings.listener().onEpochStarted(epoch, recovery.restoredCheckpointId());
                long completedBefore = latestCompleted;
                Outcome outcome;
                String[] reason = new String[1];
                try (CheckpointCoordinator coordinator = coordinator(epoch, recovery.restoredCheckpointId())) {
                    outcome = runEpoch(coordinator, epoch, roster, reason);
                }
                if (latestCompleted > completedBefore) {
                    attempts = 0; // the epoch made progress
                }
                switch (outcome) {
                    case FINISHED -> {
                        process.sendControl(ControlMessage.stop(epoch));
                        stoppedWithCheckpoint = true;
                        stopped.countDown();
                        process.finish();
                        return;
                    }
                    case FAILED -> {
                        failJob(epoch, reason[0], null);
                        return;
                    }
                    case CLOSED -> {
                        return;
                    }
                    case ROLLBACK -> {
                        attempts++;
                        lastReason = reason[0];
                        settings.listener().onRollback(epoch, reason[0]);
                        if (attempts > settings.restartPolicy().maxAttempts()) {
                            failJob(epoch, "rolled back " + (attempts - 1) + " times in a row (restart policy allows "
                                    + settings.restartPolicy().maxAttempts() + "); last cause: " + lastReason, null);
                            return;
                        }
                        LOG.warn("job '{}': rolling back epoch {} (attempt {} of {}): {}", plan.jobId(), epoch, attempts,
                                settings.restartPolicy().maxAttempts(), reason[0]);
                        pause(settings.restartPolicy().delay());
                    }
                }
            }
        } catch (CairnException e) {
            if (!closed) {
                failJob(knownEpoch(), e.getMessage(), e);
            }
        } catch (RuntimeException e) {
            if (!closed) {
                LOG.error("coordinator of job '{}' failed", plan.jobId(), e);
                failJob(knownEpoch(), "coordinator failed: " + e, new CairnException(CairnException.Reason.CHECKPOINT_FAILED,
                        "coordinator of job '" + plan.jobId() + "' failed: " + e, e));
            }
        }
    }

    /**
     * Chooses the checkpoint, writes the new epoch (restore history first) and checks the channels
     * against it. Throws STORAGE or UNAVAILABLE for a failure that another attempt may not meet;
     * an attempt that failed half-way leaves at most an unused epoch in the restore history, which
     * the next attempt goes above (LocalCheckpointStorage.beginEpoch).
     */
    private RecoveryPlan recover(RecoveryOptions options, Map<String, String> roster) {
        RecoveryPlan recovery = RecoveryPlanner.plan(storage, plan.topology(), options, roster);
        epochBegun = recovery.epoch().epoch();
        recovery.restored().ifPresent(this::checkTopicIds);
        if (recovery.restored().isEmpty()) {
            truncateAllChannels(recovery.epoch().epoch());
        }
        return recovery;
    }

    /** The newest epoch processes of this job may run in: a STOP for it reaches all of them. */
    private int knownEpoch() {
        try {
            return Math.max(epochBegun, storage.currentEpoch().map(r -> r.epoch()).orElse(0));
        } catch (RuntimeException e) {
            return epochBegun;
        }
    }

    private void failJob(int epoch, String reason, CairnException cause) {
        process.sendControl(ControlMessage.stop(epoch, reason));
        CairnException.Reason why = cause == null || cause.reason() == CairnException.Reason.FENCED
                ? CairnException.Reason.CHECKPOINT_FAILED : cause.reason();
        process.fail(new CairnException(why, "job '" + plan.jobId() + "' failed: " + reason, cause));
        stopped.countDown();
    }

    private CheckpointCoordinator coordinator(int epoch, long restored) {
        CoordinatorTransport transport = new CoordinatorTransport() {
            @Override
            public void trigger(int e, long id, Set<String> operators) {
                process.sendControl(ControlMessage.trigger(e, id, new ArrayList<>(operators)));
            }

            @Override
            public void notifyComplete(int e, long upTo) {
                process.sendControl(ControlMessage.complete(e, upTo));
            }

            @Override
            public void abort(int e, long id) {
                process.sendControl(ControlMessage.abort(e, id));
            }
        };
        CoordinatorListener listener = new CoordinatorListener() {
            @Override
            public void onCompleted(Manifest manifest, long durationNanos) {
                latestCompleted = manifest.checkpointId();
                settings.listener().onCheckpointCompleted(manifest, durationNanos);
            }

            @Override
            public void onFailed(long checkpointId, String reason) {
                settings.listener().onCheckpointFailed(checkpointId, reason);
            }
        };
        return CheckpointCoordinator.builder().topology(plan.topology()).config(settings.checkpoints()).storage(storage)
                .transport(transport).listener(listener).metrics(metrics).epoch(epoch)
                .restoredCheckpoint(restored).channelTopicIds(process.channelTopicIds()).build();
    }

    private Outcome runEpoch(CheckpointCoordinator coordinator, int epoch, Map<String, String> roster, String[] reason)
            throws CairnException {
        Set<String> finished = new HashSet<>();
        Map<String, Long> committed = new HashMap<>();
        Set<String> exactlyOnceNodes = plan.exactlyOnceSinkNodes();
        long committedWaitSince = -1;
        long finalCheckpoint = -1;
        long truncatedAfter = latestCompleted;
        long timeoutNanos = settings.heartbeatTimeout().toNanos();
        // channel topics deleted (or deleted and recreated) under the running job: consumers only log
        // "unknown topic" for ever and producers wait, so the job would hang; two checks in a row
        // (a broker restarting may answer one describe oddly) fail it, naming the topics
        long channelCheckNanos = Math.max(TimeUnit.SECONDS.toNanos(1), timeoutNanos / 2);
        long channelsCheckedAt = System.nanoTime();
        String lostBefore = null;
        while (!closed) {
            ControlMessage m;
            try {
                m = inbox.poll(5, TimeUnit.MILLISECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return Outcome.CLOSED;
            }
            long now = System.nanoTime();
            while (m != null) {
                switch (m.type()) {
                    case HEARTBEAT -> {
                        String newcomer = heartbeat(m, now);
                        if (newcomer != null) {
                            // A process that starts for an operator of the roster replaces the one named,
                            // whether that one still heartbeats or not (it may be a paused process that
                            // resumed, or the named process was started twice): the newest wins, and the
                            // new epoch fences the other. Waiting instead would leave the newcomer idle
                            // and alive for ever, since it only learns of epochs that start after it did.
                            for (String node : alive.get(newcomer).nodes) {
                                String assigned = roster.get(node);
                                if (assigned != null && !assigned.equals(newcomer)) {
                                    reason[0] = "operator '" + node + "' is hosted by a new process (" + newcomer
                                            + ") that replaces " + assigned
                                            + (isAlive(assigned, now, timeoutNanos) ? " (which still heartbeats)" : "");
                                    return Outcome.ROLLBACK;
                                }
                            }
                        }
                    }
                    case ACK -> coordinator.onAck(m.epoch(), m.operator(), m.checkpointId(), m.ref());
                    case DECLINE -> coordinator.onDecline(m.epoch(), m.operator(), m.checkpointId(), m.reason());
                    case FAILED -> {
                        if (m.epoch() == epoch) {
                            reason[0] = "operator '" + m.operator() + "' failed: " + m.reason();
                            for (CairnException.Reason r : FATAL) {
                                if (m.reason() != null && m.reason().startsWith(r.name() + ":")) {
                                    return Outcome.FAILED;
                                }
                            }
                            return Outcome.ROLLBACK;
                        }
                    }
                    case FINISHED -> {
                        if (m.epoch() == epoch) {
                            finished.add(m.operator());
                        }
                    }
                    case COMMITTED -> {
                        if (m.epoch() == epoch) {
                            committed.merge(m.operator(), m.checkpointId(), Math::max);
                        }
                    }
                    default -> {
                    }
                }
                m = inbox.poll();
            }
            for (Map.Entry<String, String> e : roster.entrySet()) {
                if (!isAlive(e.getValue(), now, timeoutNanos)) {
                    reason[0] = "the process of operator '" + e.getKey() + "' (" + e.getValue() + ") stopped heartbeating for "
                            + settings.heartbeatTimeout();
                    return Outcome.ROLLBACK;
                }
            }
            if (now - channelsCheckedAt > channelCheckNanos) {
                channelsCheckedAt = now;
                String lost = lostChannelTopics();
                if (lost != null && lost.equals(lostBefore)) {
                    reason[0] = lost;
                    return Outcome.FAILED;
                }
                lostBefore = lost;
            }
            coordinator.tick();
            if (coordinator.failure().isPresent()) {
                reason[0] = coordinator.failure().get().getMessage();
                return coordinator.failure().get().reason() == CairnException.Reason.FENCED ? Outcome.CLOSED : Outcome.FAILED;
            }
            if (latestCompleted > truncatedAfter) {
                truncatedAfter = latestCompleted;
                truncateBelowRetained(epoch);
            }
            boolean allFinished = finished.containsAll(plan.topology().operatorIds());
            if ((allFinished || stopRequestedAt >= 0) && finalCheckpoint < 0) {
                finalCheckpoint = coordinator.trigger();
            }
            if (finalCheckpoint > 0 && latestCompleted >= finalCheckpoint) {
                // Exactly-once sinks make the output public at completion: the job is finished only
                // once each has committed up to the final checkpoint (a STOP sent earlier could stop
                // a sink before its last commit, and the job would report finished without it).
                final long fin = finalCheckpoint;
                if (exactlyOnceNodes.stream().allMatch(n -> committed.getOrDefault(n, 0L) >= fin)) {
                    return Outcome.FINISHED;
                }
                if (committedWaitSince < 0) {
                    committedWaitSince = now;
                } else if (now - committedWaitSince > timeoutNanos) {
                    // completion notices are best effort: ask again rather than wait forever
                    LOG.info("job '{}': exactly-once sinks {} have not reported committing checkpoint {}; sending its"
                            + " completion again", plan.jobId(), exactlyOnceNodes, fin);
                    process.sendControl(ControlMessage.complete(epoch, fin));
                    committedWaitSince = now;
                }
            }
            if (finalCheckpoint > 0 && !coordinator.pendingIds().contains(finalCheckpoint) && latestCompleted < finalCheckpoint) {
                finalCheckpoint = -1; // it failed: try again
            }
        }
        return Outcome.CLOSED;
    }

    private String heartbeat(ControlMessage m, long now) {
        Liveness l = alive.get(m.incarnation());
        if (l == null) {
            alive.put(m.incarnation(), new Liveness(now, m.operators() == null ? List.of() : m.operators()));
            return m.incarnation();
        }
        l.lastSeen = now;
        return null;
    }

    private boolean isAlive(String incarnation, long now, long timeoutNanos) {
        Liveness l = alive.get(incarnation);
        return l != null && now - l.lastSeen < timeoutNanos;
    }

    /** Waits until every node has a live process; picks the newest process for each. */
    private Map<String, String> awaitRoster() {
        long deadline = System.nanoTime() + settings.startTimeout().toNanos();
        long timeoutNanos = settings.heartbeatTimeout().toNanos();
        while (!closed) {
            long now = System.nanoTime();
            ControlMessage m;
            while ((m = inbox.poll()) != null) {
                if (m.type() == ControlMessage.Type.HEARTBEAT) {
                    heartbeat(m, now);
                }
            }
            Map<String, String> roster = new TreeMap<>();
            Map<String, Long> chosenSeen = new HashMap<>();
            for (Map.Entry<String, Liveness> e : alive.entrySet()) {
                if (now - e.getValue().lastSeen >= timeoutNanos) {
                    continue;
                }
                for (String node : e.getValue().nodes) {
                    Long seen = chosenSeen.get(node);
                    if (seen == null || e.getValue().firstSeen > seen) {
                        roster.put(node, e.getKey());
                        chosenSeen.put(node, e.getValue().firstSeen);
                    }
                }
            }
            Set<String> missing = new TreeSet<>(plan.topology().operatorIds());
            missing.removeAll(roster.keySet());
            if (missing.isEmpty()) {
                return roster;
            }
            if (now > deadline) {
                throw new CairnException(CairnException.Reason.UNAVAILABLE, "job '" + plan.jobId() + "': no process hosts"
                        + " operators " + missing + " (no heartbeat within " + settings.startTimeout() + "); start them");
            }
            pause(Duration.ofMillis(20));
        }
        return null;
    }

    /**
     * Waits {@code d} (the restart delay, or a short poll interval), leaving the inbox alone: its
     * heartbeats are read afterwards. It used to return at the first message in the inbox, so with
     * heartbeats arriving every interval the restart delay was hardly ever waited.
     */
    private void pause(Duration d) {
        long deadline = System.nanoTime() + d.toNanos();
        try {
            for (long left = d.toNanos(); left > 0 && !closed; left = deadline - System.nanoTime()) {
                TimeUnit.NANOSECONDS.sleep(Math.min(left, TimeUnit.MILLISECONDS.toNanos(50)));
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /**
     * Which channel topics are gone or were recreated since this process started (their topic id
     * changed): a description for the failure, or null if all are as they were — or if the broker
     * could not be asked now (not evidence either way).
     */
    private String lostChannelTopics() {
        Map<String, String> topicOf = new LinkedHashMap<>();
        for (PhysicalPlan.Edge e : plan.channels().values()) {
            topicOf.put(e.channel().toString(), e.topic());
        }
        Map<String, String> current;
        try {
            current = process.topics().topicIds(topicOf.values());
        } catch (RuntimeException e) {
            return null;
        }
        List<String> lost = new ArrayList<>();
        Map<String, String> started = process.channelTopicIds();
        topicOf.forEach((channel, topic) -> {
            String id = current.get(topic);
            String was = started.get(channel);
            if (id == null) {
                lost.add("'" + topic + "' (channel " + channel + ") was deleted");
            } else if (was != null && !was.equals(id)) {
                lost.add("'" + topic + "' (channel " + channel + ") was deleted and recreated (topic id was " + was
                        + ", is " + id + ")");
            }
        });
        return lost.isEmpty() ? null : "channel topics were deleted under the running job, with the records in"
                + " flight on them: " + String.join("; ", lost) + ". The job stops (a restore would replay records"
                + " that are gone); restore from a checkpoint taken before only if you recreate nothing, or start"
                + " fresh explicitly";
    }

    /** A channel topic deleted and recreated since the checkpoint lost the in-flight records it references. */
    private void checkTopicIds(Manifest m) {
        Map<String, String> now = process.channelTopicIds();
        List<String> changed = new ArrayList<>();
        for (Map.Entry<String, String> e : m.channelTopicIds().entrySet()) {
            String current = now.get(e.getKey());
            if (current != null && !current.equals(e.getValue())) {
                changed.add(e.getKey() + " (topic id was " + e.getValue() + ", is " + current + ")");
            }
        }
        if (!changed.isEmpty()) {
            throw new CairnException(CairnException.Reason.INCOMPATIBLE_RESTORE, "job '" + plan.jobId()
                    + "': channel topics were deleted and recreated since checkpoint " + m.checkpointId() + ": "
                    + String.join(", ", changed) + "; the records it would replay are gone. Restore is refused;"
                    + " start fresh explicitly if that is acceptable");
        }
    }

    /** A fresh start: every record on a channel is from an earlier run; drop them all. */
    private void truncateAllChannels(int epoch) {
        List<TopicPartition> tps = new ArrayList<>();
        for (PhysicalPlan.Edge e : plan.channels().values()) {
            tps.add(new TopicPartition(e.topic(), 0));
        }
        Map<String, Long> before = new HashMap<>();
        process.topics().endOffsets(tps).forEach((tp, end) -> before.put(tp.topic(), end));
        if (stillCurrent(epoch)) {
            process.topics().truncate(before);
        }
    }

    /** Deletes channel records no retained checkpoint may replay (after checking the epoch is current). */
    private void truncateBelowRetained(int epoch) {
        try {
            Map<String, Long> needed = new HashMap<>();
            boolean any = false;
            for (CheckpointListing l : storage.list(false)) {
                if (l.status() != CheckpointStatus.COMPLETE) {
                    continue;
                }
                any = true;
                Manifest m = l.manifest();
                for (PhysicalPlan.Edge e : plan.channels().values()) {
                    ChannelId c = e.channel();
                    LocalSnapshot receiver = m.operators().get(c.to());
                    LocalSnapshot sender = m.operators().get(c.from());
                    if (receiver == null || sender == null) {
                        return; // a checkpoint of another topology: leave the channels alone
                    }
                    InputSnapshot in = receiver.inputs().get(c.toString());
                    Long marker = sender.outputs().get(c.toString());
                    if (in == null || marker == null) {
                        return;
                    }
                    long need = m.inFlightMode() == InFlightMode.COPY ? marker : in.position();
                    needed.merge(e.topic(), need, Math::min);
                }
            }
            if (any && stillCurrent(epoch)) {
                process.topics().truncate(needed);
            }
        } catch (RuntimeException e) {
            LOG.warn("job '{}': truncating channels failed (will retry after the next checkpoint): {}", plan.jobId(), e.toString());
        }
    }

    private boolean stillCurrent(int epoch) {
        return storage.currentEpoch().map(r -> r.epoch() == epoch).orElse(false);
    }

    @Override
    public void close() {
        closed = true;
        thread.interrupt();
        try {
            thread.join(10_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        stopped.countDown();
    }
}

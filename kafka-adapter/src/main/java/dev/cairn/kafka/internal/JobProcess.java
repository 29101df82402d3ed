package dev.cairn.kafka.internal;

import dev.cairn.core.CairnException;
import dev.cairn.core.manifest.Manifest;
import dev.cairn.core.recovery.OperatorRestore;
import dev.cairn.core.recovery.RecoveryPlanner;
import dev.cairn.core.storage.CheckpointStorage;
import dev.cairn.core.storage.EpochRecord;
import dev.cairn.core.storage.LocalCheckpointStorage;
import dev.cairn.core.topology.ChannelId;
import dev.cairn.kafka.Job;
import dev.cairn.kafka.RunningJob;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * One process's part of a job: the operators it hosts (a runner thread each), its connection to
 * the control topic, its heartbeat, and — in the designated process — the coordinator. An
 * operator writes nothing until an epoch's roster names this process's incarnation for it.
 */
public final class JobProcess implements RunningJob {
    private static final Logger LOG = LoggerFactory.getLogger(JobProcess.class);

    private final PhysicalPlan plan;
    private final Job.Settings settings;
    private final Job.Deployment deployment;
    private final Set<String> hosted;
    private final String incarnation = UUID.randomUUID().toString();
    private final LinkedBlockingQueue<ControlMessage> starts = new LinkedBlockingQueue<>();
    private final Map<String, OperatorRunner> runners = new LinkedHashMap<>();
    private final CountDownLatch terminated = new CountDownLatch(1);
    private final Object lock = new Object();
    private final Map<String, NodeMetrics> metrics = new java.util.concurrent.ConcurrentHashMap<>();
    private final Map<String, SinkMetrics> sinkMetrics = new java.util.concurrent.ConcurrentHashMap<>();

    private CheckpointStorage storage;
    private TopicManager topics;
    private ControlPlane control;
    private ScheduledExecutorService heartbeat;
    private CoordinatorService coordinator;
    private Thread manager;
    private Map<String, String> channelTopicIds = Map.of();

    private volatile int epoch;
    private volatile long restored;
    private volatile CairnException failure;
    private volatile boolean closed;
    private long epochLiveNanos;
    private int liveRunners;
    /** When the heartbeat thread last ran (its own field). */
    private long lastBeatNanos;
    /** A newer epoch replaced this process: it sends no more heartbeats. */
    private volatile boolean fenced;

    public JobProcess(PhysicalPlan plan, Job.Settings settings, Job.Deployment deployment) {
        this.plan = plan;
        this.settings = settings;
        this.deployment = deployment;
        this.hosted = deployment.nodesOf(plan);
    }

    public void start() {
        try {
            topics = new TopicManager(settings.kafka(), "cairn-" + plan.jobId() + "-admin-" + incarnation.substring(0, 8),
                    settings.startTimeout(), settings.replicationFactor());
            topics.checkReachable(settings.kafka().bootstrapServers());
            storage = openStorage();
            topics.ensureControl(plan.controlTopic());
            Map<String, String> ids = new LinkedHashMap<>();
            for (PhysicalPlan.Edge e : plan.channels().values()) {
                ids.put(e.channel().toString(), topics.ensureChannel(e.topic()));
            }
            channelTopicIds = ids;
            for (LogicalOp op : plan.ops().values()) {
                if (op.kind() == LogicalOp.Kind.SOURCE) {
                    topics.partitionsOf(op.topic(), "source of '" + op.id() + "'");
                } else if (op.kind() == LogicalOp.Kind.SINK) {
                    topics.partitionsOf(op.topic(), "sink of '" + op.id() + "'");
                }
            }
            control = new ControlPlane(settings.kafka(), plan.controlTopic(), "cairn-" + plan.jobId() + "-"
                    + incarnation.substring(0, 8), this::onControl, this::onControlFailure);
            control.start();
            manager = new Thread(this::manage, "cairn-" + plan.jobId() + "-manager");
            manager.setDaemon(true);
            manager.start();
            heartbeat = Executors.newSingleThreadScheduledExecutor(r -> {
                Thread t = new Thread(r, "cairn-" + plan.jobId() + "-heartbeat");
                t.setDaemon(true);
                return t;
            });
            List<String> nodes = new ArrayList<>(hosted);
            heartbeat.scheduleAtFixedRate(() -> beat(nodes), 0, settings.heartbeatInterval().toMillis(),
                    TimeUnit.MILLISECONDS);
            if (deployment.coordinator()) {
                coordinator = new CoordinatorService(this);
                coordinator.start();
            }
        } catch (RuntimeException e) {
            close();
            throw e;
        }
    }

    /**
     * Opens the checkpoint storage, which proves it writable. A failure is retried until the start
     * timeout, like an unreachable broker: a process (re)started while storage fails for a while —
     * the torture run restarts processes during such faults — waits for it instead of failing for
     * good; a directory that stays unusable is still a clear error at start, naming the path.
     */
    private CheckpointStorage openStorage() {
        long deadline = System.nanoTime() + settings.startTimeout().toNanos();
        long retryNanos = Math.max(TimeUnit.MILLISECONDS.toNanos(50), settings.restartPolicy().delay().toNanos());
        for (int attempt = 1; ; attempt++) {
            try {
                return LocalCheckpointStorage.open(settings.checkpointDirectory(), plan.jobId(), settings.storageFs());
            } catch (CairnException e) {
                long left = deadline - System.nanoTime();
                if (e.reason() != CairnException.Reason.STORAGE || left <= 0) {
                    if (attempt == 1) {
                        throw e;
                    }
                    throw new CairnException(e.reason(), e.getMessage() + " (still failing after " + attempt
                            + " attempts within the start timeout " + settings.startTimeout() + ")", e);
                }
                LOG.warn("job '{}': checkpoint storage cannot be used (attempt {}), retrying until the start timeout {}:"
                        + " {}", plan.jobId(), attempt, settings.startTimeout(), e.getMessage());
                try {
                    TimeUnit.NANOSECONDS.sleep(Math.min(retryNanos, left));
                } catch (InterruptedException interrupted) {
                    Thread.currentThread().interrupt();
                    throw e;
                }
            }
        }
    }

    // ------------------------------------------------------------------------------ accessors

    PhysicalPlan plan() {
        return plan;
    }

    Job.Settings settings() {
        return settings;
    }

    CheckpointStorage storage() {
        return storage;
    }

    TopicManager topics() {
        return topics;
    }

    String incarnation() {
        return incarnation;
    }

    Map<String, String> channelTopicIds() {
        return channelTopicIds;
    }

    NodeMetrics metrics(String node, List<ChannelId> inputs) {
        return metrics.computeIfAbsent(node, n -> new NodeMetrics(settings.registry(), plan.jobId(), n, inputs));
    }

    SinkMetrics sinkMetrics(String sink) {
        return sinkMetrics.computeIfAbsent(sink, n -> new SinkMetrics(settings.registry(), plan.jobId(), n, System::nanoTime));
    }

    void sendControl(ControlMessage m) {
        ControlPlane c = control;
        if (c != null && !closed) {
            c.send(m, e -> LOG.warn("job '{}': control message {} could not be sent: {}", plan.jobId(), m.type(), e.toString()));
        }
    }

    // ------------------------------------------------------------------------------ heartbeat

    /**
     * Sends a heartbeat, unless this process was silent for longer than the heartbeat timeout (it
     * was paused, or starved) and storage shows that a newer epoch replaced it meanwhile: then it
     * must not announce itself again — to a coordinator that restarted meanwhile it would look
     * like a new process and take its operators back — and it stops instead (DESIGN.md, "Epochs,
     * rosters and fencing"). The START of that epoch on the control topic would fence it too, but
     * only once the backlog that piled up while it was paused has been read.
     */
    private void beat(List<String> nodes) {
        long now = System.nanoTime();
        long silent = lastBeatNanos == 0 ? 0 : now - lastBeatNanos;
        lastBeatNanos = now;
        if (fenced) {
            return;
        }
        if (silent >= settings.heartbeatTimeout().toNanos() && epoch > 0 && !hosted.isEmpty()
                && replacedInStorage(silent)) {
            return;
        }
        sendControl(ControlMessage.heartbeat(incarnation, nodes));
    }

    /** True (and the manager is told to stop this process) if a newer epoch names none of its operators. */
    private boolean replacedInStorage(long silentNanos) {
        int running = epoch;
        Optional<EpochRecord> current;
        try {
            current = storage.currentEpoch();
        } catch (RuntimeException e) {
            LOG.warn("job '{}': process {} was silent for {} ms; cannot read the epoch record to see whether it was"
                    + " replaced ({}); the control topic will tell", plan.jobId(), incarnation,
                    TimeUnit.NANOSECONDS.toMillis(silentNanos), e.toString());
            return false;
        }
        if (current.isEmpty() || current.get().epoch() <= running) {
            return false;
        }
        for (String node : hosted) {
            if (incarnation.equals(current.get().roster().get(node))) {
                return false; // named in the newer epoch: its START is on the way
            }
        }
        fenced = true;
        LOG.warn("job '{}': process {} was silent for {} ms (heartbeat timeout {}) and epoch {} replaced it meanwhile;"
                + " it sends no more heartbeats, stops its operators and exits", plan.jobId(), incarnation,
                TimeUnit.NANOSECONDS.toMillis(silentNanos), settings.heartbeatTimeout(), current.get().epoch());
        starts.add(ControlMessage.start(current.get().epoch(), current.get().restoredCheckpointId(),
                current.get().roster()));
        return true;
    }

    // ------------------------------------------------------------------------------ control

    private void onControl(ControlMessage m) {
        switch (m.type()) {
            // In one queue, in topic order: a trigger of epoch E must not overtake E's start.
            case START, STOP, TRIGGER, COMPLETE, ABORT -> starts.add(m);
            default -> {
            }
        }
        CoordinatorService c = coordinator;
        if (c != null) {
            c.onControl(m);
        }
    }

    private void onControlFailure(Throwable t) {
        fail(new CairnException(CairnException.Reason.UNAVAILABLE, "job '" + plan.jobId()
                + "': the control topic cannot be read: " + t, t));
    }

    /** Applies START and STOP messages in order, on one thread (stopping runners blocks). */
    private void manage() {
        try {
            while (!closed) {
                ControlMessage m = starts.poll(200, TimeUnit.MILLISECONDS);
                if (m == null) {
                    continue;
                }
                if (m.type() == ControlMessage.Type.TRIGGER || m.type() == ControlMessage.Type.COMPLETE
                        || m.type() == ControlMessage.Type.ABORT) {
                    synchronized (lock) {
                        for (OperatorRunner r : runners.values()) {
                            if (r.epoch == m.epoch()) {
                                r.mailbox.add(m);
                            }
                        }
                    }
                    continue;
                }
                if (m.type() != ControlMessage.Type.TRIGGER) {
                    LOG.debug("job '{}' process {}: {} of epoch {} (running epoch {})", plan.jobId(), incarnation, m.type(),
                            m.epoch(), epoch);
                }
                if (m.type() == ControlMessage.Type.STOP) {
                    if (m.epoch() >= epoch) {
                        stopRunners();
                        if (m.reason() != null) {
                            fail(new CairnException(CairnException.Reason.CHECKPOINT_FAILED, "job '" + plan.jobId()
                                    + "' failed: " + m.reason()));
                        } else {
                            settings.listener().onFinished();
                            terminated.countDown();
                        }
                        return;
                    }
                    continue;
                }
                if (m.epoch() <= epoch) {
                    continue; // an older epoch's start, read late
                }
                begin(m);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (RuntimeException e) {
            fail(e instanceof CairnException ce ? ce
                    : new CairnException(CairnException.Reason.OPERATOR_FAILED, "job '" + plan.jobId() + "': " + e, e));
        }
    }

    private void begin(ControlMessage start) {
        stopRunners();
        epoch = start.epoch();
        restored = start.checkpointId();
        Map<String, String> roster = start.roster() == null ? Map.of() : start.roster();
        List<String> mine = new ArrayList<>();
        for (String node : hosted) {
            if (incarnation.equals(roster.get(node))) {
                mine.add(node);
            }
        }
        if (mine.isEmpty()) {
            if (!hosted.isEmpty()) {
                fenced = true;
                Map<String, String> elsewhere = new TreeMap<>();
                for (String node : hosted) {
                    elsewhere.put(node, roster.getOrDefault(node, "no process"));
                }
                LOG.warn("job '{}': epoch {} runs this process's operators elsewhere ({}); this process ({}) was"
                        + " replaced and exits, and nothing it still writes is accepted", plan.jobId(), epoch, elsewhere,
                        incarnation);
                fail(new CairnException(CairnException.Reason.FENCED, "job '" + plan.jobId() + "': epoch " + epoch
                        + " runs operators " + hosted + " elsewhere; this process was replaced"));
            }
            return;
        }
        LOG.info("job '{}': process {} runs {} in epoch {} ({})", plan.jobId(), incarnation, new TreeSet<>(mine),
                epoch, restored == 0 ? "fresh start" : "restoring checkpoint " + restored);
        Manifest manifest = restored == 0 ? null : storage.readManifest(restored);
        Map<String, OperatorRestore> plans = RecoveryPlanner.planFor(manifest, plan.topology(), settings.recovery().mapping());
        synchronized (lock) {
            epochLiveNanos = 0;
            liveRunners = 0;
            for (String node : mine) {
                OperatorRunner r = new OperatorRunner(this, plan, plan.node(node), epoch, plans.get(node));
                runners.put(node, r);
            }
            for (OperatorRunner r : runners.values()) {
                r.start();
            }
        }
    }

    private void stopRunners() {
        List<OperatorRunner> old;
        synchronized (lock) {
            old = new ArrayList<>(runners.values());
            runners.clear();
        }
        for (OperatorRunner r : old) {
            r.stop();
        }
    }

    void onRunnerLive(OperatorRunner runner, long nanos) {
        boolean all;
        synchronized (lock) {
            if (runner.epoch != epoch) {
                return;
            }
            epochLiveNanos = Math.max(epochLiveNanos, nanos);
            liveRunners++;
            all = liveRunners == runners.size();
        }
        if (all) {
            settings.listener().onRestored(runner.epoch, restored, epochLiveNanos);
        }
    }

    void onRunnerFailed(OperatorRunner runner, Throwable t) {
        String reason = (t instanceof CairnException ce ? ce.reason() + ": " : "") + t.getMessage();
        sendControl(ControlMessage.failed(runner.epoch, runner.nodeId(), incarnation, reason));
    }

    void fail(CairnException e) {
        if (failure == null) {
            failure = e;
            LOG.error("job '{}' failed: {}", plan.jobId(), e.getMessage());
            settings.listener().onFailed(e);
        }
        terminated.countDown();
    }

    void finish() {
        terminated.countDown();
    }

    // ------------------------------------------------------------------------------ RunningJob

    @Override
    public int epoch() {
        return epoch;
    }

    @Override
    public long restoredCheckpoint() {
        return restored;
    }

    @Override
    public long latestCompletedCheckpoint() {
        CoordinatorService c = coordinator;
        return c == null ? 0 : c.latestCompleted();
    }

    @Override
    public boolean stopWithCheckpoint(Duration timeout) {
        CoordinatorService c = coordinator;
        if (c == null) {
            throw new CairnException(CairnException.Reason.CONFIGURATION, "job '" + plan.jobId()
                    + "': only the coordinator's process can stop the job with a checkpoint");
        }
        return c.stopWithCheckpoint(timeout);
    }

    @Override
    public boolean awaitTermination(Duration timeout) throws InterruptedException {
        return terminated.await(timeout.toMillis(), TimeUnit.MILLISECONDS);
    }

    @Override
    public boolean isTerminated() {
        return terminated.getCount() == 0;
    }

    @Override
    public Optional<CairnException> failure() {
        return Optional.ofNullable(failure);
    }

    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        if (coordinator != null) {
            coordinator.close();
        }
        if (heartbeat != null) {
            heartbeat.shutdownNow();
        }
        stopRunners();
        if (manager != null) {
            manager.interrupt();
        }
        if (control != null) {
            control.close();
        }
        if (topics != null) {
            topics.close();
        }
        if (storage != null) {
            storage.close();
        }
        terminated.countDown();
    }

}

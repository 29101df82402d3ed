package dev.cairn.core.simulation;

import dev.cairn.core.CairnException;
import dev.cairn.core.CheckpointConfig;
import dev.cairn.core.InFlightMode;
import dev.cairn.core.coordinator.CheckpointCoordinator;
import dev.cairn.core.coordinator.CoordinatorTransport;
import dev.cairn.core.coordinator.TimeSource;
import dev.cairn.core.manifest.FileRef;
import dev.cairn.core.manifest.InputSnapshot;
import dev.cairn.core.manifest.LocalSnapshot;
import dev.cairn.core.manifest.Manifest;
import dev.cairn.core.protocol.ProtocolDefect;
import dev.cairn.core.recovery.ChannelStateFile;
import dev.cairn.core.recovery.RecoveryOptions;
import dev.cairn.core.recovery.RecoveryPlan;
import dev.cairn.core.recovery.RecoveryPlanner;
import dev.cairn.core.state.StateBackend;
import dev.cairn.core.storage.CheckpointStorage;
import dev.cairn.core.storage.EpochRecord;
import dev.cairn.core.storage.RetentionResult;
import dev.cairn.core.storage.SimulatedCrash;
import dev.cairn.core.topology.ChannelId;
import dev.cairn.core.topology.Topology;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;

import java.util.ArrayList;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.Supplier;

/**
 * A deterministic simulation of a job: channels are append-only logs that survive crashes,
 * storage loses what was not made durable at a crash, and a seeded scheduler picks the next step
 * at random — a fetch, a record, a marker, a coordinator message delivered late or out of order,
 * asynchronous work finishing, a crash. The protocol, coordinator, restore rules and storage under
 * test are the production classes; the {@link Oracle} checks every snapshot and restore.
 */
public final class Simulation {
    /** Kinds of control messages. */
    public enum Kind { TRIGGER, COMPLETE, ABORT, ACK, DECLINE }

    /** A control message between the coordinator and an operator. */
    public record Message(Kind kind, int epoch, long checkpointId, String operatorId, FileRef ref, String reason) {
    }

    private record InFlight(long deliverAt, String target, Message message) {
    }

    private static final String COORDINATOR = "";

    private final SimulationConfig config;
    private final SimStorage storageEnv;
    private final Supplier<StateBackend> backendFactory;
    private final Random random;
    private final Workload workload;
    private final Topology topology;
    private final Oracle oracle;
    private final Map<ChannelId, SimLog> channels = new LinkedHashMap<>();
    private final Map<String, SimLog> externals = new TreeMap<>();
    private StateBackend backend;

    private final Map<String, SimHost> hosts = new LinkedHashMap<>();
    private final List<SimHost> zombies = new ArrayList<>();
    private final Map<SimHost, Integer> zombieLife = new HashMap<>();
    private CheckpointCoordinator coordinator;
    private CheckpointStorage storage;
    private final List<CheckpointStorage> opened = new ArrayList<>();
    private Stalled stalled;
    private CoordinatorStorage coordinatorStorage;
    private final List<InFlight> network = new ArrayList<>();
    private final Map<Long, Map<String, FileRef>> acked = new HashMap<>();

    private long now;
    private long nextMsgId = 1;
    private boolean crashesEnabled;
    private boolean sourcesOpen = true;
    private int epochNow;
    private int healAtStep = -1;

    private int crashCount;
    private final Map<CrashWindow, Integer> windowsHit = new EnumMap<>(CrashWindow.class);
    private final Set<Long> localSnapshotsWritten = new HashSet<>();
    private boolean crashedInRetention;
    private int restoreCount;
    private int completedCount;
    private int stepCount;

    public Simulation(SimulationConfig config, SimStorage storageEnv, Supplier<StateBackend> backendFactory) {
        this.config = config;
        this.storageEnv = storageEnv;
        this.backendFactory = backendFactory;
        this.random = new Random(config.seed() * 0x9E3779B97F4A7C15L + 17);
        this.workload = config.workload();
        this.topology = workload.topology();
        topology.validateFor(config.checkpoints().triggers(), config.checkpoints().alignment());
        this.oracle = new Oracle(topology, workload);
        for (ChannelId c : topology.channels()) {
            channels.put(c, new SimLog(c.toString()));
        }
        for (Map.Entry<String, List<byte[][]>> e : workload.externalInputs().entrySet()) {
            SimLog log = externalLog(e.getKey());
            List<Long> ids = new ArrayList<>();
            for (byte[][] kv : e.getValue()) {
                long id = nextMsgId();
                log.append(0, 0, kv[0], kv[1], id, null);
                ids.add(id);
            }
            oracle.externalMessages(e.getKey(), ids);
        }
    }

    // ------------------------------------------------------------------------------------ accessors for hosts

    SimLog channelLog(ChannelId c) {
        return channels.get(c);
    }

    SimLog externalLog(String name) {
        return externals.computeIfAbsent(name, SimLog::new);
    }

    StateBackend backend() {
        return backend;
    }

    Workload workload() {
        return workload;
    }

    Oracle oracle() {
        return oracle;
    }

    Random random() {
        return random;
    }

    long now() {
        return now;
    }

    long nextMsgId() {
        return nextMsgId++;
    }

    boolean sourcesOpen() {
        return sourcesOpen;
    }

    Set<ProtocolDefect> protocolDefects() {
        return config.protocolDefects();
    }

    Set<SimDefect> simDefects() {
        return config.simDefects();
    }

    void sendToCoordinator(Message m) {
        if (m.kind() == Kind.ACK) {
            acked.computeIfAbsent(m.checkpointId(), k -> new HashMap<>()).put(m.operatorId(), m.ref());
        }
        network.add(new InFlight(now + delay(), COORDINATOR, m));
    }

    private long delay() {
        return random.nextInt(100) < config.reorderPercent() ? random.nextInt(20_000_000) : random.nextInt(1_000_000);
    }

    // ------------------------------------------------------------------------------------ the run

    /** Runs the scenario and returns what the oracle found. */
    public SimulationResult run() {
        crashesEnabled = config.crashes();
        backend = backendFactory.get();
        try {
            start(false);
            for (int i = 0; i < config.steps(); i++) {
                step();
            }
            // Drain: no more crashes; run until nothing is in flight, then check the final state.
            crashesEnabled = false;
            storageEnv.disarm();
            storageEnv.failWrites(false);
            for (SimHost z : zombies) {
                z.stop();
            }
            zombies.clear();
            stalled = null;
            int budget = 200_000;
            while (busy() && budget-- > 0) {
                step();
            }
            if (busy()) {
                oracle.violation("the run did not drain within 200000 steps after the last crash");
            } else {
                Map<String, Object> views = new HashMap<>();
                for (SimHost h : hosts.values()) {
                    views.put(h.operatorId, workload.view(h.operatorId, h.store));
                }
                oracle.onQuiescent(views);
            }
        } catch (RuntimeException | AssertionError e) {
            oracle.violation("unexpected " + e + " at step " + stepCount + stackTop(e));
        } finally {
            for (SimHost h : hosts.values()) {
                h.stop();
            }
            for (CheckpointStorage s : opened) {
                try {
                    s.close();
                } catch (RuntimeException | SimulatedCrash ignored) {
                    // the run is over
                }
            }
        }
        return new SimulationResult(config, oracle.violations(), stepCount, crashCount, restoreCount, completedCount,
                oracle.checkedSnapshots(), oracle.checkedRestores(), windowsHit);
    }

    private static String stackTop(Throwable e) {
        StringBuilder sb = new StringBuilder();
        Throwable t = e;
        while (t != null) {
            StackTraceElement[] st = t.getStackTrace();
            for (int i = 0; i < Math.min(6, st.length); i++) {
                sb.append("\n    at ").append(st[i]);
            }
            t = t.getCause();
            if (t != null) {
                sb.append("\n  caused by ").append(t);
            }
        }
        return sb.toString();
    }

    private boolean busy() {
        for (SimHost h : hosts.values()) {
            if (h.busy()) {
                return true;
            }
        }
        return false;
    }

    private void step() {
        stepCount++;
        if (stepCount == healAtStep) {
            storageEnv.failWrites(false);
        }
        now += random.nextInt(config.maxStepMicros() * 1_000);
        List<Runnable> steps = new ArrayList<>();
        steps.add(this::tickCoordinator);
        boolean anyDue = false;
        for (InFlight f : network) {
            if (f.deliverAt() <= now) {
                anyDue = true;
                break;
            }
        }
        if (anyDue) {
            steps.add(this::deliverOne);
            steps.add(this::deliverOne);
        }
        for (SimHost h : hosts.values()) {
            h.enabledSteps(steps);
        }
        if (!zombies.isEmpty()) {
            List<Runnable> zombieSteps = new ArrayList<>();
            for (SimHost z : zombies) {
                z.enabledSteps(zombieSteps);
            }
            for (Runnable r : zombieSteps) {
                steps.add(() -> {
                    hit(CrashWindow.ZOMBIE_OPERATOR_ACTED);
                    r.run();
                });
            }
        }
        if (stalled != null && now >= stalled.wakeAt) {
            steps.add(this::wakeStalled);
        }
        Runnable chosen = steps.get(random.nextInt(steps.size()));
        try {
            chosen.run();
            if (crashesEnabled && random.nextInt(config.crashEvery()) == 0) {
                crash("random kill");
            }
        } catch (SimulatedCrash c) {
            crash("crash point: " + c.getMessage());
        }
        ageZombies();
    }

    private void tickCoordinator() {
        if (coordinator != null) {
            coordinator.tick();
            if (coordinator.failure().isPresent() && coordinator.failure().get().reason() != CairnException.Reason.FENCED) {
                crash("job failure: " + coordinator.failure().get().getMessage());
            }
        }
    }

    private void deliverOne() {
        List<Integer> due = new ArrayList<>();
        for (int i = 0; i < network.size(); i++) {
            if (network.get(i).deliverAt() <= now) {
                due.add(i);
            }
        }
        if (due.isEmpty()) {
            return;
        }
        InFlight f = network.remove((int) due.get(random.nextInt(due.size())));
        Message m = f.message();
        if (f.target().equals(COORDINATOR)) {
            if (stalled != null) {
                stalled.inbox.add(m);
            }
            if (coordinator != null) {
                deliverToCoordinator(coordinator, m);
            }
            return;
        }
        SimHost h = hosts.get(f.target());
        if (h != null) {
            h.mailbox.add(m);
        }
        for (SimHost z : zombies) {
            if (z.operatorId.equals(f.target())) {
                z.mailbox.add(m);
            }
        }
    }

    private static void deliverToCoordinator(CheckpointCoordinator c, Message m) {
        if (m.kind() == Kind.ACK) {
            c.onAck(m.epoch(), m.operatorId(), m.checkpointId(), m.ref());
        } else if (m.kind() == Kind.DECLINE) {
            c.onDecline(m.epoch(), m.operatorId(), m.checkpointId(), m.reason());
        }
    }

    private void ageZombies() {
        for (Iterator<SimHost> it = zombies.iterator(); it.hasNext(); ) {
            SimHost z = it.next();
            int left = zombieLife.merge(z, -1, Integer::sum);
            if (left <= 0 || z.dead) {
                z.stop();
                zombieLife.remove(z);
                it.remove();
            }
        }
    }

    private void wakeStalled() {
        Stalled s = stalled;
        stalled = null;
        if (s.coordinator.epoch() < epochNow) {
            hit(CrashWindow.STALLED_COORDINATOR_WOKE);
        }
        for (Message m : s.inbox) {
            deliverToCoordinator(s.coordinator, m);
        }
        s.coordinator.tick();
    }

    // ------------------------------------------------------------------------------------ crash and restore

    private void hit(CrashWindow w) {
        windowsHit.merge(w, 1, Integer::sum);
    }

    /** Counts the named windows a crash happening now falls into (draws no randomness). */
    private void classifyCrash() {
        if (crashedInRetention) {
            crashedInRetention = false;
            hit(CrashWindow.DURING_RETENTION);
        }
        if (coordinator != null) {
            for (long id : coordinator.pendingIds()) {
                if (localSnapshotsWritten.contains(id)) {
                    hit(CrashWindow.LOCAL_SNAPSHOT_BEFORE_MANIFEST);
                    break;
                }
            }
        }
        for (SimHost h : hosts.values()) {
            if (h.isReplaying()) {
                hit(CrashWindow.DURING_REPLAY);
                break;
            }
        }
    }

    private void crash(String why) {
        classifyCrash();
        boolean machine = why.startsWith("crash point") || random.nextBoolean();
        crashCount++;
        // An operator process may survive as a zombie for a while; the coordinator may stall and wake later.
        if (!hosts.isEmpty() && random.nextInt(3) == 0) {
            List<SimHost> all = new ArrayList<>(hosts.values());
            SimHost z = all.get(random.nextInt(all.size()));
            z.zombie = true;
            zombies.add(z);
            zombieLife.put(z, 20 + random.nextInt(200));
            hosts.remove(z.operatorId);
        }
        for (SimHost h : hosts.values()) {
            h.stop();
        }
        hosts.clear();
        if (coordinator != null) {
            if (random.nextInt(3) == 0) {
                // It stalled right after checking that its epoch is current: when it wakes, it acts on that belief.
                coordinatorStorage.pretendEpoch = coordinator.epoch();
                stalled = new Stalled(coordinator, now + random.nextInt(100_000_000));
            } else {
                coordinator.close();
            }
            coordinator = null;
        }
        if (machine) {
            storageEnv.crash(); // the machine died: what was not fsynced is gone
        }
        start(random.nextInt(100) < config.freshStartPercent());
    }

    /** Starts (or restarts) the job: recovery, a new coordinator and every operator, in a new epoch. */
    private void start(boolean forceFresh) {
        storageEnv.failWrites(false);
        for (int attempt = 0; ; attempt++) {
            if (crashesEnabled && random.nextInt(2) == 0) {
                storageEnv.armCrashAfter(1 + random.nextInt(400));
            } else {
                storageEnv.disarm();
            }
            try {
                CheckpointStorage raw = storageEnv.open();
                opened.add(raw);
                storage = new ObservedStorage(raw);
                Map<String, String> roster = new TreeMap<>();
                for (String op : topology.operatorIds()) {
                    roster.put(op, "sim-" + op + "-" + stepCount + "-" + attempt);
                }
                RecoveryOptions options = RecoveryOptions.latest().withForceFresh(forceFresh);
                RecoveryPlan plan = RecoveryPlanner.plan(storage, topology, options, roster);
                epochNow = plan.epoch().epoch();
                restoreCount++;
                oracle.onRestore(epochNow, plan.restoredCheckpointId(), forceFresh);
                acked.clear();
                CoordinatorStorage coordStorage = new CoordinatorStorage(raw);
                coordinatorStorage = coordStorage;
                CheckpointCoordinator.Builder cb = CheckpointCoordinator.builder().topology(topology)
                        .config(config.checkpoints()).storage(coordStorage).transport(transport(epochNow)).time(time())
                        .registry(new SimpleMeterRegistry()).epoch(epochNow)
                        .restoredCheckpoint(plan.restoredCheckpointId());
                if (!config.coordinatorChecks()) {
                    // Show that the oracle catches a broken protocol on its own, not only the coordinator's checks.
                    cb.skipChannelChecksForTesting();
                }
                coordinator = cb.build();
                for (String op : topology.operatorIds()) {
                    hosts.put(op, new SimHost(this, op, epochNow, plan.operator(op), config.checkpoints(), storage, topology));
                }
                if (crashesEnabled && random.nextInt(6) == 0) {
                    storageEnv.failWrites(true); // storage fails writes for a while
                    healAtStep = stepCount + 20 + random.nextInt(300);
                }
                return;
            } catch (SimulatedCrash c) {
                crashCount++;
                hit(CrashWindow.DURING_RESTORE);
                for (SimHost h : hosts.values()) {
                    h.stop();
                }
                hosts.clear();
                coordinator = null;
                storageEnv.crash();
                // the operator's intent (a forced fresh start) stands for the retry
                if (attempt > 50) {
                    throw new IllegalStateException("could not restart after 50 crashes during restore");
                }
            }
        }
    }

    private TimeSource time() {
        return new TimeSource() {
            @Override
            public long nanoTime() {
                return now;
            }

            @Override
            public long currentTimeMillis() {
                return 1_700_000_000_000L + now / 1_000_000;
            }
        };
    }

    private CoordinatorTransport transport(int epoch) {
        return new CoordinatorTransport() {
            @Override
            public void trigger(int e, long id, Set<String> operators) {
                for (String op : operators) {
                    network.add(new InFlight(now + delay(), op, new Message(Kind.TRIGGER, e, id, op, null, null)));
                }
            }

            @Override
            public void notifyComplete(int e, long upTo) {
                completedCount++;
                for (String op : topology.operatorIds()) {
                    network.add(new InFlight(now + delay(), op, new Message(Kind.COMPLETE, e, upTo, op, null, null)));
                }
            }

            @Override
            public void abort(int e, long id) {
                for (String op : topology.operatorIds()) {
                    network.add(new InFlight(now + delay(), op, new Message(Kind.ABORT, e, id, op, null, null)));
                }
            }
        };
    }

    /** The in-flight records of channel {@code c} in checkpoint {@code m}, read as a restore would. */
    private List<SimRecord> inFlight(Manifest m, ChannelId c, CheckpointStorage from) {
        LocalSnapshot receiver = m.operators().get(c.to());
        LocalSnapshot sender = m.operators().get(c.from());
        InputSnapshot in = receiver.inputs().get(c.toString());
        SimLog log = channels.get(c);
        List<SimRecord> out = new ArrayList<>();
        if (m.inFlightMode() == InFlightMode.COPY) {
            if (in.channelState() != null) {
                ChannelStateFile.read(from.openFile(in.channelState()), c, in.channelState().path(),
                        e -> out.add(new SimRecord(e.offset(), 0, 0, e.key(), e.value(), log.get(e.offset()).msgId(), null)));
            }
        } else {
            long to = sender.outputs().get(c.toString());
            for (long off = in.position(); off < to; off++) {
                SimRecord r = log.get(off);
                if (!r.isMarker() && r.epoch() >= m.epoch()) {
                    out.add(r);
                }
            }
        }
        return out;
    }

    /**
     * Storage as the coordinator and hosts see it, with the oracle watching commits and retention
     * (and the deliberately broken variants, when a test asks for them).
     */
    private class ObservedStorage extends ForwardingStorage {

        ObservedStorage(CheckpointStorage delegate) {
            super(delegate);
        }

        @Override
        public void commitManifest(Manifest manifest) {
            oracle.onCommitAttempt(manifest.checkpointId(), manifest.epoch());
            super.commitManifest(manifest);
            localSnapshotsWritten.remove(manifest.checkpointId());
            oracle.onCommitted(manifest, c -> inFlight(manifest, c, delegate));
        }

        @Override
        public FileRef writeLocalSnapshot(LocalSnapshot snapshot) {
            FileRef ref = super.writeLocalSnapshot(snapshot);
            localSnapshotsWritten.add(snapshot.checkpointId());
            return ref;
        }

        @Override
        public RetentionResult retain(int keep, Set<Long> pending, int coordinatorEpoch) {
            Set<Long> p = simDefects().contains(SimDefect.RETENTION_IGNORES_PENDING) ? Set.of() : pending;
            int e = simDefects().contains(SimDefect.RETENTION_WITHOUT_EPOCH_CHECK) ? epochNow : coordinatorEpoch;
            RetentionResult result;
            try {
                result = super.retain(keep, p, e);
            } catch (SimulatedCrash c) {
                crashedInRetention = true;
                throw c;
            }
            checkPendingSurvived(coordinatorEpoch);
            return result;
        }

        @Override
        public EpochRecord beginEpoch(long restoredCheckpointId, Map<String, String> roster) {
            if (restoredCheckpointId == 0 && simDefects().contains(SimDefect.FRESH_START_NOT_IN_HISTORY)) {
                // Broken on purpose: the fresh start is written as if it restored the newest complete
                // checkpoint, so nothing taken before it counts as abandoned.
                long newest = 0;
                for (var l : delegate.list(false)) {
                    if (l.status() == dev.cairn.core.storage.CheckpointStatus.COMPLETE) {
                        newest = Math.max(newest, l.checkpointId());
                    }
                }
                return super.beginEpoch(newest, roster);
            }
            return super.beginEpoch(restoredCheckpointId, roster);
        }
    }

    /** The coordinator's view of storage; a stalled coordinator believes its old epoch is current. */
    private final class CoordinatorStorage extends ObservedStorage {
        Integer pretendEpoch;

        CoordinatorStorage(CheckpointStorage delegate) {
            super(delegate);
        }

        @Override
        public java.util.Optional<EpochRecord> currentEpoch() {
            if (pretendEpoch != null) {
                return java.util.Optional.of(new EpochRecord(pretendEpoch, 0, Map.of(), 0));
            }
            return super.currentEpoch();
        }
    }

    /**
     * DESIGN.md: retention never deletes anything a pending checkpoint may reference. The violation
     * names the epoch of the coordinator that ran the retention and the current epoch, so a stalled
     * coordinator's retention is told apart from the live one's.
     */
    private void checkPendingSurvived(int retainedBy) {
        if (coordinator == null) {
            return;
        }
        for (long id : coordinator.pendingIds()) {
            Map<String, FileRef> refs = acked.get(id);
            if (refs == null) {
                continue;
            }
            for (Map.Entry<String, FileRef> e : refs.entrySet()) {
                try {
                    storage.verifyFile(e.getValue(), false);
                    LocalSnapshot s = storage.readLocalSnapshot(e.getValue());
                    for (FileRef f : s.state().files()) {
                        storage.verifyFile(f, false);
                    }
                    for (InputSnapshot in : s.inputs().values()) {
                        if (in.channelState() != null) {
                            storage.verifyFile(in.channelState(), false);
                        }
                    }
                } catch (CairnException ex) {
                    oracle.violation("retention deleted a file of pending checkpoint " + id + " (acked by '" + e.getKey()
                            + "'); retention was run by the coordinator of epoch " + retainedBy + ", epoch " + epochNow
                            + " is current: " + ex.getMessage());
                }
            }
        }
    }

    /** A coordinator that stalled at a crash and wakes up later, believing its epoch is current. */
    private final class Stalled {
        final CheckpointCoordinator coordinator;
        final long wakeAt;
        final List<Message> inbox = new ArrayList<>();

        Stalled(CheckpointCoordinator old, long wakeAt) {
            this.wakeAt = wakeAt;
            this.coordinator = old;
        }
    }
}

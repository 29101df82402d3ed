package dev.cairn.core.simulation;

import dev.cairn.core.CairnException;
import dev.cairn.core.CheckpointConfig;
import dev.cairn.core.CheckpointId;
import dev.cairn.core.Emitter;
import dev.cairn.core.InFlightMode;
import dev.cairn.core.Operator;
import dev.cairn.core.OperatorContext;
import dev.cairn.core.Record;
import dev.cairn.core.StateRegistry;
import dev.cairn.core.manifest.FileRef;
import dev.cairn.core.manifest.InputSnapshot;
import dev.cairn.core.manifest.LocalSnapshot;
import dev.cairn.core.manifest.StateHandle;
import dev.cairn.core.protocol.DeclineReason;
import dev.cairn.core.protocol.LocalSnapshotDraft;
import dev.cairn.core.protocol.OperatorProtocol;
import dev.cairn.core.protocol.ProtocolDefect;
import dev.cairn.core.protocol.ProtocolPort;
import dev.cairn.core.recovery.ChannelStateFile;
import dev.cairn.core.recovery.EpochFilter;
import dev.cairn.core.recovery.InputPlan;
import dev.cairn.core.recovery.OperatorRestore;
import dev.cairn.core.state.OperatorStateStore;
import dev.cairn.core.state.StateSnapshot;
import dev.cairn.core.storage.CheckpointFileWriter;
import dev.cairn.core.storage.CheckpointStorage;
import dev.cairn.core.topology.ChannelId;
import dev.cairn.core.topology.Topology;

import java.io.IOException;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * Runs one incarnation of one operator in the simulation: a consumer per input with a fetch
 * buffer ahead of the processed position, a mailbox for the coordinator's messages, asynchronous
 * work (state persistence, marker acknowledgements) completed in random order, and the protocol
 * driven through {@link ProtocolPort}, exactly as the Kafka runner drives it.
 */
final class SimHost implements ProtocolPort {
    private final Simulation sim;
    final String operatorId;
    final int epoch;
    final long restoredFrom;
    private final List<ChannelId> inputs;
    private final List<ChannelId> outputs;
    private final SimLog[] inLogs;
    private final SimLog[] outLogs;
    private final Map<String, Integer> outputIndex = new HashMap<>();
    private final Map<String, SimLog> sinks = new HashMap<>();
    private final Operator operator;
    final OperatorStateStore store;
    final OperatorProtocol protocol;
    private final CheckpointStorage storage;
    private final InFlightMode mode;
    private final long maxChannelStateBytes;

    private final long[] fetchPos;
    private final List<ArrayDeque<SimRecord>> buffers = new ArrayList<>();
    private final boolean[] held;
    private final List<ArrayDeque<SimRecord>> replay = new ArrayList<>();
    private final long[] liveFrom;
    private boolean replaying;

    private final Map<String, SimLog> externalLogs = new TreeMap<>();
    private final Map<String, Long> externalOffsets = new TreeMap<>();

    final ArrayDeque<Simulation.Message> mailbox = new ArrayDeque<>();
    final List<Runnable> async = new ArrayList<>();

    private final Map<Long, Map<Integer, ChannelStateWriter>> channelState = new HashMap<>();
    private final Map<Long, StateSnapshot> snapshots = new HashMap<>();
    private final Map<Long, Long> channelStateBytes = new HashMap<>();
    private SimRecord current;
    boolean zombie;
    boolean dead;

    SimHost(Simulation sim, String operatorId, int epoch, OperatorRestore plan, CheckpointConfig config,
            CheckpointStorage storage, Topology topology) {
        this.sim = sim;
        this.operatorId = operatorId;
        this.epoch = epoch;
        this.restoredFrom = plan.checkpointId();
        this.storage = storage;
        this.mode = config.inFlight();
        this.maxChannelStateBytes = config.maxChannelStateBytes();
        this.inputs = topology.inputsOf(operatorId);
        this.outputs = topology.outputsOf(operatorId);
        this.inLogs = new SimLog[inputs.size()];
        this.outLogs = new SimLog[outputs.size()];
        for (int i = 0; i < inputs.size(); i++) {
            inLogs[i] = sim.channelLog(inputs.get(i));
            buffers.add(new ArrayDeque<>());
            replay.add(new ArrayDeque<>());
        }
        for (int o = 0; o < outputs.size(); o++) {
            outLogs[o] = sim.channelLog(outputs.get(o));
            outputIndex.put(outputs.get(o).to(), o);
        }
        var node = topology.operator(operatorId).orElseThrow();
        for (String out : node.externalOutputs()) {
            sinks.put(out, sim.externalLog(out));
        }
        for (String in : new TreeSet<>(node.externalInputs())) {
            externalLogs.put(in, sim.externalLog(in));
            externalOffsets.put(in, plan.sourceOffsets().getOrDefault(in, 0L));
        }
        this.fetchPos = new long[inputs.size()];
        this.held = new boolean[inputs.size()];
        this.liveFrom = new long[inputs.size()];

        this.store = sim.backend().open(operatorId, plan.state(), storage);
        OperatorProtocol.Builder pb = OperatorProtocol.builder(operatorId, this).inputs(inputs.size())
                .outputs(outputs.size()).inFlightMode(mode).alignment(config.alignment())
                .alignmentTimeoutNanos(config.alignmentTimeout() == null ? -1 : config.alignmentTimeout().toNanos())
                .restoredFrom(plan.checkpointId());
        for (ProtocolDefect d : sim.protocolDefects()) {
            pb.defect(d);
        }
        this.protocol = pb.build();

        this.operator = sim.workload().create(operatorId);
        Set<String> inNames = new TreeSet<>(node.externalInputs());
        for (ChannelId c : inputs) {
            inNames.add(c.from());
        }
        Set<String> outNames = new TreeSet<>(node.externalOutputs());
        for (ChannelId c : outputs) {
            outNames.add(c.to());
        }
        OperatorContext context = new OperatorContext() {
            @Override
            public String operatorId() {
                return operatorId;
            }

            @Override
            public Set<String> inputs() {
                return inNames;
            }

            @Override
            public Set<String> outputs() {
                return outNames;
            }

            @Override
            public StateRegistry state() {
                return store;
            }

            @Override
            public OptionalLong restoredFrom() {
                return plan.isFresh() ? OptionalLong.empty() : OptionalLong.of(plan.checkpointId());
            }
        };
        try {
            operator.open(context);
        } catch (Exception e) {
            throw new IllegalStateException("operator '" + operatorId + "' failed to open", e);
        }
        if (!plan.isFresh()) {
            sim.oracle().onRestoredState(operatorId, plan.checkpointId(), sim.workload().view(operatorId, store));
        }

        // Replay first: restored channel state of every input before any trigger, marker or live input.
        for (int i = 0; i < inputs.size(); i++) {
            InputPlan ip = plan.inputs().get(inputs.get(i));
            loadReplay(i, ip);
        }
        replaying = true;
        if (sim.simDefects().contains(SimDefect.RECORD_DURING_REPLAY)) {
            goLive(); // broken on purpose: triggers, markers and live input are handled during the replay
        }
        maybeFinishReplay();
    }

    private void loadReplay(int i, InputPlan ip) {
        ChannelId c = inputs.get(i);
        SimLog log = inLogs[i];
        if (ip instanceof InputPlan.Fresh) {
            liveFrom[i] = log.end();
        } else if (ip instanceof InputPlan.Copied copied) {
            liveFrom[i] = copied.liveFrom();
            if (copied.file() != null) {
                ArrayDeque<SimRecord> q = replay.get(i);
                ChannelStateFile.read(storage.openFile(copied.file()), c, copied.file().path(), e -> {
                    SimRecord original = log.get(e.offset());
                    q.add(new SimRecord(e.offset(), original.epoch(), 0, e.key(), e.value(), original.msgId(), original.vc()));
                });
            }
        } else if (ip instanceof InputPlan.Range range) {
            liveFrom[i] = range.to();
            boolean noFloor = sim.simDefects().contains(SimDefect.RANGE_WITHOUT_EPOCH_FLOOR);
            for (long off = range.from(); off < range.to(); off++) {
                SimRecord r = log.get(off);
                if (!r.isMarker() && (noFloor || range.accepts(r.epoch()))) {
                    replay.get(i).add(r);
                }
            }
        }
    }

    /** Whether restored channel state is still being replayed (DESIGN.md, "Replay first"). */
    boolean isReplaying() {
        return replaying;
    }

    private void maybeFinishReplay() {
        for (ArrayDeque<SimRecord> q : replay) {
            if (!q.isEmpty()) {
                return;
            }
        }
        if (replaying) {
            replaying = false;
            if (!protocol.isLive()) {
                goLive();
            }
        }
    }

    private void goLive() {
        System.arraycopy(liveFrom, 0, fetchPos, 0, fetchPos.length);
        protocol.startLive(liveFrom.clone());
    }

    // ---------------------------------------------------------------------------------- scheduling

    /** Collects the steps this host can take now. */
    void enabledSteps(List<Runnable> steps) {
        if (dead) {
            return;
        }
        for (int i = 0; i < inputs.size(); i++) {
            final int in = i;
            if (!replay.get(i).isEmpty()) {
                steps.add(() -> replayOne(in));
            }
        }
        boolean live = protocol.isLive();
        if (live) {
            for (int i = 0; i < inputs.size(); i++) {
                final int in = i;
                if (held[i]) {
                    continue;
                }
                if (fetchPos[i] < inLogs[i].end() && buffers.get(i).size() < 8) {
                    steps.add(() -> fetch(in));
                }
                if (!buffers.get(i).isEmpty()) {
                    steps.add(() -> processOne(in));
                }
            }
            if (!replaying || sim.simDefects().contains(SimDefect.RECORD_DURING_REPLAY)) {
                for (Map.Entry<String, SimLog> e : externalLogs.entrySet()) {
                    if (externalOffsets.get(e.getKey()) < e.getValue().end() && sim.sourcesOpen()) {
                        steps.add(() -> readExternal(e.getKey()));
                    }
                }
            }
        }
        if (!mailbox.isEmpty()) {
            steps.add(this::deliverMail);
        }
        if (!async.isEmpty()) {
            steps.add(this::runAsync);
        }
    }

    /** Whether anything is left to process here (for quiescence). */
    boolean busy() {
        if (dead) {
            return false;
        }
        for (int i = 0; i < inputs.size(); i++) {
            if (!replay.get(i).isEmpty() || !buffers.get(i).isEmpty() || (!held[i] && fetchPos[i] < inLogs[i].end())) {
                return true;
            }
            if (held[i]) {
                return true;
            }
        }
        for (Map.Entry<String, SimLog> e : externalLogs.entrySet()) {
            if (externalOffsets.get(e.getKey()) < e.getValue().end()) {
                return true;
            }
        }
        return replaying;
    }

    private void fetch(int i) {
        int n = 1 + sim.random().nextInt(4);
        for (int k = 0; k < n && fetchPos[i] < inLogs[i].end(); k++) {
            buffers.get(i).add(inLogs[i].get(fetchPos[i]++));
        }
    }

    private void replayOne(int i) {
        SimRecord r = replay.get(i).poll();
        deliverData(inputs.get(i).toString(), inputs.get(i).from(), r, -1, -1);
        if (replaying) {
            maybeFinishReplay();
        }
    }

    private void processOne(int i) {
        SimRecord r = buffers.get(i).poll();
        protocol.onTime(sim.now());
        EpochFilter.Verdict verdict = EpochFilter.live(r.epoch(), epoch);
        if (sim.simDefects().contains(SimDefect.NO_EPOCH_FILTER) && verdict == EpochFilter.Verdict.DROP_STALE) {
            verdict = EpochFilter.Verdict.ACCEPT;
        }
        if (verdict == EpochFilter.Verdict.NEWER_EPOCH) {
            // An outdated incarnation saw the new epoch: it stops (and never asks for a rollback).
            dead = true;
            return;
        }
        if (verdict == EpochFilter.Verdict.DROP_STALE) {
            return;
        }
        if (r.isMarker()) {
            protocol.onMarker(i, r.offset(), r.marker());
            return;
        }
        deliverData(inputs.get(i).toString(), inputs.get(i).from(), r, i, r.offset());
    }

    private void readExternal(String input) {
        long off = externalOffsets.get(input);
        SimRecord r = externalLogs.get(input).get(off);
        externalOffsets.put(input, off + 1);
        if (!zombie) {
            sim.oracle().beginEvent(operatorId);
            sim.oracle().onReceive(operatorId, Oracle.EXTERNAL + input, r.msgId(), null);
        }
        process(new Record(input, r.key(), r.value(), 0));
    }

    private void deliverData(String channel, String from, SimRecord r, int input, long offset) {
        if (input >= 0) {
            current = r;
            protocol.onRecord(input, offset);
            current = null;
        }
        if (!zombie) {
            sim.oracle().beginEvent(operatorId);
            sim.oracle().onReceive(operatorId, channel, r.msgId(), r.vc());
        }
        process(new Record(from, r.key(), r.value(), 0));
    }

    private final Emitter emitter = new Emitter() {
        @Override
        public void emit(String to, byte[] key, byte[] value) {
            Integer o = outputIndex.get(to);
            if (o != null) {
                long msgId = sim.nextMsgId();
                long[] vc = zombie ? new long[0] : sim.oracle().clockForSend(operatorId);
                outLogs[o].append(epoch, 0, key, value, msgId, vc);
                if (!zombie) {
                    sim.oracle().onSend(operatorId, outputs.get(o), msgId);
                }
                return;
            }
            SimLog sink = sinks.get(to);
            if (sink == null) {
                throw new IllegalArgumentException("'" + to + "' is not an output of operator '" + operatorId + "'");
            }
            sink.append(epoch, 0, key, value, sim.nextMsgId(), null);
        }
    };

    private void process(Record record) {
        try {
            operator.process(record, emitter);
        } catch (Exception e) {
            throw new IllegalStateException("operator '" + operatorId + "' failed", e);
        }
    }

    private void deliverMail() {
        Simulation.Message m = mailbox.poll();
        if (m.epoch() != epoch) {
            return; // messages of another epoch are ignored
        }
        protocol.onTime(sim.now());
        switch (m.kind()) {
            case TRIGGER -> protocol.onTrigger(m.checkpointId());
            case COMPLETE -> {
                protocol.onComplete(m.checkpointId());
                store.checkpointsCompleted(m.checkpointId());
                try {
                    operator.onCheckpointComplete(CheckpointId.of(m.checkpointId()));
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            }
            case ABORT -> {
                protocol.onAbort(m.checkpointId());
                store.checkpointAborted(m.checkpointId());
            }
            default -> throw new IllegalStateException("unexpected " + m);
        }
    }

    private void runAsync() {
        Runnable task = async.remove(sim.random().nextInt(async.size()));
        task.run();
    }

    // ---------------------------------------------------------------------------------- the port

    @Override
    public Map<String, Long> snapshotState(long checkpointId) {
        if (!zombie) {
            sim.oracle().onCut(operatorId, checkpointId, epoch, sim.workload().view(operatorId, store));
        }
        StateSnapshot snapshot = store.snapshot(checkpointId);
        snapshots.put(checkpointId, snapshot);
        async.add(() -> {
            if (snapshots.remove(checkpointId) == null) {
                return; // discarded meanwhile
            }
            StateHandle handle;
            try {
                handle = snapshot.persist();
            } catch (CairnException e) {
                protocol.onStateSnapshotFailed(checkpointId, e.getMessage());
                return;
            }
            protocol.onStateSnapshotDone(checkpointId, handle);
        });
        return new TreeMap<>(externalOffsets);
    }

    @Override
    public void sendMarker(long checkpointId, int output) {
        long offset = outLogs[output].append(epoch, checkpointId, null, null, 0, null);
        async.add(() -> protocol.onMarkerSent(checkpointId, output, offset));
    }

    @Override
    public void appendChannelState(long checkpointId, int input, long offset) {
        Map<Integer, ChannelStateWriter> writers = channelState.computeIfAbsent(checkpointId, k -> new HashMap<>());
        try {
            ChannelStateWriter w = writers.get(input);
            if (w == null) {
                w = new ChannelStateWriter(storage.createChannelStateFile(checkpointId, inputs.get(input)), inputs.get(input));
                writers.put(input, w);
            }
            w.writer.append(offset, 0, current.key(), current.value());
            long total = channelStateBytes.merge(checkpointId, (long) size(current), Long::sum);
            if (total > maxChannelStateBytes) {
                protocol.failCheckpoint(checkpointId, DeclineReason.CHANNEL_STATE_LIMIT, "in-flight records of checkpoint "
                        + checkpointId + " exceed maxChannelStateBytes=" + maxChannelStateBytes);
            }
        } catch (IOException | CairnException e) {
            protocol.failCheckpoint(checkpointId, DeclineReason.STORAGE_FAILURE, "cannot write channel state of "
                    + inputs.get(input) + ": " + e.getMessage());
        }
    }

    private static int size(SimRecord r) {
        return (r.key() == null ? 0 : r.key().length) + (r.value() == null ? 0 : r.value().length);
    }

    @Override
    public void closeChannelState(long checkpointId, int input) {
        Map<Integer, ChannelStateWriter> writers = channelState.get(checkpointId);
        ChannelStateWriter w = writers == null ? null : writers.get(input);
        if (w == null) {
            return;
        }
        try {
            w.finish();
        } catch (IOException | CairnException e) {
            protocol.failCheckpoint(checkpointId, DeclineReason.STORAGE_FAILURE, "cannot seal channel state of "
                    + inputs.get(input) + ": " + e.getMessage());
        }
    }

    @Override
    public void holdInput(int input, long position) {
        held[input] = true;
        buffers.get(input).clear();
        fetchPos[input] = position;
    }

    @Override
    public void releaseInput(int input) {
        held[input] = false;
    }

    @Override
    public long fetchPosition(int input) {
        return fetchPos[input];
    }

    @Override
    public void reportReady(LocalSnapshotDraft d) {
        long id = d.checkpointId();
        Map<String, InputSnapshot> ins = new LinkedHashMap<>();
        Map<Integer, ChannelStateWriter> writers = channelState.remove(id);
        channelStateBytes.remove(id);
        for (int i = 0; i < inputs.size(); i++) {
            ChannelStateWriter w = writers == null ? null : writers.get(i);
            FileRef file = w == null ? null : w.ref;
            long bytes = w == null ? (mode == InFlightMode.COPY ? 0 : -1) : w.writer.payloadBytes();
            ins.put(inputs.get(i).toString(), new InputSnapshot(d.positions()[i], d.closedAt()[i], file,
                    d.inFlightRecords()[i], bytes));
        }
        Map<String, Long> outs = new LinkedHashMap<>();
        for (int o = 0; o < outputs.size(); o++) {
            outs.put(outputs.get(o).toString(), d.markerOffsets()[o]);
        }
        LocalSnapshot snapshot = new LocalSnapshot(operatorId, id, epoch, mode, d.state(), ins, outs,
                d.sourceOffsets(), Map.of());
        FileRef ref;
        try {
            ref = storage.writeLocalSnapshot(snapshot);
        } catch (CairnException e) {
            sim.sendToCoordinator(new Simulation.Message(Simulation.Kind.DECLINE, epoch, id, operatorId, null,
                    "cannot write local snapshot: " + e.getMessage()));
            return;
        }
        sim.sendToCoordinator(new Simulation.Message(Simulation.Kind.ACK, epoch, id, operatorId, ref, null));
    }

    @Override
    public void decline(long checkpointId, DeclineReason reason, String detail) {
        sim.sendToCoordinator(new Simulation.Message(Simulation.Kind.DECLINE, epoch, checkpointId, operatorId, null,
                reason + ": " + detail));
    }

    @Override
    public void discard(long checkpointId) {
        Map<Integer, ChannelStateWriter> writers = channelState.remove(checkpointId);
        channelStateBytes.remove(checkpointId);
        if (writers != null) {
            for (ChannelStateWriter w : writers.values()) {
                w.abort();
            }
        }
        StateSnapshot s = snapshots.remove(checkpointId);
        if (s != null) {
            s.discard();
        }
    }

    /** Closes the store (an incarnation that stops). */
    void stop() {
        dead = true;
        try {
            operator.close();
        } catch (Exception ignored) {
            // a stopping incarnation's close failure changes nothing
        }
        store.close();
    }

    /** A channel-state file being written. */
    private static final class ChannelStateWriter {
        final CheckpointFileWriter file;
        final ChannelStateFile.Writer writer;
        FileRef ref;

        ChannelStateWriter(CheckpointFileWriter file, ChannelId channel) throws IOException {
            this.file = file;
            this.writer = new ChannelStateFile.Writer(file, channel);
        }

        void finish() throws IOException {
            writer.finish();
            ref = file.finish();
        }

        void abort() {
            file.abort();
        }
    }
}

package dev.cairn.kafka.internal;

import dev.cairn.core.CairnException;
import dev.cairn.core.CheckpointId;
import dev.cairn.core.Emitter;
import dev.cairn.core.InFlightMode;
import dev.cairn.core.KeyValueIterator;
import dev.cairn.core.KeyedState;
import dev.cairn.core.Operator;
import dev.cairn.core.OperatorContext;
import dev.cairn.core.Record;
import dev.cairn.core.Serde;
import dev.cairn.core.Serdes;
import dev.cairn.core.StateRegistry;
import dev.cairn.core.ValueState;
import dev.cairn.core.manifest.FileRef;
import dev.cairn.core.manifest.InputSnapshot;
import dev.cairn.core.manifest.LocalSnapshot;
import dev.cairn.core.manifest.StateHandle;
import dev.cairn.core.protocol.DeclineReason;
import dev.cairn.core.protocol.LocalSnapshotDraft;
import dev.cairn.core.protocol.OperatorProtocol;
import dev.cairn.core.protocol.ProtocolPort;
import dev.cairn.core.recovery.ChannelStateFile;
import dev.cairn.core.recovery.EpochFilter;
import dev.cairn.core.recovery.InputPlan;
import dev.cairn.core.recovery.OperatorRestore;
import dev.cairn.core.recovery.RecoveryPlanner;
import dev.cairn.core.state.OperatorStateStore;
import dev.cairn.core.state.StateSnapshot;
import dev.cairn.core.storage.CheckpointFileWriter;
import dev.cairn.core.storage.CheckpointStorage;
import dev.cairn.core.topology.ChannelId;
import dev.cairn.kafka.Delivery;
import dev.cairn.kafka.Job;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.Headers;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Runs one physical node (an operator, or a chain of them) of one epoch on its own thread:
 * consume, process, produce, with the protocol driven through {@link ProtocolPort}. Restored
 * channel state is replayed before anything else (DESIGN.md, "Replay first"); positions are
 * those of processed records, not the consumer's fetch position; a marker's offset comes from the
 * producer's acknowledgement; any failed send is an operator failure.
 */
final class OperatorRunner implements ProtocolPort, Runnable {
    private static final Logger LOG = LoggerFactory.getLogger(OperatorRunner.class);
    private static final String BOUNDS_STATE = "cairn.source-bounds";

    private final JobProcess process;
    private final PhysicalPlan.Node node;
    private final PhysicalPlan plan;
    private final Job.Settings settings;
    final int epoch;
    private final OperatorRestore restore;
    private final CheckpointStorage storage;
    private final InFlightMode mode;

    private KafkaConsumer<byte[], byte[]> consumer;
    private KafkaProducer<byte[], byte[]> producer;
    private OperatorStateStore store;
    private OperatorProtocol protocol;
    private final List<Operator> operators = new ArrayList<>();
    private final List<Emitter> emitters = new ArrayList<>();
    private final ExecutorService async;

    /** Per input index: the channel, its topic partition, the receiving member, the logical sender. */
    private final List<ChannelId> inputs;
    private final List<TopicPartition> inputPartitions = new ArrayList<>();
    private final Map<TopicPartition, Integer> inputIndex = new HashMap<>();
    private final int[] inputMember;
    private final String[] inputFrom;
    private final boolean[] inputEnded;
    /** Per input, how often it was sought back by a hold: records fetched before that are stale. */
    private final int[] inputSeeks;
    private final List<ChannelId> outputs;
    private final Map<ChannelId, Integer> outputIndex = new HashMap<>();
    private final String[] outputTopic;

    /** Source partitions: member index, next offset, bound (bounded sources). */
    private final Map<TopicPartition, Integer> sourceMember = new LinkedHashMap<>();
    private final Map<TopicPartition, Long> sourcePosition = new HashMap<>();
    private final Map<TopicPartition, Long> sourceBound = new HashMap<>();
    private final Map<String, KafkaSink> sinks = new HashMap<>();
    /** Whether a member is an at-least-once sink (it writes through {@link #producer}). */
    private boolean atLeastOnceSink;

    final ConcurrentLinkedQueue<ControlMessage> mailbox = new ConcurrentLinkedQueue<>();
    private final ConcurrentLinkedQueue<Runnable> completions = new ConcurrentLinkedQueue<>();
    private final AtomicReference<Throwable> asyncFailure = new AtomicReference<>();
    private volatile boolean stopRequested;
    private Thread thread;

    private Headers dataHeaders;
    private ConsumerRecord<byte[], byte[]> current;
    private final Map<Long, Map<Integer, ChannelStateWriter>> channelState = new HashMap<>();
    private final Map<Long, Long> channelStateBytes = new HashMap<>();
    private final Map<Long, StateSnapshot> snapshots = new HashMap<>();
    private boolean finishedSent;
    /** The highest completion handled (a repeated one is not passed on to operators again). */
    private long completedUpTo;
    private long liveAtNanos;

    private final NodeMetrics metrics;
    private long alignStartNanos = -1;
    private long lagUpdatedNanos;

    OperatorRunner(JobProcess process, PhysicalPlan plan, PhysicalPlan.Node node, int epoch, OperatorRestore restore) {
        this.process = process;
        this.plan = plan;
        this.node = node;
        this.settings = process.settings();
        this.epoch = epoch;
        this.restore = restore;
        this.storage = process.storage();
        this.mode = settings.checkpoints().inFlight();
        this.inputs = plan.topology().inputsOf(node.id());
        this.outputs = plan.topology().outputsOf(node.id());
        this.inputMember = new int[inputs.size()];
        this.inputFrom = new String[inputs.size()];
        this.inputEnded = new boolean[inputs.size()];
        this.inputSeeks = new int[inputs.size()];
        for (int i = 0; i < inputs.size(); i++) {
            PhysicalPlan.Edge e = plan.edge(inputs.get(i));
            TopicPartition tp = new TopicPartition(e.topic(), 0);
            inputPartitions.add(tp);
            inputIndex.put(tp, i);
            inputMember[i] = node.memberIndex(e.toOp());
            inputFrom[i] = e.fromOp();
        }
        this.outputTopic = new String[outputs.size()];
        for (int o = 0; o < outputs.size(); o++) {
            outputIndex.put(outputs.get(o), o);
            outputTopic[o] = plan.edge(outputs.get(o)).topic();
        }
        this.metrics = process.metrics(node.id(), inputs);
        this.async = Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, "cairn-" + plan.jobId() + "-" + node.id() + "-e" + epoch + "-async");
            t.setDaemon(true);
            return t;
        });
    }

    String nodeId() {
        return node.id();
    }

    void start() {
        thread = new Thread(this, "cairn-" + plan.jobId() + "-" + node.id() + "-e" + epoch);
        thread.setDaemon(true);
        thread.start();
    }

    /** Asks the runner to stop and waits for it. */
    void stop() {
        stopRequested = true;
        if (thread != null && thread != Thread.currentThread()) {
            try {
                thread.join(30_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    boolean isAlive() {
        return thread != null && thread.isAlive();
    }

    @Override
    public void run() {
        long startNanos = System.nanoTime();
        try {
            open();
            replay();
            metrics.restore.record(System.nanoTime() - startNanos, TimeUnit.NANOSECONDS);
            liveAtNanos = System.nanoTime();
            process.onRunnerLive(this, System.nanoTime() - startNanos);
            loop();
        } catch (FencedException e) {
            LOG.info("operator '{}' of job '{}' saw epoch {} while running {}: it stops and joins the new epoch",
                    node.id(), plan.jobId(), e.newer, epoch);
        } catch (Throwable t) {
            if (!stopRequested) {
                LOG.warn("operator '{}' of job '{}' failed in epoch {}: {}", node.id(), plan.jobId(), epoch, t.toString(), t);
                process.onRunnerFailed(this, t);
            }
        } finally {
            close();
        }
    }

    // -------------------------------------------------------------------------------- open and replay

    private void open() {
        String client = "cairn-" + plan.jobId() + "-" + node.id() + "-e" + epoch;
        producer = new KafkaProducer<>(settings.kafka().producer(client));
        consumer = new KafkaConsumer<>(settings.kafka().consumer(client));
        dataHeaders = WireFormat.dataHeaders(epoch);
        store = settings.stateBackend().open(node.id(), restore.state(), storage);
        for (int m = 0; m < node.members().size(); m++) {
            PhysicalPlan.Member member = node.members().get(m);
            StateRegistry registry = node.members().size() == 1 ? store : new PrefixedRegistry(store, member.id() + "/");
            Operator op = switch (member.op().kind()) {
                case OPERATOR -> member.op().factory().get();
                case SOURCE -> new PassThrough(node.routes(m).keySet());
                case SINK -> new PassThrough(Set.of());
            };
            if (member.op().kind() == LogicalOp.Kind.SINK) {
                KafkaSink sink = member.op().delivery() == Delivery.EXACTLY_ONCE
                        ? KafkaSink.exactlyOnce(plan.jobId(), member.id(), node.id(), member.op().topic(),
                        plan.sinkTransactionalId(member.id()), plan.sinkCommitsTopic(), process.sinkMetrics(member.id()))
                        : KafkaSink.atLeastOnce(member.op().topic(), producer, this::fail);
                sinks.put(member.id(), sink); // before open: close() closes what open() created if it fails
                atLeastOnceSink |= !sink.exactlyOnce();
                sink.open(settings.kafka(), process.topics(), storage, restore, settings.startTimeout());
            }
            operators.add(op);
            final int memberIndex = m;
            emitters.add((to, key, value) -> emit(memberIndex, to, key, value));
            Set<String> in = new TreeSet<>();
            for (int i = 0; i < inputs.size(); i++) {
                if (inputMember[i] == m) {
                    in.add(inputFrom[i]);
                }
            }
            if (m > 0) {
                in.add(node.members().get(m - 1).id());
            }
            if (member.op().kind() == LogicalOp.Kind.SOURCE) {
                in.add(member.op().topic());
            }
            Set<String> out = new TreeSet<>(node.routes(m).keySet());
            if (member.op().kind() == LogicalOp.Kind.SINK) {
                out.add(member.op().topic());
            }
            OperatorContext ctx = new Context(member.id(), in, out, registry, restore);
            try {
                op.open(ctx);
            } catch (Exception e) {
                throw new CairnException(CairnException.Reason.OPERATOR_FAILED, "operator '" + member.id() + "' failed to open", e);
            }
        }
        if (!restore.isFresh()) {
            RecoveryPlanner.checkStateLayout(restore.checkpointId(), node.id(), restore.state().orElseThrow().layout(),
                    layoutNow(), settings.recovery().mapping());
        }
        // sources: partitions of this instance
        for (int m = 0; m < node.members().size(); m++) {
            PhysicalPlan.Member member = node.members().get(m);
            if (member.op().kind() != LogicalOp.Kind.SOURCE) {
                continue;
            }
            for (TopicPartition tp : process.topics().partitionsOf(member.op().topic(), "source")) {
                if (tp.partition() % member.op().parallelism() == member.instance()) {
                    sourceMember.put(tp, m);
                }
            }
        }
        boolean anyBounded = node.members().stream().anyMatch(mm -> mm.op().kind() == LogicalOp.Kind.SOURCE && mm.op().bounded());
        if (anyBounded) {
            // The bounds are state: taken once, at the first start, and restored with everything else.
            KeyedState<String, Long> bounds = store.keyed(BOUNDS_STATE, Serdes.string(), Serdes.longs());
            if (restore.isFresh()) {
                Map<TopicPartition, Long> ends = process.topics().endOffsets(sourceMember.keySet());
                ends.forEach((tp, end) -> bounds.put(tp.topic() + ":" + tp.partition(), end));
            }
            try (KeyValueIterator<String, Long> it = bounds.all()) {
                it.forEachRemaining(kv -> {
                    int colon = kv.key().lastIndexOf(':');
                    sourceBound.put(new TopicPartition(kv.key().substring(0, colon),
                            Integer.parseInt(kv.key().substring(colon + 1))), kv.value());
                });
            }
        }
        for (TopicPartition tp : sourceMember.keySet()) {
            Long off = restore.sourceOffsets().get(tp.topic() + ":" + tp.partition());
            sourcePosition.put(tp, off == null ? -1L : off); // -1: earliest (fresh, or a partition that appeared since)
            if (anyBounded && !sourceBound.containsKey(tp)) {
                sourceBound.put(tp, 0L); // a partition that appeared after the bounds were taken holds nothing of the input
            }
        }
        protocol = OperatorProtocol.builder(node.id(), this).inputs(inputs.size()).outputs(outputs.size())
                .inFlightMode(mode).alignment(settings.checkpoints().alignment())
                .alignmentTimeoutNanos(settings.checkpoints().alignmentTimeout() == null ? -1
                        : settings.checkpoints().alignmentTimeout().toNanos())
                .restoredFrom(restore.checkpointId()).build();
    }

    private Set<String> layoutNow() {
        return store.stateNames();
    }

    /** Replays every input's restored channel state, then moves every input to its live position. */
    private void replay() {
        long[] live = new long[inputs.size()];
        for (int i = 0; i < inputs.size(); i++) {
            InputPlan ip = restore.inputs().get(inputs.get(i));
            final int in = i;
            if (ip instanceof InputPlan.Copied copied) {
                live[i] = copied.liveFrom();
                if (copied.file() != null) {
                    dev.cairn.core.CrashPoints.hit("restore.duringReplay");
                    ChannelStateFile.read(storage.openFile(copied.file()), inputs.get(i), copied.file().path(),
                            e -> deliver(inputMember[in], new Record(inputFrom[in], e.key(), e.value(), e.timestamp())));
                }
            } else if (ip instanceof InputPlan.Range range) {
                live[i] = range.to();
                replayRange(i, range);
            } else {
                live[i] = -1; // fresh: from the beginning; everything there is from an older epoch and dropped
            }
            checkAsyncFailure();
        }
        List<TopicPartition> all = new ArrayList<>(inputPartitions);
        all.addAll(sourceMember.keySet());
        consumer.assign(all);
        // Every partition gets its position before any is resolved: resolving one resolves all, and
        // the consumer has no reset policy (a position it cannot find is an error, never a guess).
        List<TopicPartition> fromStart = new ArrayList<>();
        for (int i = 0; i < inputs.size(); i++) {
            if (live[i] >= 0) {
                consumer.seek(inputPartitions.get(i), live[i]);
            } else {
                fromStart.add(inputPartitions.get(i));
            }
        }
        for (Map.Entry<TopicPartition, Long> e : sourcePosition.entrySet()) {
            if (e.getValue() >= 0) {
                consumer.seek(e.getKey(), e.getValue());
            } else {
                fromStart.add(e.getKey());
            }
        }
        if (!fromStart.isEmpty()) {
            // Not with an empty list: KafkaConsumer.seekToBeginning of no partitions seeks *every*
            // assigned partition to its beginning, which would undo the seeks above and make a
            // restored source read its input again from the start (state counted twice).
            consumer.seekToBeginning(fromStart);
        }
        for (int i = 0; i < inputs.size(); i++) {
            if (live[i] < 0) {
                live[i] = consumer.position(inputPartitions.get(i));
            }
        }
        for (Map.Entry<TopicPartition, Long> e : sourcePosition.entrySet()) {
            if (e.getValue() < 0) {
                e.setValue(consumer.position(e.getKey()));
            }
        }
        protocol.startLive(live);
    }

    private void replayRange(int i, InputPlan.Range range) {
        if (range.from() >= range.to()) {
            return;
        }
        TopicPartition tp = inputPartitions.get(i);
        consumer.assign(List.of(tp));
        consumer.seek(tp, range.from());
        long next = range.from();
        while (next < range.to()) {
            if (stopRequested) {
                throw new CairnException(CairnException.Reason.OPERATOR_FAILED, "stopped during replay");
            }
            ConsumerRecords<byte[], byte[]> records = consumer.poll(Duration.ofMillis(100));
            for (ConsumerRecord<byte[], byte[]> r : records.records(tp)) {
                if (r.offset() >= range.to()) {
                    next = range.to();
                    break;
                }
                next = r.offset() + 1;
                WireFormat.Parsed p = WireFormat.parse(r.headers(), where(tp, r.offset()));
                if (p.kind() == WireFormat.Kind.DATA && range.accepts(p.epoch())) {
                    dev.cairn.core.CrashPoints.hit("restore.duringReplay");
                    deliver(inputMember[i], new Record(inputFrom[i], r.key(), r.value(), r.timestamp()));
                }
            }
            if (records.isEmpty() && consumer.position(tp) >= range.to()) {
                next = range.to(); // the rest of the range holds transaction markers or nothing
            }
        }
    }

    // -------------------------------------------------------------------------------- the loop

    private void loop() {
        while (!stopRequested) {
            drainMailbox();
            drainCompletions();
            checkAsyncFailure();
            protocol.onTime(System.nanoTime());
            ConsumerRecords<byte[], byte[]> records = consumer.poll(Duration.ofMillis(20));
            for (TopicPartition tp : records.partitions()) {
                Integer in = inputIndex.get(tp);
                if (in != null) {
                    int seeks = inputSeeks[in];
                    for (ConsumerRecord<byte[], byte[]> r : records.records(tp)) {
                        betweenRecords();
                        if (inputSeeks[in] != seeks) {
                            // aligned: the input was held (sought back after the marker); the rest of this
                            // batch is fetched again after release, even if it was released meanwhile
                            break;
                        }
                        onChannelRecord(in, r);
                    }
                } else {
                    Integer member = sourceMember.get(tp);
                    Long bound = sourceBound.get(tp);
                    for (ConsumerRecord<byte[], byte[]> r : records.records(tp)) {
                        betweenRecords();
                        if (bound != null && r.offset() >= bound) {
                            consumer.pause(List.of(tp)); // past the end of a bounded input
                            break;
                        }
                        sourcePosition.put(tp, r.offset() + 1);
                        metrics.recordsIn.increment();
                        deliver(member, new Record(tp.topic(), r.key(), r.value(), r.timestamp()));
                    }
                }
                checkAsyncFailure();
            }
            checkFinished();
            updateLag();
        }
    }

    /**
     * DESIGN.md: the mailbox is drained between records, not only between poll batches. A batch
     * holds up to {@code max.poll.records} records: behind a slow operator, a trigger (or the
     * completion that lets a snapshot report) would otherwise wait for the whole batch, and
     * checkpoints would only ever be taken at batch boundaries. Costs two volatile reads when idle.
     */
    private void betweenRecords() {
        if (!mailbox.isEmpty() || !completions.isEmpty()) {
            drainMailbox();
            drainCompletions();
        }
    }

    private void updateLag() {
        long now = System.nanoTime();
        if (now - lagUpdatedNanos < 1_000_000_000L) {
            return;
        }
        lagUpdatedNanos = now;
        for (int i = 0; i < inputs.size(); i++) {
            java.util.OptionalLong l = consumer.currentLag(inputPartitions.get(i));
            if (l.isPresent()) {
                metrics.lag.set(i, l.getAsLong());
            }
        }
    }

    private void onChannelRecord(int in, ConsumerRecord<byte[], byte[]> r) {
        WireFormat.Parsed p = WireFormat.parse(r.headers(), where(inputPartitions.get(in), r.offset()));
        EpochFilter.Verdict verdict = EpochFilter.live(p.epoch(), epoch);
        if (verdict == EpochFilter.Verdict.DROP_STALE) {
            return;
        }
        if (verdict == EpochFilter.Verdict.NEWER_EPOCH) {
            throw new FencedException(p.epoch());
        }
        switch (p.kind()) {
            case MARKER -> {
                metrics.markersIn.increment();
                protocol.onMarker(in, r.offset(), p.checkpointId());
            }
            case END -> inputEnded[in] = true;
            case DATA -> {
                metrics.recordsIn.increment();
                current = r;
                protocol.onRecord(in, r.offset());
                current = null;
                deliver(inputMember[in], new Record(inputFrom[in], r.key(), r.value(), r.timestamp()));
            }
        }
    }

    private static String where(TopicPartition tp, long offset) {
        return tp.topic() + "-" + tp.partition() + "@" + offset;
    }

    private void deliver(int member, Record record) {
        PhysicalPlan.Member m = node.members().get(member);
        if (m.op().kind() == LogicalOp.Kind.SINK) {
            sinks.get(m.id()).write(record.key(), record.value());
            metrics.recordsOut.increment();
            return;
        }
        try {
            operators.get(member).process(record, emitters.get(member));
        } catch (CairnException e) {
            throw e;
        } catch (Exception e) {
            throw new CairnException(CairnException.Reason.OPERATOR_FAILED, "operator '" + m.id() + "' failed processing"
                    + " a record from '" + record.from() + "': " + e, e);
        }
    }

    private void emit(int member, String to, byte[] key, byte[] value) {
        PhysicalPlan.Route route = node.routes(member).get(to);
        if (route == null) {
            throw new IllegalArgumentException("'" + to + "' is not an output of operator '" + node.members().get(member).id()
                    + "'; its outputs are " + node.routes(member).keySet());
        }
        if (route instanceof PhysicalPlan.ToMember tm) {
            deliver(tm.memberIndex(), new Record(node.members().get(member).id(), key, value, System.currentTimeMillis()));
            return;
        }
        ChannelId c = ((PhysicalPlan.ToChannels) route).pick(key);
        int o = outputIndex.get(c);
        metrics.recordsOut.increment();
        if (dev.cairn.core.CrashPoints.fault("channel.send")) {
            // Test fault: the record is lost as by a failed send; the sends after it succeed.
            fail(new CairnException(CairnException.Reason.OPERATOR_FAILED, "operator '" + node.id()
                    + "': a send to channel topic '" + outputTopic[o] + "' failed (injected fault)"));
            return;
        }
        producer.send(new ProducerRecord<>(outputTopic[o], 0, null, key, value, dataHeaders), (md, e) -> {
            if (e != null) {
                fail(new CairnException(CairnException.Reason.OPERATOR_FAILED, "operator '" + node.id()
                        + "': a send to channel topic '" + outputTopic[o] + "' failed: " + e, e));
            }
        });
    }

    private void drainMailbox() {
        ControlMessage m;
        while ((m = mailbox.poll()) != null) {
            if (m.epoch() != epoch) {
                continue;
            }
            switch (m.type()) {
                case TRIGGER -> {
                    if (m.operators() == null || m.operators().contains(node.id())) {
                        protocol.onTrigger(m.checkpointId());
                    }
                }
                case COMPLETE -> {
                    boolean exactlyOnce = sinks.values().stream().anyMatch(KafkaSink::exactlyOnce);
                    if (m.checkpointId() <= completedUpTo) {
                        // a completion sent again (CoordinatorService asks again for COMMITTED): answer only
                        if (exactlyOnce) {
                            process.sendControl(ControlMessage.committed(epoch, node.id(), completedUpTo));
                        }
                        continue;
                    }
                    completedUpTo = m.checkpointId();
                    protocol.onComplete(m.checkpointId());
                    store.checkpointsCompleted(m.checkpointId());
                    for (KafkaSink s : sinks.values()) {
                        s.checkpointsCompleted(m.checkpointId());
                    }
                    if (exactlyOnce) {
                        // a finishing job stops only once its output is public (CoordinatorService)
                        process.sendControl(ControlMessage.committed(epoch, node.id(), m.checkpointId()));
                    }
                    for (Operator op : operators) {
                        try {
                            op.onCheckpointComplete(CheckpointId.of(m.checkpointId()));
                        } catch (Exception e) {
                            throw new CairnException(CairnException.Reason.OPERATOR_FAILED, "onCheckpointComplete of '"
                                    + node.id() + "' failed", e);
                        }
                    }
                }
                case ABORT -> {
                    protocol.onAbort(m.checkpointId());
                    store.checkpointAborted(m.checkpointId());
                    for (Operator op : operators) {
                        try {
                            op.onCheckpointAborted(CheckpointId.of(m.checkpointId()));
                        } catch (Exception e) {
                            throw new CairnException(CairnException.Reason.OPERATOR_FAILED, "onCheckpointAborted of '"
                                    + node.id() + "' failed", e);
                        }
                    }
                }
                default -> {
                }
            }
        }
    }

    private void drainCompletions() {
        Runnable r;
        while ((r = completions.poll()) != null) {
            // A failed send before a marker leaves a gap the marker's offset would hide: once any send
            // failed, no marker acknowledgement or snapshot may count any more.
            checkAsyncFailure();
            r.run();
        }
    }

    private void fail(Throwable t) {
        asyncFailure.compareAndSet(null, t);
    }

    private void checkAsyncFailure() {
        Throwable t = asyncFailure.get();
        if (t != null) {
            throw t instanceof CairnException ce ? ce
                    : new CairnException(CairnException.Reason.OPERATOR_FAILED, "operator '" + node.id() + "' failed: " + t, t);
        }
    }

    /** Bounded jobs: once every source partition reached its bound and every input ended, send END and report. */
    private void checkFinished() {
        if (finishedSent || (sourceMember.isEmpty() && inputs.isEmpty())) {
            return;
        }
        for (TopicPartition tp : sourceMember.keySet()) {
            Long bound = sourceBound.get(tp);
            if (bound == null) {
                return; // an unbounded source never ends
            }
            if (sourcePosition.get(tp) < bound && consumer.position(tp) < bound) {
                return;
            }
        }
        for (boolean ended : inputEnded) {
            if (!ended) {
                return;
            }
        }
        finishedSent = true;
        for (String t : outputTopic) {
            producer.send(new ProducerRecord<>(t, 0, null, null, null, WireFormat.endHeaders(epoch)), (md, e) -> {
                if (e != null) {
                    fail(e);
                }
            });
        }
        process.sendControl(ControlMessage.finished(epoch, node.id()));
    }

    // -------------------------------------------------------------------------------- the port

    @Override
    public Map<String, Long> snapshotState(long checkpointId) {
        long t0 = System.nanoTime();
        if (alignStartNanos >= 0) {
            metrics.alignment.record(t0 - alignStartNanos, TimeUnit.NANOSECONDS);
            alignStartNanos = -1;
        }
        StateSnapshot snapshot = store.snapshot(checkpointId);
        Map<String, Long> offsets = new TreeMap<>();
        sourcePosition.forEach((tp, off) -> offsets.put(tp.topic() + ":" + tp.partition(), off));
        for (KafkaSink s : sinks.values()) {
            s.snapshot(checkpointId);
        }
        metrics.syncPause.record(System.nanoTime() - t0, TimeUnit.NANOSECONDS);
        dev.cairn.core.CrashPoints.hit("checkpoint.afterSyncSnapshot");
        snapshots.put(checkpointId, snapshot);
        async.execute(() -> {
            try {
                StateHandle handle = snapshot.persist();
                completions.add(() -> {
                    if (snapshots.remove(checkpointId) != null) {
                        protocol.onStateSnapshotDone(checkpointId, handle);
                    }
                });
            } catch (RuntimeException e) {
                completions.add(() -> {
                    snapshots.remove(checkpointId);
                    protocol.onStateSnapshotFailed(checkpointId, e.getMessage());
                });
            }
        });
        return offsets;
    }

    @Override
    public void sendMarker(long checkpointId, int output) {
        producer.send(new ProducerRecord<>(outputTopic[output], 0, null, null, null,
                WireFormat.markerHeaders(epoch, checkpointId)), (md, e) -> {
            if (e != null) {
                fail(new CairnException(CairnException.Reason.OPERATOR_FAILED, "operator '" + node.id()
                        + "': marker " + checkpointId + " could not be sent to '" + outputTopic[output] + "': " + e, e));
            } else {
                long offset = md.offset();
                completions.add(() -> protocol.onMarkerSent(checkpointId, output, offset));
            }
        });
    }

    @Override
    public void appendChannelState(long checkpointId, int input, long offset) {
        ConsumerRecord<byte[], byte[]> r = current;
        try {
            ChannelStateWriter w = channelState.computeIfAbsent(checkpointId, k -> new HashMap<>()).get(input);
            if (w == null) {
                w = new ChannelStateWriter(storage.createChannelStateFile(checkpointId, inputs.get(input)), inputs.get(input));
                channelState.get(checkpointId).put(input, w);
            }
            w.writer.append(offset, r.timestamp(), r.key(), r.value());
            long size = (r.key() == null ? 0 : r.key().length) + (r.value() == null ? 0 : r.value().length);
            metrics.inFlightRecords.increment();
            metrics.inFlightBytes.increment(size);
            long total = channelStateBytes.merge(checkpointId, size, Long::sum);
            if (total > settings.checkpoints().maxChannelStateBytes()) {
                protocol.failCheckpoint(checkpointId, DeclineReason.CHANNEL_STATE_LIMIT, "in-flight records of checkpoint "
                        + checkpointId + " exceed maxChannelStateBytes=" + settings.checkpoints().maxChannelStateBytes());
            }
        } catch (IOException | CairnException e) {
            protocol.failCheckpoint(checkpointId, DeclineReason.STORAGE_FAILURE, "cannot write the channel state of "
                    + inputs.get(input) + ": " + e.getMessage());
        }
    }

    @Override
    public void closeChannelState(long checkpointId, int input) {
        Map<Integer, ChannelStateWriter> writers = channelState.get(checkpointId);
        ChannelStateWriter w = writers == null ? null : writers.get(input);
        if (w != null) {
            try {
                w.writer.finish(); // the fsync happens off the operator thread, before the report
            } catch (IOException e) {
                protocol.failCheckpoint(checkpointId, DeclineReason.STORAGE_FAILURE, "cannot write the channel state of "
                        + inputs.get(input) + ": " + e.getMessage());
            }
        }
    }

    @Override
    public void holdInput(int input, long position) {
        inputSeeks[input]++;
        if (alignStartNanos < 0) {
            alignStartNanos = System.nanoTime();
        }
        TopicPartition tp = inputPartitions.get(input);
        consumer.seek(tp, position);
        consumer.pause(List.of(tp));
    }

    @Override
    public void releaseInput(int input) {
        alignStartNanos = -1; // recorded (timed in snapshotState) or abandoned
        consumer.resume(List.of(inputPartitions.get(input)));
    }

    @Override
    public void reportReady(LocalSnapshotDraft d) {
        long id = d.checkpointId();
        Map<Integer, ChannelStateWriter> writers = channelState.remove(id);
        channelStateBytes.remove(id);
        async.execute(() -> {
            try {
                Map<String, InputSnapshot> ins = new LinkedHashMap<>();
                for (int i = 0; i < inputs.size(); i++) {
                    ChannelStateWriter w = writers == null ? null : writers.get(i);
                    FileRef file = w == null ? null : w.file.finish();
                    long bytes = w == null ? (mode == InFlightMode.COPY ? 0 : -1) : w.writer.payloadBytes();
                    ins.put(inputs.get(i).toString(), new InputSnapshot(d.positions()[i], d.closedAt()[i], file,
                            d.inFlightRecords()[i], bytes));
                }
                Map<String, Long> outs = new LinkedHashMap<>();
                for (int o = 0; o < outputs.size(); o++) {
                    outs.put(outputs.get(o).toString(), d.markerOffsets()[o]);
                }
                Map<String, String> attributes = new TreeMap<>();
                Map<String, FileRef> aux = new TreeMap<>();
                for (KafkaSink s : sinks.values()) {
                    attributes.putAll(s.attributes(id));
                    aux.putAll(s.stage(storage, id));
                }
                LocalSnapshot snapshot = new LocalSnapshot(node.id(), id, epoch, mode, d.state(), ins, outs,
                        d.sourceOffsets(), attributes, aux);
                if (atLeastOnceSink) {
                    // At least once means: what the sink wrote before its snapshot is in its topic once the
                    // checkpoint completes. A marker's acknowledgement vouches for the records sent before
                    // it on a channel, but a sink topic carries no marker, so wait for the sends themselves
                    // (flush covers every send made before it, and their callbacks have run when it returns).
                    // Without this a checkpoint could complete, and the job finish, with the output still in
                    // the producer's buffer: a crash (or a kill after the job finished) lost it for good.
                    producer.flush();
                }
                if (asyncFailure.get() != null) {
                    return; // a send failed: this node fails, and nothing it recorded may be acknowledged
                }
                FileRef ref = storage.writeLocalSnapshot(snapshot);
                dev.cairn.core.CrashPoints.hit("checkpoint.afterLocalSnapshot");
                if (asyncFailure.get() != null) {
                    return;
                }
                process.sendControl(ControlMessage.ack(epoch, node.id(), id, ref));
            } catch (IOException | RuntimeException e) {
                process.sendControl(ControlMessage.decline(epoch, node.id(), id, "cannot write the local snapshot: " + e));
            }
        });
    }

    @Override
    public void decline(long checkpointId, DeclineReason reason, String detail) {
        process.sendControl(ControlMessage.decline(epoch, node.id(), checkpointId, reason + ": " + detail));
    }

    @Override
    public void discard(long checkpointId) {
        for (KafkaSink s : sinks.values()) {
            s.discard(checkpointId);
        }
        Map<Integer, ChannelStateWriter> writers = channelState.remove(checkpointId);
        channelStateBytes.remove(checkpointId);
        if (writers != null) {
            for (ChannelStateWriter w : writers.values()) {
                w.file.abort();
            }
        }
        StateSnapshot s = snapshots.remove(checkpointId);
        if (s != null) {
            s.discard();
        }
    }

    private void close() {
        List<Throwable> errors = new ArrayList<>();
        for (Operator op : operators) {
            try {
                op.close();
            } catch (Exception e) {
                errors.add(e);
            }
        }
        for (Map<Integer, ChannelStateWriter> ws : channelState.values()) {
            ws.values().forEach(w -> w.file.abort());
        }
        async.shutdownNow();
        try {
            async.awaitTermination(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (store != null) {
            store.close();
        }
        if (producer != null) {
            producer.close(Duration.ofSeconds(5));
        }
        for (KafkaSink s : sinks.values()) {
            s.close();
        }
        if (consumer != null) {
            consumer.close(Duration.ofSeconds(2));
        }
        for (Throwable t : errors) {
            LOG.warn("closing operator '{}' failed: {}", node.id(), t.toString());
        }
    }

    // -------------------------------------------------------------------------------- helpers

    /** A newer epoch's record arrived: this incarnation is outdated. */
    static final class FencedException extends RuntimeException {
        private static final long serialVersionUID = 1L;
        final int newer;

        FencedException(int newer) {
            super("fenced by epoch " + newer, null, false, false);
            this.newer = newer;
        }
    }

    /** A channel-state file being written. */
    private static final class ChannelStateWriter {
        final CheckpointFileWriter file;
        final ChannelStateFile.Writer writer;

        ChannelStateWriter(CheckpointFileWriter file, ChannelId channel) throws IOException {
            this.file = file;
            this.writer = new ChannelStateFile.Writer(file, channel);
        }
    }

    /** Built-in sources and sinks forward what they receive. */
    private static final class PassThrough implements Operator {
        private final List<String> targets;

        PassThrough(Set<String> targets) {
            this.targets = new ArrayList<>(targets);
        }

        @Override
        public void process(Record record, Emitter out) {
            for (String t : targets) {
                out.emit(t, record.key(), record.value());
            }
        }
    }

    private static final class Context implements OperatorContext {
        private final String id;
        private final Set<String> in;
        private final Set<String> out;
        private final StateRegistry state;
        private final OperatorRestore restore;

        Context(String id, Set<String> in, Set<String> out, StateRegistry state, OperatorRestore restore) {
            this.id = id;
            this.in = Collections.unmodifiableSet(new LinkedHashSet<>(in));
            this.out = Collections.unmodifiableSet(new LinkedHashSet<>(out));
            this.state = state;
            this.restore = restore;
        }

        @Override
        public String operatorId() {
            return id;
        }

        @Override
        public Set<String> inputs() {
            return in;
        }

        @Override
        public Set<String> outputs() {
            return out;
        }

        @Override
        public StateRegistry state() {
            return state;
        }

        @Override
        public OptionalLong restoredFrom() {
            return restore.isFresh() ? OptionalLong.empty() : OptionalLong.of(restore.checkpointId());
        }
    }

    /** The state of one member of a chain: its names prefixed, so members never collide. */
    private record PrefixedRegistry(StateRegistry delegate, String prefix) implements StateRegistry {
        @Override
        public <K, V> KeyedState<K, V> keyed(String name, Serde<K> keySerde, Serde<V> valueSerde) {
            return delegate.keyed(prefix + name, keySerde, valueSerde);
        }

        @Override
        public <V> ValueState<V> value(String name, Serde<V> serde) {
            return delegate.value(prefix + name, serde);
        }
    }
}

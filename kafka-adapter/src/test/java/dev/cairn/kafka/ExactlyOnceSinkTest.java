package dev.cairn.kafka;

import dev.cairn.core.CairnException;
import dev.cairn.core.CheckpointConfig;
import dev.cairn.core.CrashPoints;
import dev.cairn.core.Emitter;
import dev.cairn.core.InFlightMode;
import dev.cairn.core.KeyedState;
import dev.cairn.core.Operator;
import dev.cairn.core.OperatorContext;
import dev.cairn.core.Record;
import dev.cairn.core.Serdes;
import dev.cairn.core.recovery.RecoveryOptions;
import dev.cairn.kafka.testkit.EmbeddedKafkaBroker;
import dev.cairn.kafka.testkit.KafkaBrokerExtension;
import dev.cairn.kafka.testkit.TestTopics;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ListOffsetsOptions;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.IsolationLevel;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The exactly-once sink on the real broker: what a read_committed consumer of its topic sees across
 * operator failures at seeded random points, every named sink crash point (in-process, and as a
 * halted process), a forced rewind and a commit topic blocked by a foreign transaction.
 */
@ExtendWith(KafkaBrokerExtension.class)
class ExactlyOnceSinkTest {

    @TempDir
    Path checkpoints;

    private static final String[] WORDS = {"alpha", "beta", "gamma", "delta", "epsilon", "zeta", "eta", "theta"};
    private static final List<String> SINK_CRASH_POINTS = List.of("sink.afterPrepare", "sink.beforeCommit",
            "sink.duringCommit", "sink.duringRestore");

    @AfterEach
    void disarm() {
        CrashPoints.disarmAll();
    }

    static Map<String, Long> writeInput(EmbeddedKafkaBroker broker, String topic, int lines, long seed) {
        broker.createTopic(topic, 2);
        return produceInput(broker, topic, lines, seed);
    }

    static Map<String, Long> produceInput(EmbeddedKafkaBroker broker, String topic, int lines, long seed) {
        Random r = new Random(seed);
        List<byte[][]> records = new ArrayList<>();
        Map<String, Long> expected = new TreeMap<>();
        for (int i = 0; i < lines; i++) {
            StringBuilder sb = new StringBuilder();
            for (int w = 0; w < 1 + r.nextInt(6); w++) {
                String word = WORDS[r.nextInt(WORDS.length)];
                sb.append(word).append(' ');
                expected.merge(word, 1L, Long::sum);
            }
            records.add(new byte[][]{null, sb.toString().getBytes(StandardCharsets.UTF_8)});
        }
        TestKafka.produce(broker, topic, records);
        return expected;
    }

    /** Per word, the counts in the order a consumer saw them. */
    static Map<String, List<Long>> countsInOrder(List<ConsumerRecord<byte[], byte[]>> out) {
        Map<String, List<Long>> got = new TreeMap<>();
        for (ConsumerRecord<byte[], byte[]> r : out) {
            got.computeIfAbsent(new String(r.key(), StandardCharsets.UTF_8), k -> new ArrayList<>())
                    .add(ByteBuffer.wrap(r.value()).getLong());
        }
        return got;
    }

    /** Per word, the running counts must be exactly 1, 2, ..., n, in that order: no gap, no repeat. */
    static void assertRunningCountsExactlyOnce(Map<String, Long> expected, List<ConsumerRecord<byte[], byte[]>> out,
                                               String context) {
        Map<String, List<Long>> got = countsInOrder(out);
        assertThat(got.keySet()).as(context).isEqualTo(expected.keySet());
        for (Map.Entry<String, Long> e : expected.entrySet()) {
            List<Long> want = new ArrayList<>();
            for (long i = 1; i <= e.getValue(); i++) {
                want.add(i);
            }
            List<Long> seen = got.get(e.getKey());
            if (!want.equals(seen)) {
                int i = 0;
                while (i < Math.min(want.size(), seen.size()) && want.get(i).equals(seen.get(i))) {
                    i++;
                }
                throw new AssertionError(context + ": running counts of '" + e.getKey() + "' are not exactly 1.."
                        + e.getValue() + " (no gap, no repeat): saw " + seen.size() + " counts, first difference at"
                        + " index " + i + ": " + seen.subList(Math.max(0, i - 3), Math.min(seen.size(), i + 12)));
            }
        }
    }

    /** A counter that fails whenever the process-wide number of processed words hits one of {@code FAIL_AT}. */
    static final class FlakyCounter implements Operator {
        static final AtomicInteger PROCESSED = new AtomicInteger();
        static final Set<Integer> FAIL_AT = ConcurrentHashMap.newKeySet();
        static final AtomicInteger FAILURES = new AtomicInteger();
        private KeyedState<String, Long> counts;

        @Override
        public void open(OperatorContext context) {
            counts = context.state().keyed("counts", Serdes.string(), Serdes.longs());
        }

        @Override
        public void process(Record record, Emitter out) {
            if (FAIL_AT.remove(PROCESSED.incrementAndGet())) {
                FAILURES.incrementAndGet();
                throw new IllegalStateException("injected failure after " + PROCESSED.get() + " words");
            }
            String word = new String(record.value(), StandardCharsets.UTF_8);
            Long c = counts.get(word);
            long n = c == null ? 1 : c + 1;
            counts.put(word, n);
            out.emit("out", record.key(), ByteBuffer.allocate(8).putLong(n).array());
        }
    }

    private Job.Builder wordcount(EmbeddedKafkaBroker broker, String name, String prefix, String in, String out) {
        return Job.builder(name)
                .kafka(broker.clientProperties())
                .topicPrefix(prefix)
                .checkpointDirectory(checkpoints)
                .boundedSource("lines", in)
                .operator("split", () -> new WordCountOperators.Splitter("count"))
                .operator("count", FlakyCounter::new, 2)
                .sink("out", out, Delivery.EXACTLY_ONCE)
                .channel("lines", "split").channel("split", "count").channel("count", "out")
                .chain("lines", "split")
                .checkpoints(CheckpointConfig.builder().interval(Duration.ofMillis(100)).inFlight(InFlightMode.COPY).build())
                .restartPolicy(RestartPolicy.fixedDelay(Duration.ofMillis(50), 40))
                .heartbeat(Duration.ofMillis(200), Duration.ofSeconds(5));
    }

    private static void resetCounter() {
        FlakyCounter.PROCESSED.set(0);
        FlakyCounter.FAILURES.set(0);
        FlakyCounter.FAIL_AT.clear();
    }

    /**
     * Arms {@code name} to throw at a random hit (1..3), re-arming itself after each throw until
     * {@code budget} sink faults happened: in-process, the sink's operator (or, for
     * {@code sink.afterPrepare}, its local snapshot) fails at that exact point.
     */
    private static void armRandomly(String name, Random random, AtomicInteger budget, Map<String, AtomicInteger> hits,
                                    int first) {
        CrashPoints.arm(name, first, n -> {
            if (budget.getAndDecrement() <= 0) {
                return;
            }
            hits.get(n).incrementAndGet();
            armRandomly(n, random, budget, hits, 1 + random.nextInt(3));
            throw new IllegalStateException("injected crash at " + n);
        });
    }

    @Test
    void wordCountEmitsEveryRunningCountExactlyOnceAcrossRandomFailuresAndSinkCrashPoints(EmbeddedKafkaBroker broker)
            throws Exception {
        long seed = 42;
        String context = "seed " + seed;
        String in = TestTopics.unique("eos-in");
        String out = TestTopics.unique("eos-out");
        Map<String, Long> expected = writeInput(broker, in, 1200, seed);
        long words = expected.values().stream().mapToLong(Long::longValue).sum();
        broker.createTopic(out, 1);
        resetCounter();
        Random r = new Random(seed);
        // 20 operator failures, a random quarter to half of the input's words apart (counted over
        // every epoch, replays included), so checkpoints complete and commit between them
        TreeSet<Integer> at = new TreeSet<>();
        int next = 0;
        while (at.size() < 20) {
            next += (int) (words / 4 + r.nextInt((int) (words / 4)));
            at.add(next);
        }
        FlakyCounter.FAIL_AT.addAll(at);
        // and up to 8 failures at the sink's crash points: each point fails at its first hit (the
        // commit's second for sink.beforeCommit, so that the first commit fails during its
        // transaction), then at a random later one
        AtomicInteger budget = new AtomicInteger(8);
        Map<String, AtomicInteger> sinkHits = new TreeMap<>();
        SINK_CRASH_POINTS.forEach(n -> sinkHits.put(n, new AtomicInteger()));
        for (String n : SINK_CRASH_POINTS) {
            armRandomly(n, r, budget, sinkHits, n.equals("sink.beforeCommit") ? 2 : 1);
        }
        List<String> rollbacks = new CopyOnWriteArrayList<>();
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        Job job = wordcount(broker, "eos-wc", TestTopics.unique("cairn"), in, out).meterRegistry(registry)
                .listener(new JobListener() {
                    @Override
                    public void onRollback(int failedEpoch, String reason) {
                        rollbacks.add(reason);
                    }

                }).build();
        try (RunningJob running = job.start()) {
            assertThat(running.awaitTermination(Duration.ofSeconds(240))).as(context + ": job finished").isTrue();
            assertThat(running.failure()).as(context).isEmpty();
        }
        List<ConsumerRecord<byte[], byte[]>> committed = TestKafka.readCommitted(broker, out);
        assertRunningCountsExactlyOnce(expected, committed, context);
        assertThat(FlakyCounter.FAILURES.get()).as(context + ": every injected operator failure happened").isEqualTo(20);
        // how many sink faults land depends on how the operator failures interleave with commits;
        // the processesHalted... tests hit each point for sure, in a halted process
        assertThat(sinkHits.values().stream().filter(h -> h.get() > 0).count())
                .as(context + ": sink faults at two or more points: " + sinkHits).isGreaterThanOrEqualTo(2);
        assertThat(rollbacks).as(context).isNotEmpty();

        if (sinkHits.get("sink.duringCommit").get() > 0) {
            // the same log read without isolation shows what the aborted commits wrote: duplicates
            List<ConsumerRecord<byte[], byte[]>> uncommitted = TestKafka.readAll(broker, out, false);
            assertThat(uncommitted.size()).as(context + ": read_uncommitted sees the aborted commits' records too")
                    .isGreaterThan(committed.size());
        }

        String tags = "eos-wc";
        assertThat(registry.get("cairn.sink.committed.records").tag("job", tags).tag("sink", "out").counter().count())
                .as(context + ": records committed = records visible").isEqualTo((double) words);
        assertThat(registry.get("cairn.sink.commits").tag("sink", "out").counter().count()).isPositive();
        assertThat(registry.get("cairn.sink.commit.duration").tag("sink", "out").timer().count()).isPositive();
        assertThat(registry.get("cairn.sink.pending.batches").tag("sink", "out").gauge().value())
                .as("nothing left uncommitted").isZero();
        assertThat(registry.get("cairn.sink.pending.records").tag("sink", "out").gauge().value()).isZero();
        assertThat(registry.get("cairn.sink.pending.age").tag("sink", "out").gauge().value()).isZero();
    }

    @Test
    void outputIsHeldUntilItsCheckpointCompletesAndPendingMetricsShowIt(EmbeddedKafkaBroker broker) throws Exception {
        // An unbounded job with checkpoints far apart: the sink holds its output (gauges > 0, nothing
        // visible to read_committed) until stopWithCheckpoint completes one; then all of it is visible.
        String in = TestTopics.unique("eos-in");
        String out = TestTopics.unique("eos-out");
        broker.createTopic(in, 2);
        broker.createTopic(out, 1);
        resetCounter();
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        Job job = Job.builder("eos-held").kafka(broker.clientProperties()).topicPrefix(TestTopics.unique("cairn"))
                .checkpointDirectory(checkpoints).source("lines", in)
                .operator("split", () -> new WordCountOperators.Splitter("count"))
                .operator("count", FlakyCounter::new, 2)
                .sink("out", out, Delivery.EXACTLY_ONCE)
                .channel("lines", "split").channel("split", "count").channel("count", "out")
                .chain("lines", "split")
                .checkpoints(CheckpointConfig.builder().interval(Duration.ofHours(1)).build())
                .meterRegistry(registry).build();
        try (RunningJob running = job.start()) {
            // the first checkpoint is taken at once; the input comes after it, so only the stop's covers it
            org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(60)).until(() -> running.latestCompletedCheckpoint() >= 1);
            Map<String, Long> expected = produceInput(broker, in, 200, 9);
            long words = expected.values().stream().mapToLong(Long::longValue).sum();
            org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(60)).until(() ->
                    registry.find("cairn.sink.pending.records").gauge() != null
                            && registry.get("cairn.sink.pending.records").gauge().value() == words);
            assertThat(registry.get("cairn.sink.pending.bytes").gauge().value()).isPositive();
            org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(30)).until(() ->
                    registry.get("cairn.sink.pending.age").gauge().value() > 0);
            assertThat(TestKafka.readAll(broker, out, false)).as("nothing is sent before a checkpoint completes").isEmpty();
            assertThat(running.stopWithCheckpoint(Duration.ofSeconds(60))).isTrue();
            assertThat(running.awaitTermination(Duration.ofSeconds(30))).isTrue();
            assertRunningCountsExactlyOnce(expected, TestKafka.readCommitted(broker, out), "stopWithCheckpoint");
        }
        assertThat(registry.get("cairn.sink.pending.records").gauge().value()).isZero();
        assertThat(registry.get("cairn.sink.commits").counter().count()).isEqualTo(1);
    }

    @Test
    void aRestoreOlderThanTheCommittedOutputIsRefusedUnlessRewindIsAllowed(EmbeddedKafkaBroker broker) throws Exception {
        String in = TestTopics.unique("eos-in");
        String out = TestTopics.unique("eos-out");
        Map<String, Long> expected = writeInput(broker, in, 100, 5);
        broker.createTopic(out, 1);
        resetCounter();
        String prefix = TestTopics.unique("cairn");
        try (RunningJob running = wordcount(broker, "eos-rewind", prefix, in, out).build().start()) {
            assertThat(running.awaitTermination(Duration.ofSeconds(60))).isTrue();
            assertThat(running.failure()).isEmpty();
        }
        assertRunningCountsExactlyOnce(expected, TestKafka.readCommitted(broker, out), "first run");

        // a forced fresh start restores "nothing" while the output of every checkpoint is public
        try (RunningJob running = wordcount(broker, "eos-rewind", prefix, in, out)
                .recovery(RecoveryOptions.latest().withForceFresh(true)).build().start()) {
            assertThat(running.awaitTermination(Duration.ofSeconds(60))).isTrue();
            assertThat(running.failure()).get().satisfies(e -> assertThat(e.getMessage())
                    .contains("exactly-once sink 'out' of job 'eos-rewind' already made public the output up to checkpoint")
                    .contains("restores nothing (a fresh start)").contains("would be written again")
                    .contains("cairn.sink.allowRewind=true").contains("INCOMPATIBLE_RESTORE"));
        }
        assertRunningCountsExactlyOnce(expected, TestKafka.readCommitted(broker, out), "after the refusal");

        Map<String, Object> kafka = new HashMap<>(broker.clientProperties());
        kafka.put("cairn.sink.allowRewind", "true");
        try (RunningJob running = wordcount(broker, "eos-rewind", prefix, in, out).kafka(kafka)
                .recovery(RecoveryOptions.latest().withForceFresh(true)).build().start()) {
            assertThat(running.awaitTermination(Duration.ofSeconds(60))).isTrue();
            assertThat(running.failure()).isEmpty();
        }
        Map<String, List<Long>> twice = countsInOrder(TestKafka.readCommitted(broker, out));
        expected.forEach((w, n) -> assertThat(twice.get(w)).as("allowed rewind: '%s' counted again", w)
                .hasSize(2 * n.intValue()));
    }

    @Test
    void aCommitTopicBlockedByAnOpenTransactionIsAClearErrorWithinTheStartTimeout(EmbeddedKafkaBroker broker)
            throws Exception {
        String in = TestTopics.unique("eos-in");
        String out = TestTopics.unique("eos-out");
        writeInput(broker, in, 10, 6);
        broker.createTopic(out, 1);
        String prefix = TestTopics.unique("cairn");
        String commits = prefix + ".eos-blocked.sink-commits";
        broker.createTopic(commits, 1, Map.of("cleanup.policy", "compact"));
        Map<String, Object> p = new HashMap<>(broker.clientProperties());
        p.put(ProducerConfig.TRANSACTIONAL_ID_CONFIG, TestTopics.unique("foreign"));
        p.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class);
        p.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class);
        try (KafkaProducer<byte[], byte[]> foreign = new KafkaProducer<>(p)) {
            foreign.initTransactions();
            foreign.beginTransaction();
            foreign.send(new ProducerRecord<>(commits, 0, "other".getBytes(StandardCharsets.UTF_8),
                    "1".getBytes(StandardCharsets.UTF_8)));
            foreign.flush(); // open: the last stable offset of the commit topic stays at its start
            try (RunningJob running = wordcount(broker, "eos-blocked", prefix, in, out)
                    .restartPolicy(RestartPolicy.none()).startTimeout(Duration.ofSeconds(5)).build().start()) {
                assertThat(running.awaitTermination(Duration.ofSeconds(90))).isTrue();
                assertThat(running.failure()).get().satisfies(e -> assertThat(e.getMessage())
                        .contains("exactly-once sink 'out' of job 'eos-blocked': could not read its commit marker from"
                                + " topic '" + commits + "' within PT5S")
                        .contains("read committed records up to offset 0 of 1").contains("SinkTransactions"));
            }
            foreign.abortTransaction();
        }
    }

    @Test
    void aTransactionTimeoutAboveTheBrokersMaximumAndAGarbledMarkerAreClearErrors(EmbeddedKafkaBroker broker)
            throws Exception {
        String in = TestTopics.unique("eos-in");
        String out = TestTopics.unique("eos-out");
        writeInput(broker, in, 10, 7);
        broker.createTopic(out, 1);
        Map<String, Object> kafka = new HashMap<>(broker.clientProperties());
        kafka.put("transaction.timeout.ms", "900001"); // the broker's default maximum is 900000
        try (RunningJob running = wordcount(broker, "eos-timeout", TestTopics.unique("cairn"), in, out).kafka(kafka)
                .restartPolicy(RestartPolicy.none()).build().start()) {
            assertThat(running.awaitTermination(Duration.ofSeconds(60))).isTrue();
            assertThat(running.failure()).get().satisfies(e -> assertThat(e.getMessage()).contains("CONFIGURATION")
                    .contains("Kafka property 'transaction.timeout.ms'=900001 is above the broker's"
                            + " 'transaction.max.timeout.ms'=900000"));
        }

        String prefix = TestTopics.unique("cairn");
        String commits = prefix + ".eos-garbled.sink-commits";
        broker.createTopic(commits, 1, Map.of("cleanup.policy", "compact"));
        List<byte[][]> garbled = new ArrayList<>();
        garbled.add(new byte[][]{"out".getBytes(StandardCharsets.UTF_8), "seven".getBytes(StandardCharsets.UTF_8)});
        TestKafka.produce(broker, commits, garbled);
        try (RunningJob running = wordcount(broker, "eos-garbled", prefix, in, out)
                .restartPolicy(RestartPolicy.none()).build().start()) {
            assertThat(running.awaitTermination(Duration.ofSeconds(60))).isTrue();
            assertThat(running.failure()).get().satisfies(e -> assertThat(e.getMessage()).contains("MALFORMED_INPUT")
                    .contains("commit marker record " + commits + "-0@0 of sink 'out' holds 'seven'"));
        }
        assertThat(TestKafka.readCommitted(broker, out)).isEmpty();
    }

    // ------------------------------------------------------------------------------ crashed processes

    private static List<String> childArgs(EmbeddedKafkaBroker broker, Path dir, String prefix, String in, String out) {
        return List.of("jobId=eos-crash", "bootstrap=" + broker.bootstrapServers(), "prefix=" + prefix,
                "checkpoints=" + dir.resolve("checkpoints"), "in=" + in, "out=" + out, "heartbeatMs=200",
                "timeoutMs=2500", "delivery=EXACTLY_ONCE", "nodes=lines,count.0,count.1,out", "coordinator=true");
    }

    private static void runUntilCrash(Path dir, List<String> args, String point) throws Exception {
        try (ChildProcess p = ChildProcess.launch(dir, point, args, "-Dcairn.crash.at=" + point)) {
            int code = p.waitFor(Duration.ofMinutes(3));
            assertThat(code).as("process armed at %s:\n%s", point, p.output()).isEqualTo(CrashPoints.EXIT_CODE);
            assertThat(p.output()).contains("crash point '" + point + "' hit");
        }
    }

    private static long lastStableOffset(EmbeddedKafkaBroker broker, String topic) throws Exception {
        try (Admin admin = Admin.create(broker.clientProperties())) {
            TopicPartition tp = new TopicPartition(topic, 0);
            return admin.listOffsets(Map.of(tp, OffsetSpec.latest()), new ListOffsetsOptions(IsolationLevel.READ_COMMITTED))
                    .all().get().get(tp).offset();
        }
    }

    private static long endOffset(EmbeddedKafkaBroker broker, String topic) throws Exception {
        try (Admin admin = Admin.create(broker.clientProperties())) {
            TopicPartition tp = new TopicPartition(topic, 0);
            return admin.listOffsets(Map.of(tp, OffsetSpec.latest())).all().get().get(tp).offset();
        }
    }

    /** A job run as its own process (all operators and the coordinator) over 8000 lines. */
    private record CrashJob(String in, String out, String prefix, Map<String, Long> expected, List<String> args) {
    }

    private static CrashJob crashJob(EmbeddedKafkaBroker broker, Path dir, long seed) {
        String in = TestTopics.unique("eos-in");
        String out = TestTopics.unique("eos-out");
        String prefix = TestTopics.unique("cairn");
        broker.createTopic(in, 2);
        broker.createTopic(out, 1);
        Random r = new Random(seed);
        List<byte[][]> lines = new ArrayList<>();
        Map<String, Long> expected = new TreeMap<>();
        String[] words = {"kafka", "cairn", "marker", "epoch", "channel", "snapshot"};
        for (int i = 0; i < 8000; i++) {
            StringBuilder sb = new StringBuilder();
            for (int w = 0; w < 1 + r.nextInt(5); w++) {
                String word = words[r.nextInt(words.length)];
                sb.append(word).append(' ');
                expected.merge(word, 1L, Long::sum);
            }
            lines.add(new byte[][]{null, sb.toString().getBytes(StandardCharsets.UTF_8)});
        }
        TestKafka.produce(broker, in, lines);
        return new CrashJob(in, out, prefix, expected, childArgs(broker, dir, prefix, in, out));
    }

    private static void finishAndAssertExactlyOnce(EmbeddedKafkaBroker broker, Path dir, CrashJob j, String context)
            throws Exception {
        try (ChildProcess p = ChildProcess.start(dir, "final", j.args())) {
            assertThat(p.waitFor(Duration.ofMinutes(3))).as(p.output()).isZero();
        }
        assertRunningCountsExactlyOnce(j.expected(), TestKafka.readCommitted(broker, j.out()), context);
    }

    @Test
    void processesHaltedDuringACommitAndDuringTheRestoreNeitherLoseNorDuplicateOutput(EmbeddedKafkaBroker broker,
                                                                                     @TempDir Path dir) throws Exception {
        // The job halts (as if SIGKILLed) in its first commit transaction, then in the restore's commit
        // transaction (sure to run: the marker is below the restored checkpoint), then finishes.
        CrashJob j = crashJob(broker, dir, 11);
        runUntilCrash(dir, j.args(), "sink.duringCommit");
        Job job = TestJobs.wordcount("eos-crash", new HashMap<>(broker.clientProperties()), j.prefix(),
                dir.resolve("checkpoints"), j.in(), j.out(), InFlightMode.COPY, Duration.ofMillis(200),
                Duration.ofMillis(2500), true, Delivery.EXACTLY_ONCE).build();
        try (SinkTransactions t = SinkTransactions.of(job)) {
            SinkTransactions.SinkTransaction open = t.describe("out");
            assertThat(open.open()).as("the dead process's commit is open: %s", open).isTrue();
            assertThat(open.transactionalId()).isEqualTo(j.prefix() + ".eos-crash.sink.out");
            assertThat(open.partitions()).contains(new TopicPartition(j.out(), 0));
            assertThat(open.age(Instant.now())).isPositive();
            assertThat(t.list()).singleElement().isEqualTo(open);
            assertThat(lastStableOffset(broker, j.out())).as("read_committed consumers are stalled")
                    .isLessThan(endOffset(broker, j.out()));
            // the operator's abort ends it at once: the stall is over, nothing of it is visible
            assertThat(t.abort("out")).isTrue();
            org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(30))
                    .until(() -> lastStableOffset(broker, j.out()) == endOffset(broker, j.out()));
            assertThat(t.describe("out").open()).isFalse();
            assertThat(t.abort("out")).as("nothing open any more").isFalse();
        }
        assertThat(TestKafka.readCommitted(broker, j.out())).as("the aborted commit is not visible").isEmpty();
        runUntilCrash(dir, j.args(), "sink.duringRestore");
        finishAndAssertExactlyOnce(broker, dir, j, "after crashes during a commit and during the restore");
        assertThat(TestKafka.readAll(broker, j.out(), false).size()).as("the aborted commits are in the log, not visible")
                .isGreaterThan(j.expected().values().stream().mapToInt(Long::intValue).sum());
    }

    @Test
    void processesHaltedAfterStagingAndBeforeACommitNeitherLoseNorDuplicateOutput(EmbeddedKafkaBroker broker,
                                                                                @TempDir Path dir) throws Exception {
        // The job halts after its first local snapshot that staged output (never acknowledged), then
        // before its first commit (sure to come: the checkpoint restored holds no staged output, so
        // all of it is emitted again and committed at a completion), then finishes.
        CrashJob j = crashJob(broker, dir, 12);
        runUntilCrash(dir, j.args(), "sink.afterPrepare");
        assertThat(TestKafka.readAll(broker, j.out(), false)).as("nothing is sent before a completion").isEmpty();
        runUntilCrash(dir, j.args(), "sink.beforeCommit");
        assertThat(TestKafka.readAll(broker, j.out(), false)).as("the commit never began").isEmpty();
        finishAndAssertExactlyOnce(broker, dir, j, "after crashes after staging and before a commit");
    }

    @Test
    void aTransactionalIdInTheKafkaPropertiesIsAnErrorNamingTheKey(EmbeddedKafkaBroker broker) {
        Map<String, Object> kafka = new HashMap<>(broker.clientProperties());
        kafka.put("transactional.id", "mine");
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> Job.builder("eos-bad").kafka(kafka)
                        .checkpointDirectory(checkpoints).boundedSource("lines", "x").sink("out", "y", Delivery.EXACTLY_ONCE)
                        .channel("lines", "out").build())
                .isInstanceOf(CairnException.class).hasMessageContaining("'transactional.id'");
    }
}

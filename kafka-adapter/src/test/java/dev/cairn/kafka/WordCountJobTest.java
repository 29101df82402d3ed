package dev.cairn.kafka;

import dev.cairn.core.CheckpointConfig;
import dev.cairn.core.InFlightMode;
import dev.cairn.core.manifest.Manifest;
import dev.cairn.kafka.testkit.EmbeddedKafkaBroker;
import dev.cairn.kafka.testkit.KafkaBrokerExtension;
import dev.cairn.kafka.testkit.TestTopics;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import dev.cairn.core.AlignmentMode;
import dev.cairn.core.TriggerStyle;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

@ExtendWith(KafkaBrokerExtension.class)
class WordCountJobTest {

    @TempDir
    Path checkpoints;

    private static final String[] WORDS = {"alpha", "beta", "gamma", "delta", "epsilon", "zeta", "eta", "theta"};

    private static Map<String, Long> writeInput(EmbeddedKafkaBroker broker, String topic, int lines, long seed) {
        broker.createTopic(topic, 2);
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

    /** Per word, every count emitted (at-least-once: duplicates allowed, gaps not). */
    private static Map<String, TreeSet<Long>> counts(List<ConsumerRecord<byte[], byte[]>> out) {
        Map<String, TreeSet<Long>> m = new TreeMap<>();
        for (ConsumerRecord<byte[], byte[]> r : out) {
            m.computeIfAbsent(new String(r.key(), StandardCharsets.UTF_8), k -> new TreeSet<>())
                    .add(ByteBuffer.wrap(r.value()).getLong());
        }
        return m;
    }

    private static void assertExact(Map<String, Long> expected, Map<String, TreeSet<Long>> got) {
        assertThat(got.keySet()).isEqualTo(expected.keySet());
        for (Map.Entry<String, Long> e : expected.entrySet()) {
            TreeSet<Long> seen = got.get(e.getKey());
            assertThat(seen.last()).as("final count of '%s'", e.getKey()).isEqualTo(e.getValue());
            assertThat(seen).as("counts of '%s' have no gap", e.getKey()).hasSize(e.getValue().intValue());
        }
    }

    /**
     * Base seed of the random failure points; random per run unless {@code -Dcairn.kafka.seed=S}
     * replays one. Every failure of a test that uses it names it.
     */
    private static final long SEED = Long.getLong("cairn.kafka.seed", new Random().nextLong());

    /** A test's own random, derived from the base seed and its name. */
    private static Random random(String testName) {
        return new Random(SEED ^ testName.hashCode());
    }

    private interface Body {
        void run() throws Exception;
    }

    /** Runs {@code body}; any failure is rethrown naming the seed that replays it. */
    private static void withSeed(String testName, Body body) throws Exception {
        try {
            body.run();
        } catch (AssertionError | Exception e) {
            throw new AssertionError(testName + " failed with base seed " + SEED + " (replay: -Dcairn.kafka.seed=" + SEED
                    + "): " + e.getMessage(), e);
        }
    }

    /** What the job told its listener about epochs and rollbacks. */
    private static final class Restarts implements JobListener {
        final List<String> epochs = new CopyOnWriteArrayList<>();
        final List<Long> restoredFrom = new CopyOnWriteArrayList<>();
        final List<String> rollbacks = new CopyOnWriteArrayList<>();
        volatile Manifest lastCompleted;

        @Override
        public void onCheckpointCompleted(Manifest manifest, long durationNanos) {
            lastCompleted = manifest;
        }

        @Override
        public void onEpochStarted(int epoch, long restoredCheckpoint) {
            epochs.add(epoch + " from checkpoint " + restoredCheckpoint);
            restoredFrom.add(restoredCheckpoint);
        }

        @Override
        public void onRollback(int failedEpoch, String reason) {
            rollbacks.add(failedEpoch + ": " + reason);
        }

        @Override
        public String toString() {
            return "epochs " + epochs + ", rollbacks " + rollbacks;
        }
    }

    /**
     * A pause per line in the jobs that fail at random points: the input then takes about a second
     * per pass, so checkpoints complete while it runs and the failures (held back until one did)
     * roll back to real checkpoints.
     */
    private static final long PACE_NANOS = 2_000_000;

    private static long total(Map<String, Long> counts) {
        return counts.values().stream().mapToLong(Long::longValue).sum();
    }

    /** Word count whose operators fail as {@code failures} says. */
    private Job.Builder job(EmbeddedKafkaBroker broker, String name, String in, String out,
                            CheckpointConfig checkpointConfig, WordCountOperators.Failures failures) {
        return Job.builder(name)
                .kafka(broker.clientProperties())
                .topicPrefix(TestTopics.unique("cairn"))
                .checkpointDirectory(checkpoints)
                .boundedSource("lines", in)
                .operator("split", () -> new WordCountOperators.Splitter("count", failures, PACE_NANOS))
                .operator("count", () -> new WordCountOperators.Counter("out", failures), 2)
                .sink("out", out)
                .channel("lines", "split").channel("split", "count").channel("count", "out")
                .chain("lines", "split")
                .checkpoints(checkpointConfig)
                .restartPolicy(RestartPolicy.fixedDelay(Duration.ofMillis(100), 5))
                .heartbeat(Duration.ofMillis(200), Duration.ofSeconds(5));
    }

    @Test
    void countsEveryWordExactlyAndFinishesWithAFinalCheckpoint(EmbeddedKafkaBroker broker) throws Exception {
        String in = TestTopics.unique("wc-in");
        String out = TestTopics.unique("wc-out");
        Map<String, Long> expected = writeInput(broker, in, 300, 1);
        broker.createTopic(out, 1);
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        Job job = Job.builder("wc1").kafka(broker.clientProperties()).topicPrefix(TestTopics.unique("cairn"))
                .checkpointDirectory(checkpoints).boundedSource("lines", in)
                .operator("split", () -> new WordCountOperators.Splitter("count"))
                .operator("count", () -> new WordCountOperators.Counter("out"), 2)
                .sink("out", out)
                .channel("lines", "split").channel("split", "count").channel("count", "out")
                .chain("lines", "split")
                .checkpoints(CheckpointConfig.builder().interval(Duration.ofMillis(200)).build())
                .meterRegistry(registry)
                .build();
        try (RunningJob running = job.start()) {
            assertThat(running.awaitTermination(Duration.ofSeconds(60))).as("job finished").isTrue();
            assertThat(running.failure()).isEmpty();
            assertThat(running.latestCompletedCheckpoint()).as("a final checkpoint completed").isPositive();
        }
        assertExact(expected, counts(TestKafka.readAll(broker, out, false)));
        // metrics per operator and per job, tagged
        assertThat(registry.get("cairn.operator.records.in").tag("job", "wc1").tag("operator", "lines").counter().count())
                .as("source records read").isEqualTo(300);
        assertThat(registry.get("cairn.operator.records.out").tag("operator", "out").counter().count())
                .as("records written by the sink").isEqualTo(expected.values().stream().mapToLong(Long::longValue).sum());
        assertThat(registry.get("cairn.operator.markers.in").tag("operator", "out").counter().count()).isPositive();
        assertThat(registry.get("cairn.operator.sync.pause").tag("operator", "count.0").timer().count()).isPositive();
        assertThat(registry.get("cairn.operator.restore.duration").tag("operator", "out").timer().count()).isEqualTo(1);
        assertThat(registry.get("cairn.channel.lag").tag("operator", "out").tag("channel", "count.0->out").gauge()).isNotNull();
        assertThat(registry.get("cairn.checkpoint.completed").tag("job", "wc1").counter().count()).isPositive();
        assertThat(registry.get("cairn.checkpoint.duration").tag("job", "wc1").timer().count()).isPositive();
    }

    @ParameterizedTest(name = "{0} {1} {2} alignmentTimeout={3}")
    @CsvSource({
            "COPY, UNALIGNED, ALL_OPERATORS, -1",
            "REFERENCE, UNALIGNED, ALL_OPERATORS, -1",
            "COPY, UNALIGNED, SOURCES_ONLY, -1",
            "REFERENCE, UNALIGNED, SOURCES_ONLY, -1",
            "COPY, ALIGNED, SOURCES_ONLY, -1",
            "REFERENCE, ALIGNED, SOURCES_ONLY, 0",
    })
    void operatorsFailingAtRandomPointsRollBackAndTheCountsStayExact(InFlightMode mode, AlignmentMode alignment,
                                                                      TriggerStyle triggers, long alignmentTimeoutMillis,
                                                                      EmbeddedKafkaBroker broker) throws Exception {
        String name = "wc2-" + mode.name().charAt(0) + alignment.name().charAt(0) + triggers.name().charAt(0)
                + (alignmentTimeoutMillis >= 0 ? "t" : "");
        withSeed(name, () -> {
            String in = TestTopics.unique("wc-in");
            String out = TestTopics.unique("wc-out");
            Map<String, Long> expected = writeInput(broker, in, 600, 2);
            broker.createTopic(out, 1);
            // Calls that every run makes at least: one per line (split) and one per word (count).
            Restarts restarts = new Restarts();
            WordCountOperators.Failures failures = WordCountOperators.Failures.atRandom(random(name), 3,
                    (int) (600 + total(expected))).onlyAfter(() -> restarts.lastCompleted != null);
            SimpleMeterRegistry registry = new SimpleMeterRegistry();
            CheckpointConfig.Builder cc = CheckpointConfig.builder().interval(Duration.ofMillis(150)).inFlight(mode)
                    .alignment(alignment).triggers(triggers);
            if (alignmentTimeoutMillis >= 0) {
                cc.alignmentTimeout(Duration.ofMillis(alignmentTimeoutMillis));
            }
            try (RunningJob running = job(broker, name, in, out, cc.build(), failures).listener(restarts)
                    .meterRegistry(registry).build().start()) {
                assertThat(running.awaitTermination(Duration.ofSeconds(90))).as("job finished; %s; %s", failures, restarts)
                        .isTrue();
                assertThat(running.failure()).isEmpty();
            }
            assertThat(failures.injected()).as("%s", failures).hasSize(3);
            assertThat(restarts.rollbacks).as("%s", restarts).hasSizeGreaterThanOrEqualTo(2)
                    .allSatisfy(r -> assertThat(r).contains("injected failure"));
            assertThat(restarts.epochs).as("the first start and a restore after each rollback: %s", restarts)
                    .hasSize(1 + restarts.rollbacks.size());
            assertThat(restarts.restoredFrom.subList(1, restarts.restoredFrom.size()))
                    .as("every failure came after a checkpoint, so every rollback restored one: %s", restarts)
                    .allSatisfy(id -> assertThat(id).isPositive());
            assertExact(expected, counts(TestKafka.readAll(broker, out, false)));

            // The sink has two inputs (count.0, count.1): aligned checkpoints hold one while waiting for the other.
            long alignments = registry.get("cairn.operator.alignment").tag("operator", "out").timer().count();
            if (alignment == AlignmentMode.ALIGNED && alignmentTimeoutMillis < 0) {
                assertThat(alignments).as("alignments timed at the sink").isPositive();
            } else if (alignment == AlignmentMode.UNALIGNED) {
                assertThat(registry.get("cairn.operator.alignment").timers())
                        .as("nothing is aligned in unaligned mode").allSatisfy(t -> assertThat(t.count()).isZero());
            }
        });
    }

    @Test
    void aStatefulChainSurvivesFailuresAndRestoresWithExactCounts(EmbeddedKafkaBroker broker) throws Exception {
        String name = "wc-chain";
        withSeed(name, () -> {
            String in = TestTopics.unique("wc-in");
            String out = TestTopics.unique("wc-out");
            Map<String, Long> expected = writeInput(broker, in, 500, 4);
            broker.createTopic(out, 1);
            // At least one call per line (split) and two per word (count, then tally).
            Restarts restarts = new Restarts();
            WordCountOperators.Failures failures = WordCountOperators.Failures.atRandom(random(name), 3,
                    (int) (500 + 2 * total(expected))).onlyAfter(() -> restarts.lastCompleted != null);
            List<String> mismatches = new CopyOnWriteArrayList<>();
            Job job = Job.builder(name).kafka(broker.clientProperties()).topicPrefix(TestTopics.unique("cairn"))
                    .checkpointDirectory(checkpoints).boundedSource("lines", in)
                    .operator("split", () -> new WordCountOperators.Splitter("count", failures, PACE_NANOS))
                    .operator("count", () -> new WordCountOperators.Counter("tally", failures), 2)
                    .operator("tally", () -> new WordCountOperators.Tally("out", failures, mismatches), 2)
                    .sink("out", out)
                    .channel("lines", "split").channel("split", "count").channel("count", "tally").channel("tally", "out")
                    .chain("lines", "split")
                    .chain("count", "tally")
                    .checkpoints(CheckpointConfig.builder().interval(Duration.ofMillis(150)).build())
                    .restartPolicy(RestartPolicy.fixedDelay(Duration.ofMillis(100), 5))
                    .heartbeat(Duration.ofMillis(200), Duration.ofSeconds(5))
                    .listener(restarts)
                    .build();
            assertThat(job.topology().operatorIds()).as("count and tally share a node per instance")
                    .containsExactlyInAnyOrder("lines", "count.0", "count.1", "out");
            assertThat(job.topology().channels()).extracting(Object::toString)
                    .containsExactlyInAnyOrder("lines->count.0", "lines->count.1", "count.0->out", "count.1->out");
            try (RunningJob running = job.start()) {
                assertThat(running.awaitTermination(Duration.ofSeconds(90))).as("job finished; %s; %s", failures, restarts)
                        .isTrue();
                assertThat(running.failure()).isEmpty();
                assertThat(running.latestCompletedCheckpoint()).isPositive();
            }
            assertThat(failures.injected()).as("%s", failures).hasSize(3);
            assertThat(restarts.rollbacks).as("%s", restarts).hasSizeGreaterThanOrEqualTo(2);
            assertThat(restarts.restoredFrom).as("the first start, then restores of checkpoints: %s", restarts)
                    .hasSize(1 + restarts.rollbacks.size())
                    .satisfies(ids -> assertThat(ids.subList(1, ids.size())).allSatisfy(id -> assertThat(id).isPositive()));
            assertThat(mismatches).as("the two stateful steps restored from one snapshot agree").isEmpty();
            for (String node : List.of("count.0", "count.1")) {
                assertThat(restarts.lastCompleted.operators().get(node).state().layout())
                        .as("one local snapshot of %s holds the state of both steps", node)
                        .anyMatch(n -> n.endsWith("counts")).anyMatch(n -> n.endsWith("seen"));
            }
            assertExact(expected, counts(TestKafka.readAll(broker, out, false)));
        });
    }

    @Test
    void aSlowOperatorTakesCheckpointsBetweenTheRecordsOfOnePollBatch(EmbeddedKafkaBroker broker) throws Exception {
        // 1,000 lines on one partition arrive in one poll batch; the splitter takes 3 ms per line. The
        // runner must handle triggers and completions between records (DESIGN.md, "The protocol at one
        // operator"): checkpoints then complete while the batch is processed, at many source offsets.
        String in = TestTopics.unique("wc-in");
        String out = TestTopics.unique("wc-out");
        broker.createTopic(in, 1);
        broker.createTopic(out, 1);
        int lines = 1_000;
        List<byte[][]> records = new ArrayList<>();
        for (int i = 0; i < lines; i++) {
            records.add(new byte[][]{null, "alpha beta".getBytes(StandardCharsets.UTF_8)});
        }
        TestKafka.produce(broker, in, records);
        List<Long> sourceOffsets = new CopyOnWriteArrayList<>();
        Job job = Job.builder("wc-slow").kafka(broker.clientProperties()).topicPrefix(TestTopics.unique("cairn"))
                .checkpointDirectory(checkpoints).boundedSource("lines", in)
                .operator("split", () -> new WordCountOperators.Splitter("count", WordCountOperators.Failures.NONE,
                        3_000_000))
                .operator("count", () -> new WordCountOperators.Counter("out"))
                .sink("out", out)
                .channel("lines", "split").channel("split", "count").channel("count", "out")
                .chain("lines", "split")
                .checkpoints(CheckpointConfig.builder().interval(Duration.ofMillis(100)).build())
                .listener(new JobListener() {
                    @Override
                    public void onCheckpointCompleted(Manifest manifest, long durationNanos) {
                        sourceOffsets.add(manifest.operators().get("lines").sourceOffsets().values().stream()
                                .mapToLong(Long::longValue).sum());
                    }
                })
                .build();
        try (RunningJob running = job.start()) {
            assertThat(running.awaitTermination(Duration.ofSeconds(60))).as("job finished").isTrue();
            assertThat(running.failure()).isEmpty();
        }
        assertThat(sourceOffsets.stream().filter(o -> o > 0 && o < lines).distinct().count())
                .as("checkpoints taken inside the batch, at source offsets %s", sourceOffsets)
                .isGreaterThanOrEqualTo(3);
        assertExact(Map.of("alpha", (long) lines, "beta", (long) lines), counts(TestKafka.readAll(broker, out, false)));
    }

    @Test
    void aRestartedJobResumesItsSourcesAtTheCheckpointedOffsets(EmbeddedKafkaBroker broker) throws Exception {
        // Every source partition and channel has a checkpointed position here, so nothing is to be read
        // "from the beginning": the restore once handed the consumer an empty list to seek to the
        // beginning, which Kafka reads as every assigned partition, and the source read its input again.
        String in = TestTopics.unique("wc-in");
        String out = TestTopics.unique("wc-out");
        broker.createTopic(in, 2);
        broker.createTopic(out, 1);
        String prefix = TestTopics.unique("cairn");
        AtomicLong sourceOffsets = new AtomicLong();
        Job.Builder builder = Job.builder("wc-resume").kafka(broker.clientProperties()).topicPrefix(prefix)
                .checkpointDirectory(checkpoints).source("lines", in)
                .operator("split", () -> new WordCountOperators.Splitter("count"))
                .operator("count", () -> new WordCountOperators.Counter("out"), 2)
                .sink("out", out)
                .channel("lines", "split").channel("split", "count").channel("count", "out")
                .chain("lines", "split")
                .checkpoints(CheckpointConfig.builder().interval(Duration.ofMillis(100)).build())
                .listener(new JobListener() {
                    @Override
                    public void onCheckpointCompleted(Manifest manifest, long durationNanos) {
                        sourceOffsets.set(manifest.operators().get("lines").sourceOffsets().values().stream()
                                .mapToLong(Long::longValue).sum());
                    }
                });
        List<byte[][]> lines = new ArrayList<>();
        for (int i = 0; i < 200; i++) {
            lines.add(new byte[][]{new byte[]{(byte) i}, "alpha beta".getBytes(StandardCharsets.UTF_8)});
        }
        TestKafka.produce(broker, in, lines); // keyed: both partitions get lines
        try (RunningJob running = builder.build().start()) {
            await().atMost(Duration.ofSeconds(60)).until(() -> sourceOffsets.get() == 200 || running.isTerminated());
            assertThat(running.failure()).isEmpty();
            assertThat(running.stopWithCheckpoint(Duration.ofSeconds(30))).as("stopped with a checkpoint").isTrue();
        }
        TestKafka.produce(broker, in, lines.subList(0, 100));
        sourceOffsets.set(0);
        try (RunningJob running = builder.build().start()) {
            await().atMost(Duration.ofSeconds(60)).until(() -> sourceOffsets.get() >= 300 || running.isTerminated());
            assertThat(running.failure()).isEmpty();
            assertThat(running.stopWithCheckpoint(Duration.ofSeconds(30))).as("stopped with a checkpoint").isTrue();
        }
        assertThat(sourceOffsets.get()).as("lines read in all").isEqualTo(300);
        assertExact(Map.of("alpha", 300L, "beta", 300L), counts(TestKafka.readAll(broker, out, false)));
    }

    @Test
    void aFailedSendBeforeAMarkerIsAnOperatorFailureAndNothingIsLost(EmbeddedKafkaBroker broker) throws Exception {
        // The 500th record the job sends to a channel is lost as by a failed send; the sends after it, the
        // next marker included, go through. The checkpoint must never count that marker: the job rolls back.
        String in = TestTopics.unique("wc-in");
        String out = TestTopics.unique("wc-out");
        Map<String, Long> expected = writeInput(broker, in, 600, 3);
        broker.createTopic(out, 1);
        dev.cairn.core.CrashPoints.armFault("channel.send", 500);
        List<String> rollbacks = new CopyOnWriteArrayList<>();
        try {
            Job job = Job.builder("wc-send").kafka(broker.clientProperties()).topicPrefix(TestTopics.unique("cairn"))
                    .checkpointDirectory(checkpoints).boundedSource("lines", in)
                    .operator("split", () -> new WordCountOperators.Splitter("count"))
                    .operator("count", () -> new WordCountOperators.Counter("out"), 2)
                    .sink("out", out)
                    .channel("lines", "split").channel("split", "count").channel("count", "out")
                    .checkpoints(CheckpointConfig.builder().interval(Duration.ofMillis(100)).build())
                    .restartPolicy(RestartPolicy.fixedDelay(Duration.ofMillis(100), 5))
                    .listener(new JobListener() {
                        @Override
                        public void onRollback(int failedEpoch, String reason) {
                            rollbacks.add(reason);
                        }
                    })
                    .build();
            try (RunningJob running = job.start()) {
                assertThat(running.awaitTermination(Duration.ofSeconds(60))).isTrue();
                assertThat(running.failure()).isEmpty();
            }
        } finally {
            dev.cairn.core.CrashPoints.disarmAll();
        }
        assertThat(rollbacks).singleElement().asString().contains("injected fault");
        assertExact(expected, counts(TestKafka.readAll(broker, out, false)));
    }

    /** The counter, slowed down so that its input piles up, failing once on the first word after {@code armed} is set. */
    private static final class SlowCounterFailingWhenArmed implements dev.cairn.core.Operator {
        private final dev.cairn.core.Operator counter = new WordCountOperators.Counter("out");
        private final java.util.concurrent.atomic.AtomicBoolean armed;
        private final AtomicInteger failures;

        SlowCounterFailingWhenArmed(java.util.concurrent.atomic.AtomicBoolean armed, AtomicInteger failures) {
            this.armed = armed;
            this.failures = failures;
        }

        @Override
        public void open(dev.cairn.core.OperatorContext context) throws Exception {
            counter.open(context);
        }

        @Override
        public void process(dev.cairn.core.Record record, dev.cairn.core.Emitter out) throws Exception {
            java.util.concurrent.locks.LockSupport.parkNanos(50_000); // throttling, not synchronization
            if (armed.compareAndSet(true, false)) {
                failures.incrementAndGet();
                throw new IllegalStateException("injected failure after the source's offsets were checkpointed");
            }
            counter.process(record, out);
        }
    }

    @Test
    void aRestoredSourceResumesAtItsCheckpointedOffsetsAndReadsNothingTwice(EmbeddedKafkaBroker broker) throws Exception {
        // Before, a node whose every partition had a restored position was sought to the beginning of all of
        // them (KafkaConsumer.seekToBeginning of an empty list means "every assigned partition"): a source
        // restored past offset 0 read its input again, and every word was counted twice.
        String in = TestTopics.unique("wc-in");
        String out = TestTopics.unique("wc-out");
        Map<String, Long> expected = writeInput(broker, in, 20_000, 4);
        broker.createTopic(out, 1);
        java.util.concurrent.atomic.AtomicBoolean armed = new java.util.concurrent.atomic.AtomicBoolean();
        AtomicInteger failures = new AtomicInteger();
        Map<String, Long> armedAt = new java.util.concurrent.ConcurrentHashMap<>();
        List<Long> restored = new java.util.concurrent.CopyOnWriteArrayList<>();
        Job job = Job.builder("wc-resume").kafka(broker.clientProperties()).topicPrefix(TestTopics.unique("cairn"))
                .checkpointDirectory(checkpoints).boundedSource("lines", in)
                .operator("split", () -> new WordCountOperators.Splitter("count"))
                .operator("count", () -> new SlowCounterFailingWhenArmed(armed, failures))
                .sink("out", out)
                .channel("lines", "split").channel("split", "count").channel("count", "out")
                .chain("lines", "split")
                .checkpoints(CheckpointConfig.builder().interval(Duration.ofMillis(100)).inFlight(InFlightMode.REFERENCE)
                        .build())
                .restartPolicy(RestartPolicy.fixedDelay(Duration.ofMillis(100), 5))
                .listener(new JobListener() {
                    @Override
                    public void onCheckpointCompleted(dev.cairn.core.manifest.Manifest m, long durationNanos) {
                        Map<String, Long> offsets = m.operators().get("lines").sourceOffsets();
                        if (armedAt.isEmpty() && offsets.values().stream().mapToLong(Long::longValue).sum() > 0) {
                            armedAt.putAll(offsets);
                            armedAt.put("checkpoint", m.checkpointId());
                            armed.set(true);
                        }
                    }

                    @Override
                    public void onEpochStarted(int epoch, long restoredCheckpoint) {
                        restored.add(restoredCheckpoint);
                    }
                })
                .build();
        try (RunningJob running = job.start()) {
            assertThat(running.awaitTermination(Duration.ofSeconds(90))).as("job finished").isTrue();
            assertThat(running.failure()).isEmpty();
        }
        assertThat(failures.get()).as("the failure was injected").isEqualTo(1);
        assertThat(restored).as("restored at or after the checkpoint with source offsets " + armedAt).hasSize(2)
                .last().satisfies(id -> assertThat(id).isGreaterThanOrEqualTo(armedAt.get("checkpoint")));
        assertExact(expected, counts(TestKafka.readAll(broker, out, false)));
    }
}

package dev.cairn.kafka;

import dev.cairn.core.CheckpointConfig;
import dev.cairn.core.InFlightMode;
import dev.cairn.kafka.testkit.EmbeddedKafkaBroker;
import dev.cairn.kafka.testkit.KafkaBrokerExtension;
import dev.cairn.kafka.testkit.TestTopics;
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
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;

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

    private Job job(EmbeddedKafkaBroker broker, String name, String in, String out, InFlightMode mode, int failAt,
                    AtomicInteger failures) {
        return job(broker, name, in, out, CheckpointConfig.builder().interval(Duration.ofMillis(200)).inFlight(mode).build(),
                failAt, failures);
    }

    private Job job(EmbeddedKafkaBroker broker, String name, String in, String out, CheckpointConfig checkpointConfig,
                    int failAt, AtomicInteger failures) {
        return Job.builder(name)
                .kafka(broker.clientProperties())
                .topicPrefix(TestTopics.unique("cairn"))
                .checkpointDirectory(checkpoints)
                .boundedSource("lines", in)
                .operator("split", () -> new WordCountOperators.Splitter("count"))
                .operator("count", () -> new WordCountOperators.Counter("out", failAt, failures), 2)
                .sink("out", out)
                .channel("lines", "split").channel("split", "count").channel("count", "out")
                .chain("lines", "split")
                .checkpoints(checkpointConfig)
                .restartPolicy(RestartPolicy.fixedDelay(Duration.ofMillis(100), 5))
                .heartbeat(Duration.ofMillis(200), Duration.ofSeconds(5))
                .build();
    }

    @Test
    void countsEveryWordExactlyAndFinishesWithAFinalCheckpoint(EmbeddedKafkaBroker broker) throws Exception {
        String in = TestTopics.unique("wc-in");
        String out = TestTopics.unique("wc-out");
        Map<String, Long> expected = writeInput(broker, in, 300, 1);
        broker.createTopic(out, 1);
        io.micrometer.core.instrument.simple.SimpleMeterRegistry registry = new io.micrometer.core.instrument.simple.SimpleMeterRegistry();
        Job job = Job.builder("wc1").kafka(broker.clientProperties()).topicPrefix(TestTopics.unique("cairn"))
                .checkpointDirectory(checkpoints).boundedSource("lines", in)
                .operator("split", () -> new WordCountOperators.Splitter("count"))
                .operator("count", () -> new WordCountOperators.Counter("out", 0, new AtomicInteger()), 2)
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
    void anOperatorFailureRollsBackAndTheCountsStayExact(InFlightMode mode, AlignmentMode alignment, TriggerStyle triggers,
                                                         long alignmentTimeoutMillis, EmbeddedKafkaBroker broker)
            throws Exception {
        String in = TestTopics.unique("wc-in");
        String out = TestTopics.unique("wc-out");
        Map<String, Long> expected = writeInput(broker, in, 600, 2);
        broker.createTopic(out, 1);
        WordCountOperators.Counter.PROCESSED.set(0);
        AtomicInteger failures = new AtomicInteger();
        CheckpointConfig.Builder cc = CheckpointConfig.builder().interval(Duration.ofMillis(150)).inFlight(mode)
                .alignment(alignment).triggers(triggers);
        if (alignmentTimeoutMillis >= 0) {
            cc.alignmentTimeout(Duration.ofMillis(alignmentTimeoutMillis));
        }
        String name = "wc2-" + mode.name().charAt(0) + alignment.name().charAt(0) + triggers.name().charAt(0)
                + (alignmentTimeoutMillis >= 0 ? "t" : "");
        try (RunningJob running = job(broker, name, in, out, cc.build(), 900, failures).start()) {
            assertThat(running.awaitTermination(Duration.ofSeconds(90))).as("job finished").isTrue();
            assertThat(running.failure()).isEmpty();
        }
        assertThat(failures.get()).as("the failure was injected").isEqualTo(1);
        assertExact(expected, counts(TestKafka.readAll(broker, out, false)));
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
        List<String> rollbacks = new java.util.concurrent.CopyOnWriteArrayList<>();
        try {
            Job job = Job.builder("wc-send").kafka(broker.clientProperties()).topicPrefix(TestTopics.unique("cairn"))
                    .checkpointDirectory(checkpoints).boundedSource("lines", in)
                    .operator("split", () -> new WordCountOperators.Splitter("count"))
                    .operator("count", () -> new WordCountOperators.Counter("out", 0, new AtomicInteger()), 2)
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
        private final dev.cairn.core.Operator counter = new WordCountOperators.Counter("out", 0, new AtomicInteger());
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

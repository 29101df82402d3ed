package dev.cairn.kafka;

import dev.cairn.core.CairnException;
import dev.cairn.core.CheckpointConfig;
import dev.cairn.core.Emitter;
import dev.cairn.core.InFlightMode;
import dev.cairn.core.KeyedState;
import dev.cairn.core.Operator;
import dev.cairn.core.OperatorContext;
import dev.cairn.core.Record;
import dev.cairn.core.Serdes;
import dev.cairn.kafka.testkit.EmbeddedKafkaBroker;
import dev.cairn.kafka.testkit.KafkaBrokerExtension;
import dev.cairn.kafka.testkit.TestTopics;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.Test;
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
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The exactly-once sink on the real broker: what a read_committed consumer sees across failures. */
@ExtendWith(KafkaBrokerExtension.class)
class ExactlyOnceSinkTest {

    @TempDir
    Path checkpoints;

    private static final String[] WORDS = {"alpha", "beta", "gamma", "delta", "epsilon", "zeta", "eta", "theta"};

    static Map<String, Long> writeInput(EmbeddedKafkaBroker broker, String topic, int lines, long seed) {
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

    /** Per word, every count in the order a read_committed consumer sees it; must be exactly 1, 2, ..., n. */
    static void assertRunningCountsExactlyOnce(Map<String, Long> expected, List<ConsumerRecord<byte[], byte[]>> out) {
        Map<String, List<Long>> got = new TreeMap<>();
        for (ConsumerRecord<byte[], byte[]> r : out) {
            got.computeIfAbsent(new String(r.key(), StandardCharsets.UTF_8), k -> new ArrayList<>())
                    .add(ByteBuffer.wrap(r.value()).getLong());
        }
        assertThat(got.keySet()).isEqualTo(expected.keySet());
        for (Map.Entry<String, Long> e : expected.entrySet()) {
            List<Long> want = new ArrayList<>();
            for (long i = 1; i <= e.getValue(); i++) {
                want.add(i);
            }
            assertThat(got.get(e.getKey())).as("running counts of '%s': no gap, no repeat", e.getKey()).isEqualTo(want);
        }
    }

    /** A counter that fails whenever the process-wide number of processed words hits one of {@code failAt}. */
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

    private Job.Builder wordcount(EmbeddedKafkaBroker broker, String name, String in, String out, InFlightMode mode) {
        return Job.builder(name)
                .kafka(broker.clientProperties())
                .topicPrefix(TestTopics.unique("cairn"))
                .checkpointDirectory(checkpoints)
                .boundedSource("lines", in)
                .operator("split", () -> new WordCountOperators.Splitter("count"))
                .operator("count", FlakyCounter::new, 2)
                .sink("out", out, Delivery.EXACTLY_ONCE)
                .channel("lines", "split").channel("split", "count").channel("count", "out")
                .chain("lines", "split")
                .checkpoints(CheckpointConfig.builder().interval(Duration.ofMillis(100)).inFlight(mode).build())
                .restartPolicy(RestartPolicy.fixedDelay(Duration.ofMillis(50), 40))
                .heartbeat(Duration.ofMillis(200), Duration.ofSeconds(5));
    }

    @Test
    void wordCountEmitsEveryRunningCountExactlyOnceAcrossTwentyFiveRandomFailures(EmbeddedKafkaBroker broker) throws Exception {
        String in = TestTopics.unique("eos-in");
        String out = TestTopics.unique("eos-out");
        Map<String, Long> expected = writeInput(broker, in, 1500, 6);
        long words = expected.values().stream().mapToLong(Long::longValue).sum();
        broker.createTopic(out, 1);
        FlakyCounter.PROCESSED.set(0);
        FlakyCounter.FAILURES.set(0);
        FlakyCounter.FAIL_AT.clear();
        Random r = new Random(42);
        // failures spread over the first run's words; replays push PROCESSED past the words, so every one is hit
        TreeSet<Integer> at = new TreeSet<>();
        while (at.size() < 25) {
            at.add(1 + r.nextInt((int) words));
        }
        FlakyCounter.FAIL_AT.addAll(at);
        List<String> rollbacks = new java.util.concurrent.CopyOnWriteArrayList<>();
        Job job = wordcount(broker, "eos-wc", in, out, InFlightMode.COPY)
                .listener(new JobListener() {
                    @Override
                    public void onRollback(int failedEpoch, String reason) {
                        rollbacks.add(reason);
                    }
                }).build();
        try (RunningJob running = job.start()) {
            assertThat(running.awaitTermination(Duration.ofSeconds(240))).as("job finished").isTrue();
            assertThat(running.failure()).isEmpty();
        }
        assertThat(FlakyCounter.FAILURES.get()).as("every injected failure happened").isEqualTo(25);
        assertThat(rollbacks).hasSizeGreaterThanOrEqualTo(25);
        assertRunningCountsExactlyOnce(expected, TestKafka.readAll(broker, out, true));
    }

    @Test
    void aTransactionalIdInTheKafkaPropertiesIsAnErrorNamingTheKey(EmbeddedKafkaBroker broker) {
        Map<String, Object> kafka = new HashMap<>(broker.clientProperties());
        kafka.put("transactional.id", "mine");
        assertThatThrownBy(() -> Job.builder("eos-bad").kafka(kafka).checkpointDirectory(checkpoints)
                .boundedSource("lines", "x").sink("out", "y", Delivery.EXACTLY_ONCE).channel("lines", "out").build())
                .isInstanceOf(CairnException.class).hasMessageContaining("'transactional.id'");
    }
}

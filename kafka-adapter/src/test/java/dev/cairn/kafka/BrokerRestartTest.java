package dev.cairn.kafka;

import dev.cairn.core.CheckpointConfig;
import dev.cairn.core.InFlightMode;
import dev.cairn.kafka.testkit.BrokerProcess;
import dev.cairn.kafka.testkit.TestTopics;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.Test;
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
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** The broker (in its own process) restarts in the middle of a run: the job goes on or rolls back, and loses nothing. */
class BrokerRestartTest {
    @TempDir
    Path dir;

    private static void produce(Map<String, Object> pp, String topic, int lines, Random r, Map<String, Long> expected) {
        String[] words = {"north", "south", "east", "west"};
        try (KafkaProducer<byte[], byte[]> p = new KafkaProducer<>(pp)) {
            for (int i = 0; i < lines; i++) {
                StringBuilder sb = new StringBuilder();
                for (int w = 0; w < 1 + r.nextInt(4); w++) {
                    String word = words[r.nextInt(words.length)];
                    sb.append(word).append(' ');
                    expected.merge(word, 1L, Long::sum);
                }
                p.send(new ProducerRecord<>(topic, null, sb.toString().getBytes(StandardCharsets.UTF_8)));
            }
            p.flush();
        }
    }

    @Test
    void theBrokerRestartingMidRunLosesNothing() throws Exception {
        try (BrokerProcess broker = BrokerProcess.builder().dataDir(dir.resolve("kafka")).build().start()) {
            Map<String, Object> kafka = new HashMap<>(broker.clientProperties());
            String in = TestTopics.unique("br-in");
            String out = TestTopics.unique("br-out");
            try (Admin admin = Admin.create(kafka)) {
                admin.createTopics(List.of(new NewTopic(in, 2, (short) 1), new NewTopic(out, 1, (short) 1)))
                        .all().get(30, TimeUnit.SECONDS);
            }
            Map<String, Long> expected = new TreeMap<>();
            Random r = new Random(7);
            Map<String, Object> pp = new HashMap<>(kafka);
            pp.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class);
            pp.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class);
            produce(pp, in, 10_000, r, expected);
            AtomicLong completed = new AtomicLong();
            AtomicLong linesCheckpointed = new AtomicLong();
            Job job = TestJobs.wordcount("br", kafka, TestTopics.unique("cairn"), dir.resolve("checkpoints"), in, out,
                            InFlightMode.REFERENCE, Duration.ofMillis(200), Duration.ofSeconds(20), false)
                    .checkpoints(CheckpointConfig.builder().interval(Duration.ofMillis(200)).inFlight(InFlightMode.REFERENCE)
                            .tolerableFailures(100).build())
                    .listener(new JobListener() {
                        @Override
                        public void onCheckpointCompleted(dev.cairn.core.manifest.Manifest m, long d) {
                            completed.set(m.checkpointId());
                            linesCheckpointed.set(m.operators().get("lines").sourceOffsets().values().stream()
                                    .mapToLong(Long::longValue).sum());
                        }
                    })
                    .build();
            try (RunningJob running = job.start()) {
                await().atMost(Duration.ofSeconds(60)).until(() -> completed.get() >= 2 || running.isTerminated());
                assertThat(running.isTerminated()).as("the job runs when the broker goes away").isFalse();
                long before = completed.get();
                assertThat(broker.stop()).as("broker stopped").isNotNegative();
                broker.start();
                produce(pp, in, 10_000, r, expected); // written after the restart: the job must read it too
                await().atMost(Duration.ofSeconds(120)).until(() -> linesCheckpointed.get() == 20_000 || running.isTerminated());
                assertThat(completed.get()).as("checkpoints complete again after the restart").isGreaterThan(before);
                assertThat(running.failure()).isEmpty();
                assertThat(running.stopWithCheckpoint(Duration.ofSeconds(60))).as("final checkpoint").isTrue();
            }
            Map<String, TreeSet<Long>> seen = new TreeMap<>();
            Map<String, Object> cp = new HashMap<>(kafka);
            cp.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class);
            cp.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class);
            try (KafkaConsumer<byte[], byte[]> c = new KafkaConsumer<>(cp)) {
                TopicPartition tp = new TopicPartition(out, 0);
                c.assign(List.of(tp));
                c.seekToBeginning(List.of(tp));
                long end = c.endOffsets(List.of(tp)).get(tp);
                while (c.position(tp) < end) {
                    for (ConsumerRecord<byte[], byte[]> rec : c.poll(Duration.ofMillis(200))) {
                        seen.computeIfAbsent(new String(rec.key(), StandardCharsets.UTF_8), k -> new TreeSet<>())
                                .add(ByteBuffer.wrap(rec.value()).getLong());
                    }
                }
            }
            assertThat(seen.keySet()).isEqualTo(expected.keySet());
            expected.forEach((w, n) -> {
                assertThat(seen.get(w).last()).as("final count of '%s'", w).isEqualTo(n);
                assertThat(seen.get(w)).as("no gap in the counts of '%s'", w).hasSize(n.intValue());
            });
        }
    }

}

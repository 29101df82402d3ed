package dev.cairn.kafka;

import dev.cairn.core.CheckpointConfig;
import dev.cairn.core.manifest.Manifest;
import dev.cairn.kafka.testkit.EmbeddedKafkaBroker;
import dev.cairn.kafka.testkit.KafkaBrokerExtension;
import dev.cairn.kafka.testkit.TestTopics;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CopyOnWriteArrayList;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The at-least-once sink: a checkpoint completes only once everything the sink wrote before its
 * snapshot is in the sink's topic. Otherwise a crash after the completion (or a process killed
 * after the job finished) loses that output for good: the restored sink believes it wrote it.
 */
@ExtendWith(KafkaBrokerExtension.class)
class AtLeastOnceSinkTest {
    @TempDir
    Path checkpoints;

    private static final int RECORDS = 500;

    @Test
    void aCheckpointCompletesOnlyOnceTheSinksOutputBeforeItIsInTheTopic(EmbeddedKafkaBroker broker) throws Exception {
        String in = TestTopics.unique("al1-in");
        String out = TestTopics.unique("al1-out");
        broker.createTopic(in, 1);
        broker.createTopic(out, 1);
        List<byte[][]> input = new ArrayList<>();
        for (int i = 0; i < RECORDS; i++) {
            input.add(new byte[][]{null, Integer.toString(i).getBytes(StandardCharsets.UTF_8)});
        }
        TestKafka.produce(broker, in, input);
        // The sink's records wait in the producer for a minute, unless a batch fills (it cannot here)
        // or something flushes. The job has no channel, so no marker waits on these settings.
        Map<String, Object> kafka = new HashMap<>(broker.clientProperties());
        kafka.put(ProducerConfig.LINGER_MS_CONFIG, "60000");
        kafka.put(ProducerConfig.BATCH_SIZE_CONFIG, "1000000");

        List<String> violations = new CopyOnWriteArrayList<>();
        List<Long> audited = new CopyOnWriteArrayList<>();
        try (KafkaConsumer<byte[], byte[]> ends = consumer(broker)) {
            TopicPartition sinkTopic = new TopicPartition(out, 0);
            JobListener audit = new JobListener() {
                @Override
                public void onCheckpointCompleted(Manifest manifest, long durationNanos) {
                    // source and sink share one node: each record read was written before the snapshot
                    long read = manifest.operators().get("lines").sourceOffsets().get(in + ":0");
                    long inTopic = ends.endOffsets(List.of(sinkTopic)).get(sinkTopic);
                    audited.add(read);
                    if (inTopic < read) {
                        violations.add("checkpoint " + manifest.checkpointId() + " completed when the sink had written "
                                + read + " records and " + inTopic + " of them were in '" + out + "'");
                    }
                }
            };
            Job job = Job.builder("al1").kafka(kafka).topicPrefix(TestTopics.unique("cairn"))
                    .checkpointDirectory(checkpoints)
                    .boundedSource("lines", in)
                    .sink("out", out)
                    .channel("lines", "out")
                    .chain("lines", "out")
                    .checkpoints(CheckpointConfig.builder().interval(Duration.ofMillis(100)).build())
                    .listener(audit)
                    .build();
            try (RunningJob running = job.start()) {
                assertThat(running.awaitTermination(Duration.ofSeconds(50))).as("job finished").isTrue();
                assertThat(running.failure()).isEmpty();
            }
        }
        assertThat(audited).as("the final checkpoint covers the whole input").contains((long) RECORDS);
        assertThat(violations).as("checkpoints completed while the sink's output was not in its topic").isEmpty();
        Set<String> written = new TreeSet<>();
        for (ConsumerRecord<byte[], byte[]> r : TestKafka.readAll(broker, out, false)) {
            written.add(new String(r.value(), StandardCharsets.UTF_8));
        }
        assertThat(written).as("every input record written at least once").hasSize(RECORDS);
    }

    private static KafkaConsumer<byte[], byte[]> consumer(EmbeddedKafkaBroker broker) {
        Map<String, Object> p = new HashMap<>(broker.clientProperties());
        p.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class);
        p.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class);
        return new KafkaConsumer<>(p);
    }
}

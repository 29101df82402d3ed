package dev.cairn.kafka;

import dev.cairn.core.CheckpointConfig;
import dev.cairn.core.manifest.Manifest;
import dev.cairn.kafka.testkit.EmbeddedKafkaBroker;
import dev.cairn.kafka.testkit.KafkaBrokerExtension;
import dev.cairn.kafka.testkit.TestTopics;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AlterConfigOp;
import org.apache.kafka.clients.admin.ConfigEntry;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.config.TopicConfig;
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
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

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
        // One broker cannot satisfy two in-sync replicas: every write to the sink topic is refused
        // (a retriable error, retried for ever) until the setting is lowered below.
        broker.createTopic(out, 1, Map.of(TopicConfig.MIN_IN_SYNC_REPLICAS_CONFIG, "2"));
        List<byte[][]> input = new ArrayList<>();
        for (int i = 0; i < RECORDS; i++) {
            input.add(new byte[][]{null, Integer.toString(i).getBytes(StandardCharsets.UTF_8)});
        }
        TestKafka.produce(broker, in, input);

        List<String> violations = new CopyOnWriteArrayList<>();
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        try (KafkaConsumer<byte[], byte[]> ends = consumer(broker)) {
            JobListener audit = new JobListener() {
                @Override
                public void onCheckpointCompleted(Manifest manifest, long durationNanos) {
                    // source and sink share one node: each record read is one record written
                    long read = manifest.operators().get("lines").sourceOffsets().getOrDefault(in + ":0", 0L);
                    long inTopic = ends.endOffsets(List.of(new TopicPartition(out, 0))).get(new TopicPartition(out, 0));
                    if (inTopic < read) {
                        violations.add("checkpoint " + manifest.checkpointId() + " completed when the sink had written "
                                + read + " records and " + inTopic + " of them were in '" + out + "'");
                    }
                }
            };
            Job job = Job.builder("al1").kafka(broker.clientProperties()).topicPrefix(TestTopics.unique("cairn"))
                    .checkpointDirectory(checkpoints)
                    .boundedSource("lines", in)
                    .sink("out", out)
                    .channel("lines", "out")
                    .chain("lines", "out")
                    // one checkpoint at a time; one the sink cannot finish times out and the next is triggered
                    .checkpoints(CheckpointConfig.builder().interval(Duration.ofMillis(100)).timeout(Duration.ofSeconds(2))
                            .tolerableFailures(100).build())
                    .meterRegistry(registry)
                    .listener(audit)
                    .build();
            try (RunningJob running = job.start()) {
                await().atMost(Duration.ofSeconds(60)).until(() -> counter(registry, "cairn.operator.records.in") == RECORDS
                        || running.isTerminated());
                long snapshots = snapshots(registry);
                // Two snapshots after everything was written: the checkpoint of the first one is over
                // (completed, or timed out) before the second is triggered, so each completion the
                // sink's blocked output allows (none, with the fix) has been audited.
                await().atMost(Duration.ofSeconds(60)).until(() -> snapshots(registry) >= snapshots + 2
                        || running.isTerminated());
                assertThat(violations).as("checkpoints completed while the sink's output was not in its topic").isEmpty();

                try (Admin admin = Admin.create(broker.clientProperties())) {
                    admin.incrementalAlterConfigs(Map.of(new ConfigResource(ConfigResource.Type.TOPIC, out),
                            List.of(new AlterConfigOp(new ConfigEntry(TopicConfig.MIN_IN_SYNC_REPLICAS_CONFIG, "1"),
                                    AlterConfigOp.OpType.SET)))).all().get(30, TimeUnit.SECONDS);
                }
                assertThat(running.awaitTermination(Duration.ofSeconds(60))).as("job finished").isTrue();
                assertThat(running.failure()).isEmpty();
            }
        }
        assertThat(violations).isEmpty();
        Set<String> written = new TreeSet<>();
        for (ConsumerRecord<byte[], byte[]> r : TestKafka.readAll(broker, out, false)) {
            written.add(new String(r.value(), StandardCharsets.UTF_8));
        }
        assertThat(written).as("every input record written at least once").hasSize(RECORDS);
    }

    private static double counter(SimpleMeterRegistry registry, String name) {
        var c = registry.find(name).tag("operator", "lines").counter();
        return c == null ? 0 : c.count();
    }

    private static long snapshots(SimpleMeterRegistry registry) {
        Timer t = registry.find("cairn.operator.sync.pause").tag("operator", "lines").timer();
        return t == null ? 0 : t.count();
    }

    private static KafkaConsumer<byte[], byte[]> consumer(EmbeddedKafkaBroker broker) {
        Map<String, Object> p = new HashMap<>(broker.clientProperties());
        p.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class);
        p.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class);
        return new KafkaConsumer<>(p);
    }
}

package dev.cairn.kafka;

import dev.cairn.core.CheckpointConfig;
import dev.cairn.core.Emitter;
import dev.cairn.core.InFlightMode;
import dev.cairn.core.Operator;
import dev.cairn.core.Record;
import dev.cairn.core.manifest.InputSnapshot;
import dev.cairn.core.manifest.Manifest;
import dev.cairn.kafka.testkit.EmbeddedKafkaBroker;
import dev.cairn.kafka.testkit.KafkaBrokerExtension;
import dev.cairn.kafka.testkit.TestTopics;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * About a million records queued on one channel in front of a slow operator: a reference-mode
 * checkpoint completes without waiting for the backlog (its recorded range still holds most of
 * it); a copy-mode checkpoint that would copy more than its cap is declined with the reason.
 */
@ExtendWith(KafkaBrokerExtension.class)
class BacklogTest {
    private static final int RECORDS = 1_000_000;
    private static String input;

    @TempDir
    Path checkpoints;

    /** Forwards slowly: a backlog builds up in front of it. */
    static final class Slow implements Operator {
        @Override
        public void process(Record record, Emitter out) {
            LockSupport.parkNanos(200_000);
        }
    }

    @BeforeAll
    static void fill(EmbeddedKafkaBroker broker) {
        input = TestTopics.unique("backlog-in");
        broker.createTopic(input, 1);
        Map<String, Object> p = new HashMap<>(broker.clientProperties());
        p.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class);
        p.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class);
        p.put(ProducerConfig.LINGER_MS_CONFIG, 20);
        p.put(ProducerConfig.BATCH_SIZE_CONFIG, 256 * 1024);
        byte[] value = new byte[8];
        try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(p)) {
            for (int i = 0; i < RECORDS; i++) {
                producer.send(new ProducerRecord<>(input, null, value));
            }
            producer.flush();
        }
    }

    private Job job(EmbeddedKafkaBroker broker, String id, CheckpointConfig config, JobListener listener) {
        return job(broker, id, config, listener, new SimpleMeterRegistry());
    }

    private Job job(EmbeddedKafkaBroker broker, String id, CheckpointConfig config, JobListener listener,
                    MeterRegistry registry) {
        return Job.builder(id).kafka(broker.clientProperties()).topicPrefix(TestTopics.unique("cairn"))
                .checkpointDirectory(checkpoints)
                .source("src", input)
                .operator("slow", Slow::new)
                .channel("src", "slow")
                .checkpoints(config)
                .listener(listener)
                .meterRegistry(registry)
                .build();
    }

    @Test
    void aReferenceModeCheckpointCompletesWithoutWaitingForTheBacklog(EmbeddedKafkaBroker broker) throws Exception {
        AtomicReference<Manifest> wide = new AtomicReference<>();
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        Job job = job(broker, "backlog-ref", CheckpointConfig.builder().interval(Duration.ofMillis(500))
                .inFlight(InFlightMode.REFERENCE).build(), new JobListener() {
                    @Override
                    public void onCheckpointCompleted(Manifest m, long durationNanos) {
                        InputSnapshot in = m.operators().get("slow").inputs().get("src->slow");
                        long marker = m.operators().get("src").outputs().get("src->slow");
                        if (marker - in.position() > RECORDS / 2) {
                            wide.compareAndSet(null, m);
                        }
                    }
                }, registry);
        try (RunningJob running = job.start()) {
            await().atMost(Duration.ofSeconds(120)).until(() -> wide.get() != null || running.isTerminated());
            assertThat(running.failure()).isEmpty();
        }
        Manifest m = wide.get();
        long inFlight = m.operators().get("src").outputs().get("src->slow")
                - m.operators().get("slow").inputs().get("src->slow").position();
        assertThat(inFlight).as("records in flight referenced by checkpoint %d, not waited for", m.checkpointId())
                .isGreaterThan(RECORDS / 2);
        assertThat(registry.get("cairn.checkpoint.inflight.records").summary().max())
                .as("the referenced backlog shows in the in-flight metric").isGreaterThanOrEqualTo(inFlight);
    }

    @Test
    void aCopyModeCheckpointOverItsCapIsDeclinedWithTheReason(EmbeddedKafkaBroker broker) throws Exception {
        List<String> failures = new CopyOnWriteArrayList<>();
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        Job job = job(broker, "backlog-copy", CheckpointConfig.builder().interval(Duration.ofMillis(500))
                .inFlight(InFlightMode.COPY).maxChannelStateBytes(64 * 1024).tolerableFailures(1000).build(),
                new JobListener() {
                    @Override
                    public void onCheckpointFailed(long checkpointId, String reason) {
                        failures.add(reason);
                    }
                }, registry);
        try (RunningJob running = job.start()) {
            await().atMost(Duration.ofSeconds(120)).until(() -> !failures.isEmpty() || running.isTerminated());
            assertThat(running.failure()).isEmpty();
        }
        assertThat(failures.get(0)).contains("CHANNEL_STATE_LIMIT").contains("maxChannelStateBytes=65536");
        // The backlog in front of 'slow' was copied until the cap was passed: every record is an 8-byte
        // value without a key.
        double records = registry.get("cairn.operator.inflight.records").tag("operator", "slow").counter().count();
        double bytes = registry.get("cairn.operator.inflight.bytes").tag("operator", "slow").counter().count();
        assertThat(bytes).as("in-flight bytes copied past the cap").isGreaterThan(64 * 1024);
        assertThat(bytes).as("8 bytes per in-flight record").isEqualTo(8 * records);
        assertThat(registry.get("cairn.operator.inflight.records").tag("operator", "src").counter().count())
                .as("the source has no input channel").isZero();
    }
}

package dev.cairn.kafka;

import dev.cairn.core.CairnException;
import dev.cairn.core.CheckpointConfig;
import dev.cairn.core.Emitter;
import dev.cairn.core.Operator;
import dev.cairn.core.Record;
import dev.cairn.core.topology.ChannelId;
import dev.cairn.kafka.testkit.EmbeddedKafkaBroker;
import dev.cairn.kafka.testkit.KafkaBrokerExtension;
import dev.cairn.kafka.testkit.TestTopics;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.internals.RecordHeader;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/** Bad input meets a clear error that names what and where, and nothing is skipped silently. */
@ExtendWith(KafkaBrokerExtension.class)
class BadInputTest {
    @TempDir
    Path checkpoints;

    static final class Forward implements Operator {
        private final String to;

        Forward(String to) {
            this.to = to;
        }

        @Override
        public void process(Record record, Emitter out) {
            if (to != null) {
                out.emit(to, record.key(), record.value());
            }
        }
    }

    private Job.Builder pipeline(EmbeddedKafkaBroker broker, String id, String prefix, String in) {
        return Job.builder(id).kafka(broker.clientProperties()).topicPrefix(prefix).checkpointDirectory(checkpoints)
                .source("src", in).operator("a", () -> new Forward("b")).operator("b", () -> new Forward(null))
                .channel("src", "a").channel("a", "b")
                .checkpoints(CheckpointConfig.builder().interval(java.time.Duration.ofMillis(200)).build())
                .restartPolicy(RestartPolicy.fixedDelay(Duration.ofMillis(100), 3));
    }

    private static void sendRaw(EmbeddedKafkaBroker broker, String topic, RecordHeaders headers) {
        Map<String, Object> p = new HashMap<>(broker.clientProperties());
        p.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class);
        p.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class);
        try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(p)) {
            producer.send(new ProducerRecord<>(topic, 0, null, null, new byte[]{1}, headers));
            producer.flush();
        }
    }

    private CairnException failureAfterForeignRecord(EmbeddedKafkaBroker broker, String id, RecordHeaders headers)
            throws Exception {
        String in = TestTopics.unique("bad-in");
        broker.createTopic(in, 1);
        Job job = pipeline(broker, id, TestTopics.unique("cairn"), in).build();
        String channel = job.channelTopic(ChannelId.of("a", "b"));
        try (RunningJob running = job.start()) {
            await().atMost(Duration.ofSeconds(60)).until(() -> running.epoch() > 0);
            sendRaw(broker, channel, headers);
            await().atMost(Duration.ofSeconds(60)).until(running::isTerminated);
            assertThat(running.failure()).isPresent();
            return running.failure().get();
        }
    }

    @Test
    void aMalformedMarkerHeaderStopsTheJobNamingTheRecord(EmbeddedKafkaBroker broker) throws Exception {
        RecordHeaders h = new RecordHeaders();
        h.add(new RecordHeader("cairn.epoch", ByteBuffer.allocate(4).putInt(1).array()));
        h.add(new RecordHeader("cairn.marker", new byte[]{0, 0, 7}));
        CairnException e = failureAfterForeignRecord(broker, "bad-marker", h);
        assertThat(e.getMessage()).contains("MALFORMED_INPUT").contains("--b-0@").contains("'cairn.marker' has 3 bytes");
    }

    @Test
    void anUnknownCairnHeaderStopsTheJob(EmbeddedKafkaBroker broker) throws Exception {
        RecordHeaders h = new RecordHeaders();
        h.add(new RecordHeader("cairn.epoch", ByteBuffer.allocate(4).putInt(1).array()));
        h.add(new RecordHeader("cairn.colour", new byte[]{1}));
        CairnException e = failureAfterForeignRecord(broker, "bad-header", h);
        assertThat(e.getMessage()).contains("unknown header 'cairn.colour'");
    }

    @Test
    void aRecordWithoutEpochStopsTheJob(EmbeddedKafkaBroker broker) throws Exception {
        CairnException e = failureAfterForeignRecord(broker, "bad-noepoch", new RecordHeaders());
        assertThat(e.getMessage()).contains("header 'cairn.epoch' is missing");
    }

    @Test
    void aChannelTopicWithTwoPartitionsIsRefusedAtStart(EmbeddedKafkaBroker broker) {
        String in = TestTopics.unique("bad-in");
        broker.createTopic(in, 1);
        String prefix = TestTopics.unique("cairn");
        Job job = pipeline(broker, "bad-parts", prefix, in).build();
        broker.createTopic(job.channelTopic(ChannelId.of("a", "b")), 2);
        assertThatThrownBy(job::start).isInstanceOfSatisfying(CairnException.class, e -> {
            assertThat(e.reason()).isEqualTo(CairnException.Reason.CONFIGURATION);
            assertThat(e.getMessage()).contains(job.channelTopic(ChannelId.of("a", "b"))).contains("2 partitions");
        });
    }

    @Test
    void aChannelTopicWithFiniteRetentionIsRefusedAtStart(EmbeddedKafkaBroker broker) {
        String in = TestTopics.unique("bad-in");
        broker.createTopic(in, 1);
        Job job = pipeline(broker, "bad-retention", TestTopics.unique("cairn"), in).build();
        broker.createTopic(job.channelTopic(ChannelId.of("src", "a")), 1, Map.of("retention.ms", "60000"));
        assertThatThrownBy(job::start).isInstanceOfSatisfying(CairnException.class, e -> {
            assertThat(e.reason()).isEqualTo(CairnException.Reason.CONFIGURATION);
            assertThat(e.getMessage()).contains(job.channelTopic(ChannelId.of("src", "a"))).contains("retention.ms=60000");
        });
    }

    @Test
    void aChannelTopicDeletedAndRecreatedMakesTheRestoreRefuse(EmbeddedKafkaBroker broker) throws Exception {
        String in = TestTopics.unique("bad-in");
        broker.createTopic(in, 1);
        String prefix = TestTopics.unique("cairn");
        Job job = pipeline(broker, "bad-recreated", prefix, in).build();
        try (RunningJob running = job.start()) {
            await().atMost(Duration.ofSeconds(60)).until(() -> running.latestCompletedCheckpoint() > 0);
        }
        String channel = job.channelTopic(ChannelId.of("a", "b"));
        try (Admin admin = Admin.create(broker.clientProperties())) {
            admin.deleteTopics(List.of(channel)).all().get(30, TimeUnit.SECONDS);
            await().atMost(Duration.ofSeconds(30)).until(() -> !admin.listTopics().names().get().contains(channel));
        }
        Job again = pipeline(broker, "bad-recreated", prefix, in).build();
        try (RunningJob running = again.start()) {
            await().atMost(Duration.ofSeconds(60)).until(running::isTerminated);
            assertThat(running.failure()).hasValueSatisfying(e -> assertThat(e.getMessage())
                    .contains("deleted and recreated").contains("a->b").contains("topic id was"));
        }
    }

    @Test
    void aChannelTopicDeletedUnderARunningJobFailsItNamingTheTopic(EmbeddedKafkaBroker broker) throws Exception {
        String in = TestTopics.unique("bad-in");
        broker.createTopic(in, 1);
        Job job = pipeline(broker, "bad-deleted-live", TestTopics.unique("cairn"), in).build();
        String channel = job.channelTopic(ChannelId.of("a", "b"));
        try (RunningJob running = job.start()) {
            await().atMost(Duration.ofSeconds(60)).until(() -> running.latestCompletedCheckpoint() > 0);
            try (Admin admin = Admin.create(broker.clientProperties())) {
                admin.deleteTopics(List.of(channel)).all().get(30, TimeUnit.SECONDS);
            }
            await().atMost(Duration.ofSeconds(90)).until(running::isTerminated);
            assertThat(running.failure()).hasValueSatisfying(e -> assertThat(e.getMessage()).contains(channel));
        }
    }

    @Test
    @Timeout(value = 90)
    void anUnreachableBrokerIsAClearErrorWithinTheStartTimeout() {
        Job job = Job.builder("bad-broker").bootstrapServers("127.0.0.1:1").checkpointDirectory(checkpoints)
                .source("src", "in").operator("a", () -> new Forward(null)).channel("src", "a")
                .startTimeout(Duration.ofSeconds(3)).build();
        assertThatThrownBy(job::start).isInstanceOfSatisfying(CairnException.class, e -> {
            assertThat(e.reason()).isEqualTo(CairnException.Reason.UNAVAILABLE);
            assertThat(e.getMessage()).contains("cannot reach Kafka at 127.0.0.1:1");
        });
    }

    @Test
    void kafkaSettingsCairnOwnsAreRefusedNamingTheKey() {
        assertThatThrownBy(() -> Job.builder("bad-settings").kafka(Map.of("bootstrap.servers", "x:1", "acks", "1",
                        "enable.auto.commit", "true")).checkpointDirectory(checkpoints)
                .source("src", "in").operator("a", () -> new Forward(null)).channel("src", "a").build())
                .isInstanceOfSatisfying(CairnException.class, e -> assertThat(e.getMessage())
                        .contains("'acks' (producer) must be 'all', was '1'")
                        .contains("'enable.auto.commit' (consumer) must be 'false', was 'true'"));
    }

    @Test
    void aMalformedControlRecordIsIgnoredAndTheJobGoesOn(EmbeddedKafkaBroker broker) throws Exception {
        String in = TestTopics.unique("bad-in");
        broker.createTopic(in, 1);
        String prefix = TestTopics.unique("cairn");
        Job job = pipeline(broker, "bad-control", prefix, in).build();
        try (RunningJob running = job.start()) {
            await().atMost(Duration.ofSeconds(60)).until(() -> running.latestCompletedCheckpoint() > 0);
            Map<String, Object> p = new HashMap<>(broker.clientProperties());
            p.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class);
            p.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class);
            try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(p)) {
                producer.send(new ProducerRecord<>(prefix + ".bad-control.control", 0, null, null,
                        "{not json".getBytes(java.nio.charset.StandardCharsets.UTF_8))).get();
            }
            long seen = running.latestCompletedCheckpoint();
            await().atMost(Duration.ofSeconds(60)).until(() -> running.latestCompletedCheckpoint() > seen + 1);
            assertThat(running.failure()).isEmpty();
        }
    }
}

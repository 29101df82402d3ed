package dev.cairn.kafka.internal;

import dev.cairn.core.CairnException;
import dev.cairn.core.CorruptCheckpointException;
import dev.cairn.core.CrashPoints;
import dev.cairn.core.manifest.FileRef;
import dev.cairn.core.recovery.OperatorRestore;
import dev.cairn.core.storage.CheckpointFileWriter;
import dev.cairn.core.storage.LocalCheckpointStorage;
import dev.cairn.core.storage.NioStorageFs;
import dev.cairn.kafka.testkit.EmbeddedKafkaBroker;
import dev.cairn.kafka.testkit.KafkaBrokerExtension;
import dev.cairn.kafka.testkit.TestTopics;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicReference;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The exactly-once sink on its own: fencing of an older incarnation on the real broker, and the
 * pending file's layout and its damage cases (docs/WIRE-FORMAT.md, docs/BAD-INPUT.md).
 */
@ExtendWith(KafkaBrokerExtension.class)
class KafkaSinkTest {
    @TempDir
    Path dir;

    @AfterEach
    void disarm() {
        CrashPoints.disarmAll();
    }

    private static OperatorRestore fresh() {
        return new OperatorRestore("out", 0, Optional.empty(), Map.of(), Map.of());
    }

    private static KafkaSink sink(String job, String topic) {
        return KafkaSink.exactlyOnce(job, "out", "out", topic, "cairn." + job + ".sink.out", "cairn." + job + ".sink-commits",
                new SinkMetrics(new SimpleMeterRegistry(), job, "out", System::nanoTime));
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private static List<String> values(EmbeddedKafkaBroker broker, String topic, boolean committedOnly) {
        Map<String, Object> p = new HashMap<>(broker.clientProperties());
        p.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class);
        p.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class);
        p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, committedOnly ? "read_committed" : "read_uncommitted");
        List<String> out = new ArrayList<>();
        TopicPartition tp = new TopicPartition(topic, 0);
        try (KafkaConsumer<byte[], byte[]> c = new KafkaConsumer<>(p)) {
            c.assign(List.of(tp));
            c.seekToBeginning(List.of(tp));
            long end = c.endOffsets(List.of(tp)).get(tp);
            while (c.position(tp) < end) {
                for (ConsumerRecord<byte[], byte[]> r : c.poll(Duration.ofMillis(100))) {
                    out.add(new String(r.value(), StandardCharsets.UTF_8));
                }
            }
        }
        return out;
    }

    @Test
    void aRestartedSinkFencesItsPreviousIncarnationWhoseCommitNeverBecomesVisible(EmbeddedKafkaBroker broker) {
        String job = TestTopics.unique("fence");
        String topic = TestTopics.unique("fence-out");
        broker.createTopic(topic, 1);
        KafkaSettings kafka = KafkaSettings.of(broker.clientProperties());
        try (TopicManager topics = new TopicManager(kafka, "t", Duration.ofSeconds(30), -1);
             LocalCheckpointStorage storage = LocalCheckpointStorage.open(dir, job, new NioStorageFs());
             KafkaSink old = sink(job, topic);
             KafkaSink replacement = sink(job, topic)) {
            old.open(kafka, topics, storage, fresh(), Duration.ofSeconds(30));
            for (int i = 0; i < 5; i++) {
                old.write(bytes("k"), bytes("old-" + i));
            }
            old.snapshot(1);
            // the replacement starts while the old incarnation is in the middle of its commit:
            // records sent, commit not yet asked for
            AtomicReference<Throwable> openFailure = new AtomicReference<>();
            CrashPoints.arm("sink.duringCommit", 1, n -> {
                try {
                    replacement.open(kafka, topics, storage, fresh(), Duration.ofSeconds(30));
                } catch (Throwable t) {
                    openFailure.set(t);
                }
            });
            assertThatThrownBy(() -> old.checkpointsCompleted(1)).isInstanceOfSatisfying(CairnException.class, e -> {
                assertThat(e.reason()).isEqualTo(CairnException.Reason.FENCED);
                assertThat(e.getMessage()).contains("exactly-once sink 'out'").contains("was fenced")
                        .contains("cairn." + job + ".sink.out");
            });
            assertThat(openFailure.get()).isNull();
            assertThat(values(broker, topic, false)).as("the old commit's records reached the log").hasSize(5);
            assertThat(values(broker, topic, true)).as("but are never visible to read_committed").isEmpty();

            // a later attempt of the old incarnation fails at once, and the replacement commits its own
            old.write(bytes("k"), bytes("old-late"));
            old.snapshot(2);
            assertThatThrownBy(() -> old.checkpointsCompleted(2)).isInstanceOf(CairnException.class);
            replacement.write(bytes("k"), bytes("new-0"));
            replacement.snapshot(3);
            replacement.checkpointsCompleted(3);
            org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(30)) // the commit's markers land a moment later
                    .untilAsserted(() -> assertThat(values(broker, topic, true)).containsExactly("new-0"));
        }
    }

    @Test
    void thePendingFileHasTheDocumentedLayoutAndRoundTrips() throws Exception {
        try (LocalCheckpointStorage storage = LocalCheckpointStorage.open(dir, "layout", new NioStorageFs());
             KafkaSink s = sink("layout", "t")) {
            s.write(bytes("k"), null);
            s.snapshot(3);
            s.write(null, bytes("vv"));
            s.write(bytes("a"), bytes("b"));
            s.snapshot(5);
            assertThat(s.stage(storage, 3)).containsOnlyKeys("sink-out.pending");
            FileRef ref = s.stage(storage, 5).get("sink-out.pending");
            assertThat(ref.path()).isEqualTo("chk-5/out/sink-out.pending");
            byte[] file = Files.readAllBytes(dir.resolve("layout").resolve(ref.path()));
            assertThat(file).containsExactly(
                    0x43, 0x53, 0x4b, 0x31,               // magic "CSK1"
                    0, 0, 0, 2,                           // 2 batches
                    0, 0, 0, 0, 0, 0, 0, 3,               // batch of checkpoint 3
                    0, 0, 0, 1,                           //   1 record
                    0, 0, 0, 1, 'k',                      //   key "k"
                    -1, -1, -1, -1,                       //   value null
                    0, 0, 0, 0, 0, 0, 0, 5,               // batch of checkpoint 5
                    0, 0, 0, 2,                           //   2 records
                    -1, -1, -1, -1, 0, 0, 0, 2, 'v', 'v', //   null, "vv"
                    0, 0, 0, 1, 'a', 0, 0, 0, 1, 'b');    //   "a", "b"
            TreeMap<Long, List<byte[][]>> back = KafkaSink.readPendingFile(storage, ref);
            assertThat(back.keySet()).containsExactly(3L, 5L);
            assertThat(back.get(5L).get(1)[0]).isEqualTo(bytes("a"));
            assertThat(back.get(3L).get(0)[1]).isNull();
        }
    }

    @Test
    void aDamagedPendingFileIsACorruptCheckpointNamingTheFile() throws Exception {
        try (LocalCheckpointStorage storage = LocalCheckpointStorage.open(dir, "bad", new NioStorageFs());
             KafkaSink s = sink("bad", "t")) {
            s.write(bytes("key"), bytes("value"));
            s.snapshot(7);
            FileRef ref = s.stage(storage, 7).get("sink-out.pending");
            Path file = dir.resolve("bad").resolve(ref.path());
            byte[] b = Files.readAllBytes(file);
            b[b.length - 1] ^= 0x01; // one bit of the last value byte
            Files.write(file, b);
            assertThatThrownBy(() -> KafkaSink.readPendingFile(storage, ref))
                    .isInstanceOfSatisfying(CorruptCheckpointException.class, e -> assertThat(e.getMessage())
                            .contains("exactly-once sink pending file chk-7/out/sink-out.pending is damaged")
                            .contains("checksum mismatch").contains("Restore an older checkpoint explicitly"));

            // intact checksum, wrong content: written by something else
            CheckpointFileWriter w = storage.createPrivateFile(8, "out", "sink-out.pending");
            w.write(new byte[]{'J', 'U', 'N', 'K', 0, 0, 0, 0});
            FileRef junk = w.finish();
            assertThatThrownBy(() -> KafkaSink.readPendingFile(storage, junk))
                    .isInstanceOfSatisfying(CorruptCheckpointException.class, e -> assertThat(e.getMessage())
                            .contains("chk-8/out/sink-out.pending").contains("does not start with the pending-file magic"));

            // a length that runs past the end
            w = storage.createPrivateFile(9, "out", "sink-out.pending");
            w.write(new byte[]{0x43, 0x53, 0x4b, 0x31, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 9, 0, 0, 0, 1, 0, 0, 0x10, 0});
            FileRef truncated = w.finish();
            assertThatThrownBy(() -> KafkaSink.readPendingFile(storage, truncated))
                    .isInstanceOfSatisfying(CorruptCheckpointException.class, e -> assertThat(e.getMessage())
                            .contains("chk-9/out/sink-out.pending").contains("field length 4096 beyond the end"));
        }
    }
}

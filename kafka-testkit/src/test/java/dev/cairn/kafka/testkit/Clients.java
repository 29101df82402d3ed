package dev.cairn.kafka.testkit;

import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ListOffsetsOptions;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.IsolationLevel;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;

/** Small client helpers for the testkit's own tests. */
final class Clients {
    private Clients() {
    }

    static KafkaProducer<String, String> producer(Map<String, Object> base, Map<String, Object> extra) {
        Map<String, Object> p = new HashMap<>(base);
        p.put(ProducerConfig.ACKS_CONFIG, "all");
        p.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, 30_000);
        p.putAll(extra);
        return new KafkaProducer<>(p, new StringSerializer(), new StringSerializer());
    }

    static KafkaConsumer<String, String> consumer(Map<String, Object> base, IsolationLevel isolation) {
        Map<String, Object> p = new HashMap<>(base);
        p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, isolation.toString());
        p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        return new KafkaConsumer<>(p, new StringDeserializer(), new StringDeserializer());
    }

    /** Sends {@code values} to partition 0 and waits for every acknowledgement. */
    static void produce(Map<String, Object> base, String topic, List<String> values) throws Exception {
        try (KafkaProducer<String, String> producer = producer(base, Map.of())) {
            for (String v : values) {
                producer.send(new ProducerRecord<>(topic, 0, null, v));
            }
            producer.flush();
        }
    }

    /**
     * Reads partition 0 of {@code topic} from the beginning until {@code expectedCount} values arrived
     * (bounded by Awaitility), then polls once more to catch extra records, and returns them all.
     */
    static List<String> readAll(Map<String, Object> base, String topic, IsolationLevel isolation, int expectedCount) {
        TopicPartition tp = new TopicPartition(topic, 0);
        List<String> values = new ArrayList<>();
        try (KafkaConsumer<String, String> consumer = consumer(base, isolation)) {
            consumer.assign(List.of(tp));
            consumer.seekToBeginning(List.of(tp));
            await().atMost(Duration.ofSeconds(60)).until(() -> {
                for (ConsumerRecord<String, String> r : consumer.poll(Duration.ofMillis(200))) {
                    values.add(r.value());
                }
                return values.size() >= expectedCount;
            });
            for (ConsumerRecord<String, String> r : consumer.poll(Duration.ofMillis(200))) {
                values.add(r.value());
            }
        }
        return values;
    }

    /** The end offset of partition 0 as a consumer with {@code isolation} sees it (the LSO for read_committed). */
    static long endOffset(Admin admin, String topic, IsolationLevel isolation)
            throws InterruptedException, ExecutionException, TimeoutException {
        TopicPartition tp = new TopicPartition(topic, 0);
        return admin.listOffsets(Map.of(tp, OffsetSpec.latest()), new ListOffsetsOptions(isolation))
                .partitionResult(tp).get(30, TimeUnit.SECONDS).offset();
    }

    static List<String> values(String prefix, int n) {
        List<String> v = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            v.add(prefix + "-" + i);
        }
        return v;
    }
}

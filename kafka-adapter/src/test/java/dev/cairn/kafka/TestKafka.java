package dev.cairn.kafka;

import dev.cairn.kafka.testkit.EmbeddedKafkaBroker;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/** Small helpers for tests against the embedded broker. */
final class TestKafka {
    private TestKafka() {
    }

    static void produce(EmbeddedKafkaBroker broker, String topic, List<byte[][]> records) {
        Map<String, Object> p = new HashMap<>(broker.clientProperties());
        p.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class);
        p.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class);
        p.put(ProducerConfig.LINGER_MS_CONFIG, 5);
        try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(p)) {
            for (byte[][] kv : records) {
                producer.send(new ProducerRecord<>(topic, kv[0], kv[1]));
            }
            producer.flush();
        }
    }

    /**
     * Every record of {@code topic} a read_committed consumer sees, once no transaction is open on
     * it: a commit's markers reach the partitions a moment after {@code commitTransaction()}
     * returns, so the last stable offset is awaited up to the high watermark first.
     */
    static List<ConsumerRecord<byte[], byte[]>> readCommitted(EmbeddedKafkaBroker broker, String topic) {
        try (org.apache.kafka.clients.admin.Admin admin = org.apache.kafka.clients.admin.Admin.create(broker.clientProperties())) {
            List<TopicPartition> tps = new ArrayList<>();
            org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(60)).until(() -> {
                tps.clear();
                admin.describeTopics(List.of(topic)).allTopicNames().get().get(topic).partitions()
                        .forEach(p -> tps.add(new TopicPartition(topic, p.partition())));
                Map<TopicPartition, org.apache.kafka.clients.admin.OffsetSpec> latest = new HashMap<>();
                tps.forEach(tp -> latest.put(tp, org.apache.kafka.clients.admin.OffsetSpec.latest()));
                var hw = admin.listOffsets(latest).all().get();
                var lso = admin.listOffsets(latest, new org.apache.kafka.clients.admin.ListOffsetsOptions(
                        org.apache.kafka.common.IsolationLevel.READ_COMMITTED)).all().get();
                return tps.stream().allMatch(tp -> hw.get(tp).offset() == lso.get(tp).offset());
            });
        }
        return readAll(broker, topic, true);
    }

    /** Every record of {@code topic} up to its end offsets, in partition order. */
    static List<ConsumerRecord<byte[], byte[]>> readAll(EmbeddedKafkaBroker broker, String topic, boolean committedOnly) {
        Map<String, Object> p = new HashMap<>(broker.clientProperties());
        p.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class);
        p.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class);
        p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, committedOnly ? "read_committed" : "read_uncommitted");
        p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        List<ConsumerRecord<byte[], byte[]>> out = new ArrayList<>();
        try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(p)) {
            List<TopicPartition> tps = new ArrayList<>();
            consumer.partitionsFor(topic).forEach(pi -> tps.add(new TopicPartition(topic, pi.partition())));
            consumer.assign(tps);
            consumer.seekToBeginning(tps);
            Map<TopicPartition, Long> end = consumer.endOffsets(tps);
            while (true) {
                boolean done = true;
                for (TopicPartition tp : tps) {
                    if (consumer.position(tp) < end.get(tp)) {
                        done = false;
                    }
                }
                if (done) {
                    return out;
                }
                consumer.poll(Duration.ofMillis(200)).forEach(out::add);
            }
        }
    }
}

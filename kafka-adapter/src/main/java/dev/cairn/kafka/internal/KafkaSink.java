package dev.cairn.kafka.internal;

import dev.cairn.core.CairnException;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;

import java.util.Map;

/**
 * Writes a sink's records to its topic, at least once: through the node's producer (idempotent,
 * acks=all), so a failed send fails the operator and the job rolls back and writes again.
 */
class KafkaSink {
    private final String topic;
    private final KafkaProducer<byte[], byte[]> producer;
    private final java.util.function.Consumer<Throwable> onFailure;

    KafkaSink(String topic, KafkaProducer<byte[], byte[]> producer, java.util.function.Consumer<Throwable> onFailure) {
        this.topic = topic;
        this.producer = producer;
        this.onFailure = onFailure;
    }

    void write(byte[] key, byte[] value) {
        producer.send(new ProducerRecord<>(topic, key, value), (md, e) -> {
            if (e != null) {
                onFailure.accept(new CairnException(CairnException.Reason.OPERATOR_FAILED, "a send to sink topic '"
                        + topic + "' failed: " + e, e));
            }
        });
    }

    /** The synchronous part of a checkpoint (exactly-once sinks seal their output here). */
    void snapshot(long checkpointId) {
    }

    /** Every checkpoint up to {@code upTo} is complete. */
    void checkpointsCompleted(long upTo) {
    }

    /** What this sink records in the local snapshot of {@code checkpointId}. */
    Map<String, String> attributes(long checkpointId) {
        return Map.of();
    }
}
